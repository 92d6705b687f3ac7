"""A small finished batch in a real SQLite store, for the review-screen tests.

``make_batch(tmp_path)`` writes crops and one downscaled page image under
``tmp_path/out`` and stores a batch whose results dict follows CONTRACT.md
plus the runner's extra keys (``crops``, ``online``, ``page_images``). Its truth:

- d0001 / KC2020-0001 (电子信息, 推荐 中国电子学会): recommender seal missing,
  team intro over the limit → 3 findings incl. QUOTA_EXCEEDED;
- d0002 / KC2020-0002 (生物医药, 推荐 中国药学会): phone mismatch; the paper
  tech name and the online 申报单位 read ``<script>alert(1)</script>`` (escaping
  must show them as text);
- d0003 / KC2020-0003 (装备制造, 推荐 中国机械工程学会): no findings;
- d0004 (no record): NO_ONLINE_RECORD;
- KC2020-0005 (电子信息, 推荐 中国电子学会): NO_PAPER, also in the quota group;
- one unreadable input (batch finding with no record).

d0001's stored reading (``readings``) holds a crop whose file is not in
``out/`` (served from the store) and one that is not a PNG (refused).
``secret.txt`` lies next to ``out/`` (a path-traversal target that must not be served).
"""

from __future__ import annotations

import base64
import datetime as dt
import re
import shutil
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

from paperdesk.store import Batch, ReadingRow, Store, open_store
from paperdesk.web.app import create_app
from paperdesk.web.users import add_user

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

CLERK = "clerk"
CLERK_PASSWORD = "correct-horse-battery"
SCRIPT = "<script>alert(1)</script>"
PAGE_SIZE = (2480, 3508)  # A4 at 300 dpi: the page pixels bboxes are given in
PAGE_IMAGE_SCALE = 0.2  # the stored page image is downscaled to this fraction


LOCAL = "http://127.0.0.1"
"""Where the tests reach the app: a Host it answers by default (loopback)."""


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
"""The CSRF field of every form the screen serves."""


def token_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "page has no CSRF field"
    return found.group(1)


def login(client: TestClient, name: str = CLERK, password: str = CLERK_PASSWORD) -> str:
    """Log in; returns the session's CSRF token."""
    token = token_of(client.get("/login").text)
    r = client.post("/login", data={"csrf_token": token, "name": name, "password": password, "next": "/"},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    return token_of(client.get("/").text)


def client_for(db_url: str, https: bool = False, **options: Any) -> TestClient:
    """A test client of a fresh app on this store, reaching it as a browser on the same machine does."""
    base = LOCAL.replace("http://", "https://") if https else LOCAL
    return TestClient(create_app(db_url, **options), base_url=base)


@dataclass
class WebBatch:
    store: Store
    db_url: str
    out_dir: Path
    batch_id: int
    results: dict[str, Any]


def _png(path: Path, size: tuple[int, int], color: tuple[int, int, int], box: tuple[int, int, int, int] | None = None) -> str:
    img = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(img)
    draw.rectangle([0, 0, size[0] - 1, size[1] - 1], outline=(0, 0, 0), width=2)
    for y in range(12, size[1] - 8, 16):  # a few "lines of text"
        draw.line([(10, y), (size[0] - 10, y)], fill=color, width=3)
    if box is not None:
        draw.rectangle(box, outline=(0, 0, 0), width=2)
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path)
    return path.name


def _finding(code: str, severity: str, message: str, **extra: Any) -> dict[str, Any]:
    d: dict[str, Any] = {"code": code, "field": None, "severity": severity, "message": message,
                         "paper": None, "online": None, "evidence": {}}
    d.update(extra)
    who = d.get("record_id") or ",".join(d.get("record_ids") or []) or d.get("document_id") or ""
    d["key"] = f"{code}:{d['field'] or ''}:{who}"
    return d


def _fields(tech_name: str, domain: str, **over: Any) -> dict[str, Any]:
    def f(value: Any, confidence: float = 0.95, page: int = 1, bbox: list[int] | None = None,
          **extra: Any) -> dict[str, Any]:
        return {"value": value, "confidence": confidence, "page": page, "bbox": bbox or [300, 400, 2200, 470], **extra}

    fields = {
        "tech_name": f(tech_name),
        "domain": f(domain, 0.99),
        "industry": f("6513 应用软件开发"),
        "project_type": f("应用研究", 0.99),
        "trl": f(6, 0.97),
        "contact": f("张伟"),
        "phone": f("010-68512345", bbox=[300, 900, 1200, 960]),
        "address": f("北京市海淀区学院路30号"),
        "email": f("zhangwei@example.cn"),
        "team_intro": f("团队由二十名研究人员组成。", 0.9, 1, [200, 1300, 2300, 2000], chars=220, limit=300),
        "tech_level": f("国内领先。", 0.9, 2, chars=410, limit=500),
        "tech_benefit": f("效益显著。", 0.9, 2, chars=380, limit=500),
    }
    fields.update(over)
    return fields


