"""A realistic results dict (CONTRACT.md + the runner's extra keys) for the reports tests.

``make_results(out_dir)`` writes small PNG crops under ``out_dir/crops`` (an
opinion box with a red seal, one without, an over-long section, a field) and
returns the dict the runner would hand to ``write_reports``. Its truth:

- 6 paper documents, 7 online records, 1 record without paper (KC2020-0006),
  1 paper form without record (d0004), 1 unreadable input (scans/broken.pdf);
- d0001 (KC2020-0001, 中国电子学会): recommender seal and date missing, team
  intro 342 字 over 300 → 需处理;
- d0002 (KC2020-0002, 中国药学会): phone differs (error), contact probably
  differs (warning) → 需处理;
- d0003 (KC2020-0003, 中国机械工程学会): in order → 合格;
- d0004 (no record; seal reads 中国电子学会): NO_ONLINE_RECORD → 需处理;
- d0005 (KC2020-0005, 中国电子学会): only a late-date warning → 待核对, but the
  unit's quota finding (KC2020-0001/0005/0006 in 电子信息) is an error → 需处理;
- d0006 (KC2020-0007, 中国材料研究学会): address probably differs (warning), an
  empty-field error the clerk dismissed → 待核对, and no letter;
- KC2020-0006 (中国电子学会): NO_PAPER → 需处理.

Letters: 中国电子学会 (d0001, d0004 by its seal, KC2020-0006, the quota) and
中国药学会 (d0002). Findings: 9 in documents + 3 batch = 12.
"""

from __future__ import annotations

import subprocess
from functools import lru_cache
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

CROP_SIZE = (360, 150)


@lru_cache(maxsize=1)
def _cjk_font_path() -> str | None:
    try:
        out = subprocess.run(
            ["fc-match", "-f", "%{file}", "Noto Sans CJK SC:lang=zh-cn"], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = _cjk_font_path()
    return ImageFont.truetype(path, size) if path else ImageFont.load_default()


def _crop(path: Path, lines: list[str], seal: bool = False) -> None:
    img = Image.new("RGB", CROP_SIZE, "white")
    draw = ImageDraw.Draw(img)
    draw.rectangle([0, 0, CROP_SIZE[0] - 1, CROP_SIZE[1] - 1], outline="black", width=2)
    font = _font(18)
    for i, line in enumerate(lines):
        draw.text((12, 10 + 26 * i), line, fill="black", font=font)
    if seal:
        cx, cy, r = 280, 80, 55
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], outline=(210, 30, 30), width=5)
        draw.regular_polygon((cx, cy, 18), 5, fill=(210, 30, 30))
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path)


def _field(value: Any, confidence: float = 0.95, page: int = 1, **extra: Any) -> dict[str, Any]:
    return {"value": value, "confidence": confidence, "page": page, "bbox": [100, 200, 900, 260], **extra}


def _fields(tech_name: str, domain: str, team_chars: int = 220, **over: Any) -> dict[str, Any]:
    fields = {
        "tech_name": _field(tech_name),
        "domain": _field(domain, 0.99),
        "industry": _field("6513 应用软件开发"),
        "project_type": _field("应用研究", 0.99),
        "trl": _field(6, 0.97),
        "contact": _field("张伟"),
        "phone": _field("010-68512345"),
        "address": _field("北京市海淀区学院路30号"),
        "email": _field("zhangwei@example.cn"),
        "team_intro": _field("团队由二十名研究人员组成。", 0.9, 2, chars=team_chars, limit=300),
        "tech_level": _field("国内领先。", 0.9, 2, chars=410, limit=500),
        "tech_benefit": _field("效益显著。", 0.9, 2, chars=380, limit=500),
    }
    fields.update(over)
    return fields


def _finding(code: str, severity: str, message: str, **extra: Any) -> dict[str, Any]:
    d: dict[str, Any] = {
        "code": code,
        "field": None,
        "severity": severity,
        "message": message,
        "paper": None,
        "online": None,
        "evidence": {},
    }
    d.update(extra)
    return d


def _online(
    record_id: str, tech_name: str, domain: str, applicant: str, recommender: str, **over: Any
) -> dict[str, Any]:
    d = {
        "record_id": record_id,
        "tech_name": tech_name,
        "domain": domain,
        "industry": "6513 应用软件开发",
        "project_type": "应用研究",
        "trl": 6,
        "contact": "张伟",
        "phone": "010-68512345",
        "address": "北京市海淀区学院路30号",
        "email": "zhangwei@example.cn",
        "applicant": applicant,
        "recommender": recommender,
        "submitted_at": "2020-11-15 10:00:00",
    }
    d.update(over)
    return d


