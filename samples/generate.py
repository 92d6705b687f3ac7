"""Write the committed sample batch: scans, the online export, truth.json.

    python -m samples.generate [--out samples] [--seed 2020]

Every deliberate problem is planned in ``plan()``; ``truth.json`` records
each form's true values, where its seals and dates landed on the scanned
pages, the scan conditions and the findings paperdesk is expected to report.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import datetime as dt
import json
import random
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from openpyxl import Workbook

from forms import count_words, load_template
from samples import corpus
from samples.docx_form import write_docx
from samples.draw import Layout, render_attachment, render_blank_page, render_form_layout
from samples.files import save_image, save_pdf, save_tiff
from samples.scan import ScanSettings, map_bbox, scan_page
from samples.spec import (
    TEXT_KEYS,
    FormSpec,
    OpinionSpec,
    detail_text,
    make_spec,
    one_char_change,
    one_digit_change,
)

RENDER_DPI = 300  # every page is drawn at 300 dpi and resampled by the "scanner"
OVER_LIMIT_WORDS = 530  # the over-limit 技术水平介绍, as in the brief
LATE_DATE = dt.date(2020, 11, 23)  # after the 2020-11-20 deadline: a warning
QUOTA_UNIT = "中国地质学会"
QUOTA_DOMAIN = "资源环境"
NEAR_NAME_A = "基于深度学习的岩心图像智能识别技术"
NEAR_NAME_B = "基于深度学习的岩心图像智能识别与分类技术"
ATTACHMENT_HEADINGS = {"tech_level_detail": "详细材料（技术水平）", "tech_benefit_detail": "详细材料（技术效益）"}


@dataclass
class Case:
    """One paper form (or the DOCX) and what the checks should say about it."""

    id: str
    spec: FormSpec
    record_id: str | None  # the online record it belongs to (None: NO_ONLINE_RECORD)
    findings: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    online: dict[str, str] = field(default_factory=dict)  # online values that differ from paper
    exercises: str = ""


@dataclass
class Part:
    """A run of pages inside one output file: a form (with its attachments) or a blank sheet."""

    case: str | None  # None: blank separator page
    scan: ScanSettings
    rotate_pages: dict[int, int] = field(default_factory=dict)  # 1-based form page -> rotation


@dataclass
class OutFile:
    name: str  # relative to the output folder
    kind: str  # pdf | tiff | pages | docx
    parts: list[Part]
    exercises: str = ""


def _rid(n: int) -> str:
    return f"KC2020-{n:04d}"


def _recommender(domain: str, i: int) -> str:
    """A recommending unit other than the quota unit, spread so no other unit passes the quota."""
    units = [u for u in corpus.RECOMMENDERS[domain] if u != QUOTA_UNIT]
    return units[i % len(units)]


def _seal(spec: FormSpec, key: str, **changes: Any) -> FormSpec:
    op: OpinionSpec = getattr(spec, key)
    seal = dataclasses.replace(op.seal, **changes) if op.seal else None
    return _opinion(spec, key, seal=seal)


def _opinion(spec: FormSpec, key: str, **changes: Any) -> FormSpec:
    new: dict[str, Any] = {key: dataclasses.replace(getattr(spec, key), **changes)}
    return dataclasses.replace(spec, **new)


def _with_attachments(spec: FormSpec, seed: int, level: int = 0, benefit: int = 0) -> FormSpec:
    rng = random.Random(seed)
    att = {}
    if level:
        att["tech_level_detail"] = detail_text(rng, spec.domain, level)
    if benefit:
        att["tech_benefit_detail"] = detail_text(rng, spec.domain, benefit)
    return dataclasses.replace(spec, attachments=att)


def plan(seed: int) -> tuple[list[Case], list[FormSpec]]:
    """The paper forms with their deliberate problems, and the online-only records' specs."""
    s = seed * 100
    cases: list[Case] = []

    def spec(i: int, domain: str, recommender: str | None = None, **kw: Any) -> FormSpec:
        return make_spec(s + i, domain=domain, recommender=recommender or _recommender(domain, i), **kw)

    f01 = spec(1, QUOTA_DOMAIN, QUOTA_UNIT, tech_name=NEAR_NAME_A, tick_style="check")
    f01 = _with_attachments(f01, s + 1, level=1200)
    cases.append(Case("F01", f01, _rid(1), exercises="clean form + 技术水平 attachment; quota group"))

    f02 = spec(2, "电子信息", tick_style="cross")
    online_name = f02.tech_name
    f02 = dataclasses.replace(f02, tech_name=one_char_change(random.Random(s + 2), online_name))
    cases.append(Case("F02", f02, _rid(2),
                      [{"code": "MISMATCH", "field": "tech_name", "paper": f02.tech_name, "online": online_name}],
                      online={"tech_name": online_name}, exercises="tech name differs by one character"))

    f03 = spec(3, "生物医药", tick_style="fill")
    online_phone = f03.phone
    f03 = dataclasses.replace(f03, phone=one_digit_change(online_phone))
    f03 = _seal(f03, "recommender_opinion", ink=0.6, coverage=0.8)
    cases.append(Case("F03", f03, _rid(3),
                      [{"code": "MISMATCH", "field": "phone", "paper": f03.phone, "online": online_phone}],
                      online={"phone": online_phone},
                      exercises="phone differs by one digit; faint partly-inked recommender seal (breaks in 1-bit)"))

    f04 = spec(4, "装备制造", tick_style="check")
    f04 = _opinion(f04, "recommender_opinion", seal=None)
    cases.append(Case("F04", f04, _rid(4), [{"code": "SEAL_MISSING", "field": "recommender_opinion"}],
                      exercises="no seal in 推荐单位意见"))

    f05 = spec(5, "先进材料", tick_style="check")
    f05 = _opinion(f05, "applicant_opinion", date=None)
    f05 = _opinion(f05, "recommender_opinion", date=LATE_DATE, date_style="printed")
    cases.append(Case("F05", f05, _rid(5), [{"code": "DATE_MISSING", "field": "applicant_opinion"}],
                      [{"code": "DATE_LATE", "field": "recommender_opinion", "date": LATE_DATE.isoformat()}],
                      exercises="申报单位 date blank; 推荐单位 dated after the deadline (warning)"))

    f06 = spec(6, QUOTA_DOMAIN, QUOTA_UNIT, tick_style="overflow")
    rng6 = random.Random(s + 6)
    from samples.spec import compose  # local: only the over-limit case needs it

    over = compose(rng6, corpus.LEVEL_SENTENCES, f06.domain, {"unit": f06.applicant, "person": f06.contact,
                                                               "trl": f06.trl}, 0, at_least=OVER_LIMIT_WORDS)
    f06 = dataclasses.replace(f06, tech_level=over)
    f06 = _seal(f06, "applicant_opinion", offset_mm=(6.0, 13.0))
    f06 = _with_attachments(f06, s + 6, level=900, benefit=700)
    cases.append(Case("F06", f06, _rid(6), [{"code": "OVER_LIMIT", "field": "tech_level",
                                              "chars": count_words(over), "limit": 500}],
                      exercises="技术水平介绍 over 500 字; seal spilling over the box edge; both attachments; quota"))

    f07 = spec(7, "电子信息", tick_style="check")
    f07 = dataclasses.replace(f07, email="")
    cases.append(Case("F07", f07, _rid(7), [{"code": "FIELD_EMPTY", "field": "email"}],
                      online={"email": make_spec(s + 7, domain="电子信息").email},
                      exercises="电子邮箱 left blank on paper (online has it)"))

    f08 = spec(8, "生物医药", tick_style="check")
    f08 = dataclasses.replace(f08, domain_ticks=["生物医药", "先进材料"])
    f08 = _with_attachments(f08, s + 8, benefit=500)
    cases.append(Case("F08", f08, _rid(8), [{"code": "CHOICE_INVALID", "field": "domain"}],
                      exercises="two 所属领域 boxes ticked; 技术效益 attachment"))

    f09 = spec(9, "装备制造", tick_style="cross", trl="10")
    f09 = dataclasses.replace(f09, project_type_ticks=[])
    cases.append(Case("F09", f09, _rid(9), [{"code": "TRL_INVALID", "field": "trl"},
                                             {"code": "CHOICE_INVALID", "field": "project_type"}],
                      exercises="TRL 10; no 技术项目类型 ticked; first page scanned sideways"))

    f10 = spec(10, "先进材料", tick_style="pencil", trl="七级", industry="新材料产业")
    cases.append(Case("F10", f10, _rid(10), [{"code": "INDUSTRY_INVALID", "field": "industry"},
                                              {"code": "TRL_INVALID", "field": "trl"}],
                      exercises="industry not a GB/T 4754 class; TRL written 七级; faint pencil tick"))

    f11 = spec(11, "电子信息", tick_style="check")
    other = next(u[0] for u in corpus.UNITS["电子信息"] if u[0] != f11.applicant)
    f11 = _seal(f11, "applicant_opinion", unit=other)
    cases.append(Case("F11", f11, _rid(11), [{"code": "MISMATCH", "field": "applicant", "paper": other,
                                               "online": f11.applicant}],
                      exercises="申报单位 seal names another unit"))

    f12 = dataclasses.replace(f01, attachments={}, printer=dataclasses.replace(f01.printer, font="uming"),
                              seed=f01.seed + 5000)
    cases.append(Case("F12", f12, _rid(1), [{"code": "DUPLICATE_PAPER", "field": None}],
                      exercises="second paper copy of KC2020-0001 (reprinted, restamped)"))

    f13 = spec(13, "先进材料", tick_style="check")
    f13 = _seal(f13, "applicant_opinion", oval=True)
    cases.append(Case("F13", f13, None, [{"code": "NO_ONLINE_RECORD", "field": None}],
                      exercises="paper form with no online record; oval seal"))

    f14 = spec(14, QUOTA_DOMAIN, QUOTA_UNIT, tech_name=NEAR_NAME_B, tick_style="check")
    f14 = _seal(f14, "recommender_opinion", ink=0.38, coverage=0.95)
    cases.append(Case("F14", f14, _rid(12), exercises="name near-identical to F01, a different record; faint pink recommender seal; quota"))

    f15 = spec(15, "装备制造", tick_style="check")
    cases.append(Case("F15", f15, _rid(14), exercises="DOCX form (read as text, never OCR'd)"))

    no_paper = spec(16, "生物医药")
    return cases, [dataclasses.replace(no_paper, seed=s + 16)]