def _online(record_id: str, tech_name: str, domain: str, applicant: str, recommender: str, **over: Any) -> dict[str, Any]:
    d = {"record_id": record_id, "tech_name": tech_name, "domain": domain, "industry": "6513 应用软件开发",
         "project_type": "应用研究", "trl": 6, "contact": "张伟", "phone": "010-68512345",
         "address": "北京市海淀区学院路30号", "email": "zhangwei@example.cn",
         "applicant": applicant, "recommender": recommender, "submitted_at": "2020-11-15 10:00:00"}
    d.update(over)
    return d


def _document(doc_id: str, record_id: str | None, fields: dict[str, Any], findings: list[dict[str, Any]],
              online: dict[str, Any] | None, crops: dict[str, str], **extra: Any) -> dict[str, Any]:
    return {
        "id": doc_id,
        "source": {"file": f"scans/{doc_id}.pdf", "pages": [1, 2]},
        "record_id": record_id,
        "match_score": 0.95 if record_id else None,
        "fields": fields,
        "seals": {
            "applicant_opinion": {"present": True, "confidence": 0.97, "page": 2, "bbox": [300, 2400, 1100, 3000]},
            "recommender_opinion": {"present": True, "confidence": 0.95, "page": 2, "bbox": [1300, 2400, 2200, 3000]},
        },
        "dates": {"applicant_opinion": "2020-11-10", "recommender_opinion": "2020-11-12"},
        "seal_text": {"applicant_opinion": None, "recommender_opinion": None},
        "findings": findings,
        "crops": crops,
        "online": online,
        "path_taken": "ocr",
        **extra,
    }


def make_results(out_dir: Path) -> dict[str, Any]:
    """The fixture batch's results dict; its crops and page image are written under ``out_dir``."""
    crops = out_dir / "crops"
    _png(crops / "d0001-recommender_opinion.png", (400, 160), (90, 90, 90))
    _png(crops / "d0001-team_intro.png", (420, 150), (40, 40, 40))
    _png(crops / "d0002-phone.png", (360, 60), (20, 20, 120))
    _png(crops / "d0002-tech_name.png", (420, 60), (20, 20, 20))
    w, h = (int(PAGE_SIZE[0] * PAGE_IMAGE_SCALE), int(PAGE_SIZE[1] * PAGE_IMAGE_SCALE))
    _png(out_dir / "pages" / "d0001-p1.png", (w, h), (150, 150, 150))

    quota = _finding("QUOTA_EXCEEDED", "error", "中国电子学会在电子信息领域推荐 3 项，超过 2 项",
                     record_ids=["KC2020-0001", "KC2020-0004", "KC2020-0005"], unit="中国电子学会", domain="电子信息",
                     evidence={"count": 3, "quota": 2})
    d1 = _document(
        "d0001", "KC2020-0001", _fields("面向边缘计算的低功耗神经网络芯片", "电子信息"),
        [
            _finding("SEAL_MISSING", "error", "推荐单位意见栏未检测到公章", field="recommender_opinion",
                     record_id="KC2020-0001", page=2, bbox=[1300, 2400, 2200, 3000], confidence=0.95,
                     evidence={"seal_present": False}),
            _finding("OVER_LIMIT", "error", "技术团队简介 342 字，超过 300 字限制", field="team_intro",
                     record_id="KC2020-0001", page=1, bbox=[200, 1300, 2300, 2000], confidence=0.9,
                     evidence={"count": 342, "limit": 300, "count_word": 342, "count_chars": 361}),
        ],
        _online("KC2020-0001", "面向边缘计算的低功耗神经网络芯片", "电子信息", "清华大学", "中国电子学会"),
        {"recommender_opinion": "crops/d0001-recommender_opinion.png", "team_intro": "crops/d0001-team_intro.png"},
        page_images={"1": {"path": "pages/d0001-p1.png", "width": PAGE_SIZE[0], "height": PAGE_SIZE[1]}},
    )
    d1["seals"]["recommender_opinion"] = {"present": False, "confidence": 0.95, "page": 2, "bbox": None}
    d2 = _document(
        "d0002", "KC2020-0002",
        _fields(SCRIPT, "生物医药", phone={"value": "010-68519999", "confidence": 0.96, "page": 1,
                                           "bbox": [300, 900, 1200, 960]}),
        [
            _finding("MISMATCH", "error", "联系电话与线上填报不一致", field="phone", record_id="KC2020-0002",
                     paper="010-68519999", online="010-68512345", page=1, bbox=[300, 900, 1200, 960],
                     confidence=0.96, evidence={"similarity": 0.67}),
            _finding("MISMATCH", "warning", "技术名称与线上不一致", field="tech_name", record_id="KC2020-0002",
                     paper=SCRIPT, online="新型mRNA疫苗递送系统", page=1,
                     evidence={"similarity": 0.1}),  # no confidence key: the page must still render
        ],
        _online("KC2020-0002", "新型mRNA疫苗递送系统", "生物医药", SCRIPT, "中国药学会", phone="010-68512345"),
        {"phone": "crops/d0002-phone.png", "tech_name": "crops/d0002-tech_name.png",
         "evil": "../secret.txt"},
    )
    d3 = _document("d0003", "KC2020-0003", _fields("高精度五轴联动数控机床", "装备制造"), [],
                   _online("KC2020-0003", "高精度五轴联动数控机床", "装备制造", "华中科技大学", "中国机械工程学会"), {})
    d4 = _document(
        "d0004", None, _fields("基于量子点的柔性显示材料", "先进材料"),
        [_finding("NO_ONLINE_RECORD", "error", "未找到与该纸质推荐表对应的线上记录", document_id="d0004",
                  evidence={"best_score": 0.41})],
        None, {},
    )
    batch_findings = [
        _finding("NO_PAPER", "error", "线上记录 KC2020-0005 未收到纸质推荐表", record_id="KC2020-0005",
                 unit="中国电子学会", domain="电子信息",
                 evidence={"tech_name": "6G太赫兹通信关键技术", "applicant": "东南大学", "recommender": "中国电子学会"}),
        quota,
        _finding("UNREADABLE", "error", "scans/broken.pdf 无法读取：PDF 已加密", evidence={"file": "scans/broken.pdf"}),
    ]
    return {
        "batch": {"form": "kczg-2020", "started": "2020-11-27T09:00:00+00:00", "finished": "2020-11-27T09:05:00+00:00",
                  "inputs": 5, "documents": 4, "pages": 8, "failed_inputs": 1},
        "documents": [d1, d2, d3, d4],
        "unmatched_records": ["KC2020-0005"],
        "failures": [{"file": "scans/broken.pdf", "reason": "PDF 已加密"}],
        "findings": batch_findings,
    }