def _document(
    doc_id: str,
    file: str,
    pages: list[int],
    record_id: str | None,
    score: float | None,
    fields: dict[str, Any],
    findings: list[dict[str, Any]],
    online: dict[str, Any] | None,
    crops: dict[str, str],
    seals_present: tuple[bool, bool] = (True, True),
    dates: tuple[str | None, str | None] = ("2020-11-10", "2020-11-12"),
    seal_text: tuple[str | None, str | None] = (None, None),
) -> dict[str, Any]:
    last = pages[-1]
    return {
        "id": doc_id,
        "source": {"file": file, "pages": pages},
        "record_id": record_id,
        "match_score": score,
        "fields": fields,
        "seals": {
            "applicant_opinion": {
                "present": seals_present[0],
                "confidence": 0.97,
                "page": last,
                "bbox": [700, 1800, 1000, 2100] if seals_present[0] else None,
            },
            "recommender_opinion": {
                "present": seals_present[1],
                "confidence": 0.95,
                "page": last,
                "bbox": [700, 2500, 1000, 2800] if seals_present[1] else None,
            },
        },
        "dates": {"applicant_opinion": dates[0], "recommender_opinion": dates[1]},
        "seal_text": {"applicant_opinion": seal_text[0], "recommender_opinion": seal_text[1]},
        "findings": findings,
        "crops": crops,
        "online": online,
        "path_taken": "ocr",
        "problems": [],
    }