def files_plan() -> list[OutFile]:
    S = ScanSettings
    return [
        OutFile("scans/form01.pdf", "pdf", [Part("F01", S("color", 300, skew_deg=0.35, paper_tint=0.25,
                                                            uneven_illumination=0.1))],
                "colour 300 dpi PDF, form + 详细材料（技术水平） pages"),
        OutFile("scans/form02.pdf", "pdf", [Part("F02", S("gray", 200, skew_deg=-1.1))], "gray 200 dpi PDF"),
        OutFile("scans/form03.tif", "tiff", [Part("F03", S("bilevel", 300, skew_deg=0.8, noise=4.0))],
                "1-bit CCITT G4 multi-page TIFF, 300 dpi (Otsu)"),
        OutFile("scans/form04", "pages", [Part("F04", S("color", 200, skew_deg=0.6, paper_tint=0.4,
                                                                  background_removal=True))],
                "folder of per-page files form04_p1.jpg, form04_p2.jpg, form04_p3.png (background removed)"),
        OutFile("scans/form05.tif", "tiff", [Part("F05", S("gray", 200, skew_deg=-0.5,
                                                             uneven_illumination=0.2))],
                "gray 200 dpi JPEG-in-TIFF, uneven light"),
        OutFile("scans/form06.pdf", "pdf", [Part("F06", S("color", 200, skew_deg=1.5, paper_tint=0.8,
                                                            uneven_illumination=0.25))],
                "colour 200 dpi, yellow paper, uneven light, both attachments"),
        OutFile("scans/form07.pdf", "pdf", [Part("F07", S("bilevel", 200, skew_deg=-0.7, threshold="adaptive"),
                                                  rotate_pages={2: 180})],
                "1-bit (adaptive threshold) 200 dpi PDF, page 2 upside down"),
        OutFile("scans/stack_box1.pdf", "pdf", [
            Part("F08", S("color", 200, skew_deg=0.9, paper_tint=0.2)),
            Part(None, S("color", 200, skew_deg=0.2, paper_tint=0.2)),
            Part("F12", S("gray", 200, skew_deg=-1.9)),
            Part("F13", S("color", 200, skew_deg=0.3, paper_tint=0.5)),
        ], "a stack: form + attachment, blank separator, duplicate form, form with no online record"),
        OutFile("scans/form09.pdf", "pdf", [Part("F09", S("gray", 300, skew_deg=0.2), rotate_pages={1: 90})],
                "gray 300 dpi, page 1 fed sideways (rotated 90°)"),
        OutFile("scans/form10.pdf", "pdf", [Part("F10", S("color", 200, skew_deg=2.0, paper_tint=1.0,
                                                            uneven_illumination=0.3))],
                "colour 200 dpi, skew 2°, very yellow paper, strong light fall-off"),
        OutFile("scans/form11.tif", "tiff", [Part("F11", S("color", 200, skew_deg=-1.8, paper_tint=0.3))],
                "colour JPEG-in-TIFF 200 dpi, skew -1.8°"),
        OutFile("scans/form14.pdf", "pdf", [Part("F14", S("color", 200, skew_deg=0.5, paper_tint=0.1))],
                "colour 200 dpi"),
        OutFile("scans/form15.docx", "docx", [Part("F15", S())], "filled DOCX form"),
    ]


