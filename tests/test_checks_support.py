"""Builders for the checks tests: a clean form as read and its online record.

The values are one realistic nomination; a test changes what it is about
(``reading(trl="10")``, ``seals={"applicant_opinion": None}``) and nothing
else, so every finding a test sees comes from that change.
"""

from __future__ import annotations

from typing import Any

from checks import CheckOptions, Reconciliation, reconcile
from extract.reading import DateReading, FieldReading, FormReading, SealReading
from forms import load_template
from ingest.records import OnlineRecord

TEMPLATE = load_template("kczg-2020")

TEAM = ("技术团队依托中国地质科学院国家重点实验室，现有成员32人，其中研究员6人、副高级职称3人，博士学位人员占比87.5%。"
        "团队负责人王建国长期从事三维地质建模与岩心图像研究，主持国家重点研发计划项目3项。")
LEVEL = ("本技术采用深度学习方法实现岩心图像智能识别，识别准确率达到96.3%。"
         "与国外同类技术相比，处理效率提高了35%，成本降低了12%。"
         "技术已在8个油气田开展应用验证，技术就绪水平达到6级。")
BENEFIT = ("技术可广泛应用于矿产勘查和油气田开发，预计三年内新增产值2300万元。"
           "技术推广后可缩短勘查周期40%，社会效益显著。")

VALUES: dict[str, Any] = {
    "tech_name": "基于深度学习的岩心图像智能识别技术",
    "domain": "资源环境",
    "industry": "7471 能源矿产地质勘查",
    "project_type": "开发研究",
    "trl": 6,
    "contact": "王建国",
    "phone": "010-68999605",
    "address": "北京市西城区百万庄大街26号",
    "email": "wangjianguo@cags.ac.cn",
    "team_intro": TEAM,
    "ip": "获授权发明专利5项，软件著作权3项。",
    "awards": "获中国地质学会科技奖一等奖1项。",
    "tech_level": LEVEL,
    "tech_benefit": BENEFIT,
}
APPLICANT = "中国地质科学院"
RECOMMENDER = "中国地质学会"


def field_reading(key: str, value: Any, **kw: Any) -> FieldReading:
    spec = TEMPLATE.field(key)
    if spec.kind == "choice":
        chosen = kw.pop("chosen", [value] if value else [])
        return FieldReading(key, chosen[0] if len(chosen) == 1 else None, raw="", confidence=0.97, page=1,
                            bbox=[100, 200, 300, 240], engine="ticks", status=kw.pop("status", "read"),
                            chosen=chosen, **kw)
    status = kw.pop("status", "read" if value not in (None, "") else "empty")
    return FieldReading(key, value, raw=kw.pop("raw", "" if value is None else str(value)),
                        confidence=kw.pop("confidence", 0.93), page=kw.pop("page", 1),
                        bbox=kw.pop("bbox", [400, 300, 1800, 360]), engine="tesseract", status=status, **kw)


def reading(doc_id: str = "d0001", fields: dict[str, FieldReading] | None = None,
            seals: dict[str, SealReading | None] | None = None, dates: dict[str, DateReading | None] | None = None,
            **values: Any) -> FormReading:
    """A clean form as read; keyword values replace field values, ``fields`` whole readings."""
    vals = {**VALUES, **values}
    fr = {k: field_reading(k, v) for k, v in vals.items()}
    fr.update(fields or {})
    sl: dict[str, SealReading | None] = {
        "applicant_opinion": SealReading(True, 0.98, page=3, bbox=[300, 900, 700, 1300], text=APPLICANT,
                                         text_confidence=0.8, method="colour"),
        "recommender_opinion": SealReading(True, 0.97, page=3, bbox=[300, 1900, 700, 2300], text=RECOMMENDER,
                                           text_confidence=0.8, method="colour"),
    }
    sl.update(seals or {})
    dl: dict[str, DateReading | None] = {
        "applicant_opinion": DateReading(True, "2020-11-10", "2020年11月10日", 0.9, page=3),
        "recommender_opinion": DateReading(True, "2020-11-12", "2020年11月12日", 0.9, page=3),
    }
    dl.update(dates or {})
    return FormReading(doc_id, f"scans/{doc_id}.pdf", [1, 2, 3], "ocr", fields=fr,
                       seals={k: v for k, v in sl.items() if v is not None},
                       dates={k: v for k, v in dl.items() if v is not None})


def record(record_id: str = "KC2020-0001", applicant: str = APPLICANT, recommender: str = RECOMMENDER,
           **values: Any) -> OnlineRecord:
    vals = {**VALUES, **values}
    return OnlineRecord(record_id, {k: str(v) for k, v in vals.items()}, applicant=applicant,
                        recommender=recommender, submitted_at="2020-11-09")


def run(readings: list[FormReading], records: list[OnlineRecord], **options: Any) -> Reconciliation:
    return reconcile(readings, records, TEMPLATE, CheckOptions(**options))


def codes(result: Reconciliation, doc_id: str = "d0001") -> list[tuple[str, str | None]]:
    return sorted((f.code, f.field) for f in result.documents[doc_id].findings)


def test_the_clean_form_has_no_findings() -> None:
    result = run([reading()], [record()])
    assert codes(result) == []
    assert result.documents["d0001"].record_id == "KC2020-0001"
    assert result.documents["d0001"].match_score == 1.0
    assert result.findings == [] and result.unmatched_records == []