def make_results(out_dir: Path) -> dict[str, Any]:
    """The fixture batch; crops written under ``out_dir/crops``."""
    out_dir = Path(out_dir)
    crops = out_dir / "crops"
    _crop(crops / "d0001-recommender_opinion.png", ["推荐单位意见", "同意推荐。", "", "年　月　日"])
    _crop(crops / "d0001-team_intro.png", ["技术团队简介", "团队由二十名研究人员组成，", "……（342 字）"])
    _crop(crops / "d0002-phone.png", ["联系电话", "010-68519999"])
    _crop(crops / "d0002-contact.png", ["联系人", "张玮"])
    _crop(crops / "d0005-applicant_opinion.png", ["申报单位意见", "同意。", "", "2020年11月25日"], seal=True)

    d1_online = _online("KC2020-0001", "面向边缘计算的低功耗神经网络芯片", "电子信息", "清华大学", "中国电子学会")
    d1 = _document(
        "d0001",
        "scans/box1.pdf",
        [1, 2, 3],
        "KC2020-0001",
        0.97,
        _fields("面向边缘计算的低功耗神经网络芯片", "电子信息", team_chars=342),
        [
            _finding(
                "SEAL_MISSING",
                "error",
                "推荐单位意见栏未检测到公章",
                field="recommender_opinion",
                page=3,
                bbox=[100, 2400, 1100, 2900],
                confidence=0.95,
                evidence={"seal_present": False},
            ),
            _finding(
                "DATE_MISSING",
                "error",
                "推荐单位意见栏未填写日期",
                field="recommender_opinion",
                page=3,
                confidence=0.9,
                evidence={"date_raw": "年 月 日"},
            ),
            _finding(
                "OVER_LIMIT",
                "error",
                "技术团队简介 342 字，超过 300 字限制",
                field="team_intro",
                page=2,
                confidence=0.9,
                evidence={"count": 342, "limit": 300, "rule": "word", "count_word": 342, "count_chars": 361},
            ),
        ],
        d1_online,
        {"recommender_opinion": "crops/d0001-recommender_opinion.png", "team_intro": "crops/d0001-team_intro.png"},
        seals_present=(True, False),
        dates=("2020-11-10", None),
        seal_text=("清华大学", None),
    )
    d2_online = _online(
        "KC2020-0002",
        "新型mRNA疫苗递送系统",
        "生物医药",
        "北京协和医学院",
        "中国药学会",
        phone="010-68512345",
        contact="张伟",
    )
    d2 = _document(
        "d0002",
        "scans/box1.pdf",
        [4, 5, 6],
        "KC2020-0002",
        0.93,
        _fields("新型mRNA疫苗递送系统", "生物医药", phone=_field("010-68519999", 0.96), contact=_field("张玮", 0.62)),
        [
            _finding(
                "MISMATCH",
                "error",
                "联系电话与线上填报不一致",
                field="phone",
                paper="010-68519999",
                online="010-68512345",
                page=4,
                bbox=[300, 900, 800, 950],
                confidence=0.96,
                evidence={"similarity": 0.67},
            ),
            _finding(
                "MISMATCH",
                "warning",
                "联系人可能与线上不一致（识别置信度低，请核对）",
                field="contact",
                paper="张玮",
                online="张伟",
                page=4,
                confidence=0.62,
                evidence={"similarity": 0.5},
            ),
        ],
        d2_online,
        {"phone": "crops/d0002-phone.png", "contact": "crops/d0002-contact.png"},
    )
    d3_online = _online("KC2020-0003", "高精度五轴联动数控机床", "装备制造", "华中科技大学", "中国机械工程学会")
    d3 = _document(
        "d0003",
        "scans/box2.pdf",
        [1, 2, 3],
        "KC2020-0003",
        0.99,
        _fields("高精度五轴联动数控机床", "装备制造"),
        [],
        d3_online,
        {},
    )
    d4 = _document(
        "d0004",
        "scans/box2.pdf",
        [4, 5, 6],
        None,
        None,
        _fields("基于量子点的柔性显示材料", "电子信息"),
        [_finding("NO_ONLINE_RECORD", "error", "未找到与该纸质推荐表对应的线上记录", evidence={"best_score": 0.41})],
        None,
        {},
        seal_text=("复旦大学", "中国电子学会"),
    )
    d5_online = _online("KC2020-0005", "第三代半导体氮化镓功率器件", "电子信息", "北京大学", "中国电子学会")
    d5 = _document(
        "d0005",
        "scans/box3.tiff",
        [1, 2, 3],
        "KC2020-0005",
        0.95,
        _fields("第三代半导体氮化镓功率器件", "电子信息"),
        [
            _finding(
                "DATE_LATE",
                "warning",
                "申报单位意见栏日期 2020-11-25 晚于截止日期 2020-11-20",
                field="applicant_opinion",
                page=3,
                evidence={"date": "2020-11-25", "deadline": "2020-11-20"},
            )
        ],
        d5_online,
        {"applicant_opinion": "crops/d0005-applicant_opinion.png"},
        dates=("2020-11-25", "2020-11-26"),
    )
    d6_online = _online(
        "KC2020-0007",
        "高熵合金增材制造工艺",
        "先进材料",
        "北京科技大学",
        "中国材料研究学会",
        address="北京市海淀区学院路30号北京科技大学",
    )
    d6 = _document(
        "d0006",
        "scans/box3.tiff",
        [4, 5, 6],
        "KC2020-0007",
        0.9,
        _fields("高熵合金增材制造工艺", "先进材料", address=_field("北京市海淀区学院路30号北京科技大学", 0.55)),
        [
            _finding(
                "MISMATCH",
                "warning",
                "通信地址可能与线上不一致（识别置信度低，请核对）",
                field="address",
                paper="北京市海淀区学院路30号北京科技大字",
                online="北京市海淀区学院路30号北京科技大学",
                page=4,
                confidence=0.55,
                evidence={"similarity": 0.95},
            ),
            _finding(
                "FIELD_EMPTY",
                "error",
                "技术获奖情况为空",
                field="awards",
                page=5,
                confidence=0.8,
                review={
                    "status": "dismissed",
                    "comment": "获奖情况写在背面",
                    "corrected_value": None,
                    "user": "王芳",
                    "decided_at": "2020-11-27T10:00:00+00:00",
                },
            ),
        ],
        d6_online,
        {},
    )
    batch_findings = [
        _finding(
            "NO_PAPER",
            "error",
            "线上记录 KC2020-0006 未收到纸质推荐表",
            record_id="KC2020-0006",
            unit="中国电子学会",
            domain="电子信息",
            evidence={"tech_name": "6G太赫兹通信关键技术", "applicant": "东南大学", "recommender": "中国电子学会"},
        ),
        _finding(
            "QUOTA_EXCEEDED",
            "error",
            "中国电子学会在电子信息领域推荐 3 项，超过 2 项",
            record_ids=["KC2020-0001", "KC2020-0005", "KC2020-0006"],
            unit="中国电子学会",
            domain="电子信息",
            evidence={"count": 3, "quota": 2},
        ),
        _finding("UNREADABLE", "error", "scans/broken.pdf 无法读取：PDF 已加密", evidence={"file": "scans/broken.pdf"}),
    ]
    return {
        "batch": {
            "form": "kczg-2020",
            "started": "2020-11-27T09:00:00+08:00",
            "finished": "2020-11-27T09:05:00+08:00",
            "inputs": 4,
            "documents": 6,
            "pages": 18,
            "failed_inputs": 1,
            "online_records": 7,
            "inputs_detail": [
                {"file": "scans/box1.pdf", "status": "read", "reason": ""},
                {"file": "scans/box2.pdf", "status": "read", "reason": ""},
                {"file": "scans/box3.tiff", "status": "read", "reason": ""},
                {"file": "scans/broken.pdf", "status": "failed", "reason": "PDF 已加密"},
            ],
        },
        "documents": [d1, d2, d3, d4, d5, d6],
        "unmatched_records": ["KC2020-0006"],
        "failures": [{"file": "scans/broken.pdf", "reason": "PDF 已加密"}],
        "findings": batch_findings,
    }