def _attachment_pages(spec: FormSpec) -> list[tuple[str, np.ndarray]]:
    out = []
    for key, text in spec.attachments.items():
        for page in render_attachment(ATTACHMENT_HEADINGS[key], text, RENDER_DPI, spec.printer.font, spec.seed):
            out.append((key, page))
    return out


def _scan_truth(layout: Layout, settings: list[ScanSettings], shape: tuple[int, ...]) -> dict[str, Any]:
    def mapped(entry: dict[str, Any]) -> dict[str, Any]:
        out = dict(entry)
        out["bbox"] = map_bbox(entry.get("bbox"), settings[entry["page"] - 1], shape)
        return out

    return {
        "seals": {k: mapped(v) for k, v in layout.seals.items()},
        "date_boxes": {k: mapped(v) for k, v in layout.dates.items()},
        "tick_boxes": {k: mapped(v) for k, v in layout.boxes.items()},
        "field_boxes": {k: mapped({kk: vv for kk, vv in v.items() if kk != "continued"})
                        for k, v in layout.fields.items()},
    }


def _doc_truth(case: Case, spec: FormSpec) -> dict[str, Any]:
    values = spec.values()
    fields: dict[str, str | None] = {k: values[k] for k in TEXT_KEYS}
    fields["domain"] = spec.domain_ticks[0] if len(spec.domain_ticks) == 1 else None
    fields["project_type"] = spec.project_type_ticks[0] if len(spec.project_type_ticks) == 1 else None
    limits = {f.key: f.limit for f in load_template("kczg-2020").fields if f.limit}
    return {
        "id": case.id,
        "record_id": case.record_id,
        "exercises": case.exercises,
        "fields": fields,
        "chars": {k: count_words(values[k]) for k in limits},
        "limits": limits,
        "ticks": {"domain": spec.domain_ticks, "project_type": spec.project_type_ticks},
        "tick_style": spec.tick_style,
        "applicant": spec.applicant,
        "recommender": spec.recommender,
        "seals": {k: {"present": getattr(spec, k).seal is not None,
                      "unit": getattr(spec, k).seal.unit if getattr(spec, k).seal else None}
                  for k in ("applicant_opinion", "recommender_opinion")},
        "seal_text": {k: getattr(spec, k).seal.unit if getattr(spec, k).seal else None
                      for k in ("applicant_opinion", "recommender_opinion")},
        "dates": {k: getattr(spec, k).date.isoformat() if getattr(spec, k).date else None
                  for k in ("applicant_opinion", "recommender_opinion")},
        "attachments": {k: {"chars": count_words(v)} for k, v in spec.attachments.items()},
        "findings": case.findings,
        "warnings": case.warnings,
        "spec": spec.to_dict(),
    }