def store_batch(store: Store, out_dir: Path, results: dict[str, Any]) -> int:
    """Store a finished batch with these results (a run, or a re-run of the same scans); returns its id."""
    now = dt.datetime.now(dt.UTC)
    with store.session() as s:
        batch = Batch(out_dir=str(out_dir), form="kczg-2020", options={}, started=now, finished=now, results=results)
        s.add(batch)
        s.flush()
        return int(batch.id)


def store_readings(store: Store, batch_id: int, out_dir: Path) -> None:
    """d0001's stored reading carries a crop with no file in out/ (``contact``) and a broken one (``email``)."""
    png = out_dir / "crops" / "d0002-phone.png"
    with store.session() as s:
        s.add(ReadingRow(batch_id=batch_id, document_id="d0001", record_id="KC2020-0001",
                         reading={"document_id": "d0001", "crops": {
                             "contact": base64.b64encode(png.read_bytes()).decode("ascii"),
                             "email": base64.b64encode(b"not a png").decode("ascii")}}))


def make_batch(tmp_path: Path, with_user: bool = True) -> WebBatch:
    """A store at ``tmp_path/paperdesk.db`` with the fixture batch (and the clerk user)."""
    out_dir = tmp_path / "out"
    out_dir.mkdir(parents=True, exist_ok=True)
    (tmp_path / "secret.txt").write_text("top secret", encoding="utf-8")
    results = make_results(out_dir)
    db_url = f"sqlite:///{tmp_path / 'paperdesk.db'}"
    store = open_store(db_url)
    batch_id = store_batch(store, out_dir, results)
    store_readings(store, batch_id, out_dir)
    if with_user:
        add_user(store, CLERK, CLERK_PASSWORD)
    return WebBatch(store=store, db_url=db_url, out_dir=out_dir, batch_id=batch_id, results=results)


def copy_batch(pristine: WebBatch, tmp_path: Path) -> WebBatch:
    """A private copy of a made batch (store file, crops, secret) — faster than making one per test."""
    pristine.store.dispose()
    root = Path(pristine.out_dir).parent
    for name in ("out", "secret.txt", "paperdesk.db"):
        source = root / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name)
        elif source.exists():
            shutil.copy2(source, tmp_path / name)
    db_url = f"sqlite:///{tmp_path / 'paperdesk.db'}"
    store = open_store(db_url)
    out_dir = tmp_path / "out"
    with store.session() as s:  # the copy's batch lives in the copy's folder
        for batch in s.query(Batch):
            batch.out_dir = str(out_dir)
    return WebBatch(store=store, db_url=db_url, out_dir=out_dir, batch_id=pristine.batch_id,
                    results=pristine.results)