def write_scans(out: Path, cases: dict[str, Case], files: list[OutFile]) -> tuple[list[dict[str, Any]],
                                                                                  list[dict[str, Any]]]:
    documents: list[dict[str, Any]] = []
    inputs: list[dict[str, Any]] = []
    for of in files:
        if of.kind == "docx":
            case = cases[of.parts[0].case or ""]
            write_docx(case.spec, out / of.name)
            doc = _doc_truth(case, case.spec)
            doc["source"] = {"file": of.name, "pages": [1]}
            doc["scan"] = {"mode": "docx", "dpi": None, "font": None}
            documents.append(doc)
            inputs.append({"file": of.name, "status": "read", "documents": [case.id], "exercises": of.exercises})
            continue
        pages: list[np.ndarray] = []
        page_dpi = of.parts[0].scan.dpi
        doc_ids = []
        for part in of.parts:
            if part.case is None:
                pages.append(scan_page(render_blank_page(RENDER_DPI), part.scan, len(pages)))
                continue
            case = cases[part.case]
            clean, layout = render_form_layout(case.spec, RENDER_DPI)
            settings = [dataclasses.replace(part.scan, rotate=part.rotate_pages.get(i + 1, 0),
                                            seed=case.spec.seed + i) for i in range(len(clean))]
            first = len(pages) + 1
            pages += [scan_page(p, st) for p, st in zip(clean, settings, strict=True)]
            doc = _doc_truth(case, case.spec)
            doc["source"] = {"file": of.name, "pages": list(range(first, len(pages) + 1))}
            att_pages: dict[str, list[int]] = {}
            for key, page in _attachment_pages(case.spec):
                st = dataclasses.replace(part.scan, seed=case.spec.seed + 100 + len(pages))
                pages.append(scan_page(page, st))
                att_pages.setdefault(key, []).append(len(pages))
            for key, pg in att_pages.items():
                doc["attachments"][key]["pages"] = pg
            doc["layout"] = _scan_truth(layout, settings, clean[0].shape)
            doc["scan"] = {"mode": part.scan.mode, "dpi": part.scan.dpi, "skew_deg": part.scan.skew_deg,
                           "rotation": [st.rotate for st in settings], "font": case.spec.printer.font,
                           "paper_tint": part.scan.paper_tint,
                           "uneven_illumination": part.scan.uneven_illumination,
                           "threshold": part.scan.threshold if part.scan.mode == "bilevel" else None}
            documents.append(doc)
            doc_ids.append(case.id)
        entry: dict[str, Any] = {"file": of.name, "status": "read", "pages": len(pages), "documents": doc_ids,
                                 "exercises": of.exercises}
        if of.kind == "pdf":
            save_pdf(out / of.name, pages, page_dpi)
        elif of.kind == "tiff":
            save_tiff(out / of.name, pages, page_dpi)
        else:
            names = []
            for i, page in enumerate(pages):
                stem = Path(of.name).name
                name = f"{of.name}/{stem}_p{i + 1}.{'png' if i == len(pages) - 1 else 'jpg'}"
                save_image(out / name, page, page_dpi)
                names.append(name)
                inputs.append({"file": name, "status": "read", "pages": 1, "documents": doc_ids,
                               "exercises": of.exercises})
            documents[-1]["source"]["files"] = names
            continue
        inputs.append(entry)
    return documents, inputs


def write_broken_inputs(out: Path, inputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A byte-identical copy (skipped: duplicate content) and a truncated PDF (failed: UNREADABLE)."""
    findings = []
    shutil.copyfile(out / "scans/form07.pdf", out / "scans/form07_copy.pdf")
    inputs.append({"file": "scans/form07_copy.pdf", "status": "skipped", "reason": "duplicate content",
                   "duplicate_of": "scans/form07.pdf", "documents": [],
                   "exercises": "same bytes as form07.pdf: skipped, not a second document"})
    data = (out / "scans/form07.pdf").read_bytes()
    (out / "scans/form99_truncated.pdf").write_bytes(data[: len(data) // 3])
    inputs.append({"file": "scans/form99_truncated.pdf", "status": "failed", "reason": "truncated PDF",
                   "documents": [], "exercises": "the first third of a PDF: fails, reported as UNREADABLE"})
    findings.append({"code": "UNREADABLE", "file": "scans/form99_truncated.pdf"})
    return findings


ONLINE_HEADERS = ["编号", "技术名称", "所属领域", "重点服务行业", "技术项目类型", "技术就绪水平量值", "联系人",
                  "联系电话", "通信地址", "电子邮箱", "技术团队简介", "技术知识产权情况", "技术获奖情况",
                  "技术水平介绍", "技术效益介绍", "申报单位", "推荐单位", "提交时间"]
ONLINE_KEYS = ["record_id", *TEXT_KEYS, "applicant", "recommender", "submitted_at"]


def online_records(cases: list[Case], extra: list[FormSpec], seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    by_id: dict[str, dict[str, Any]] = {}
    for case in cases:
        if case.record_id is None or case.record_id in by_id:
            continue
        rec: dict[str, Any] = {"record_id": case.record_id, **case.spec.values(),
                               "applicant": case.spec.applicant, "recommender": case.spec.recommender}
        rec["domain"] = case.spec.domain
        rec["project_type"] = case.spec.project_type
        rec.update(case.online)
        by_id[case.record_id] = rec
    for spec in extra:
        rid = _rid(13)
        by_id[rid] = {"record_id": rid, **spec.values(), "applicant": spec.applicant,
                      "recommender": spec.recommender}
    records = [by_id[k] for k in sorted(by_id)]
    for rec in records:
        day = dt.datetime(2020, 11, 2, 9, 0) + dt.timedelta(minutes=rng.randint(0, 60 * 24 * 14))
        rec["submitted_at"] = day.strftime("%Y-%m-%d %H:%M:%S")
        if str(rec["trl"]).isdigit():
            rec["trl"] = int(rec["trl"])
    return records


def write_online(out: Path, records: list[dict[str, Any]]) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "推荐信息"
    ws.append(ONLINE_HEADERS)
    for rec in records:
        ws.append([rec[k] for k in ONLINE_KEYS])
    wb.save(out / "online.xlsx")
    with (out / "online_gb18030.csv").open("w", encoding="gb18030", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(ONLINE_HEADERS)
        for rec in records:
            w.writerow([rec[k] for k in ONLINE_KEYS])


def batch_findings(records: list[dict[str, Any]], cases: list[Case]) -> tuple[list[dict[str, Any]], list[str]]:
    paper = {c.record_id for c in cases if c.record_id}
    unmatched = [r["record_id"] for r in records if r["record_id"] not in paper]
    findings: list[dict[str, Any]] = [{"code": "NO_PAPER", "record_id": rid} for rid in unmatched]
    groups: dict[tuple[str, str], list[str]] = {}
    for r in records:
        groups.setdefault((r["recommender"], r["domain"]), []).append(r["record_id"])
    quota = load_template("kczg-2020").quota_per_unit_per_domain
    for (unit, domain), ids in sorted(groups.items()):
        if len(ids) > quota:
            findings.append({"code": "QUOTA_EXCEEDED", "record_ids": ids, "unit": unit, "domain": domain})
    return findings, unmatched


def generate(out: Path, seed: int = 2020) -> dict[str, Any]:
    cases, extra = plan(seed)
    by_id = {c.id: c for c in cases}
    scans = out / "scans"
    if scans.exists():
        shutil.rmtree(scans)
    scans.mkdir(parents=True)
    documents, inputs = write_scans(out, by_id, files_plan())
    unreadable = write_broken_inputs(out, inputs)
    records = online_records(cases, extra, seed)
    write_online(out, records)
    findings, unmatched = batch_findings(records, cases)
    truth = {
        "form": "kczg-2020",
        "generated_by": f"python -m samples.generate --out {out} --seed {seed}",
        "seed": seed,
        "coordinates": "bbox = [x0, y0, x1, y1] in pixels of the page image as stored in the file "
                       "(after resampling, skew and rotation); page is 1-based within source.file",
        "online": {"xlsx": "online.xlsx", "csv": "online_gb18030.csv", "records": len(records)},
        "inputs": inputs,
        "documents": documents,
        "unmatched_records": unmatched,
        "findings": findings + unreadable,
    }
    (out / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return truth


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m samples.generate", description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    ap.add_argument("--seed", type=int, default=2020)
    args = ap.parse_args(argv)
    truth = generate(args.out, args.seed)
    size = sum(p.stat().st_size for p in args.out.rglob("*") if p.is_file() and "scans" in p.parts)
    print(f"{len(truth['documents'])} forms, {len(truth['inputs'])} inputs, scans {size / 1e6:.1f} MB -> {args.out}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
