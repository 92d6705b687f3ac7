"""letters/: one 补正通知 (notice to correct) per recommending unit with problems.

python-docx, A4, the layout of a Chinese official letter (GB/T 9704-2012
margins, 仿宋 三号 body on a fixed 28 pt line, 宋体 title, sender and date
bottom right). East Asian fonts are set through ``w:eastAsia`` so Word and
LibreOffice use them for the Chinese text.

A letter lists each of the unit's nominations (its name, the template's
``title`` field, and 编号) with its problems in plain words and what to send
back, then the deadline. The letter's title and what it calls the materials
are the template's (``[letters]``: ``FormTemplate.letters``), not this module's. Only
``error`` findings (after review: confirmed ones too, dismissed ones never)
go into a letter: a warning waits for the clerk's check before a unit is
asked for anything. UNREADABLE is the secretariat's own
problem (a scan), never the unit's.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.text.paragraph import Paragraph

from forms.findings import finding_codes
from forms.template import DEFAULT_QUOTA_NOUN, FormTemplate, LetterSpec
from reports.model import (
    Nomination,
    ReportOptions,
    as_dict,
    effective_severity,
    field_label,
    format_date,
    nominations,
    show,
)
from reports.results_json import atomic_write_bytes

LETTERS_DIR = "letters"
LETTER_SEVERITIES = ("error",)
"""Only certain problems are sent to a unit; warnings wait for the clerk's check."""
NOT_FOR_UNITS = tuple(c.code for c in finding_codes().values() if c.for_clerk)
"""Codes that are the secretariat's problem, not the unit's (a scan that could not be read)."""
UNIT_CODES = tuple(c.code for c in finding_codes().values() if c.unit_wide)
"""Codes about the unit as a whole: told once per letter, not under each nomination."""

BODY_FONT = "仿宋"
TITLE_FONT = "宋体"
HEADING_FONT = "黑体"
BODY_SIZE = Pt(16)  # 三号
TITLE_SIZE = Pt(22)  # 二号
LINE_PITCH = Pt(28)  # fixed line spacing of official letters (22 lines a page)
A4 = (Cm(21.0), Cm(29.7))
MARGINS = {"top": Cm(3.7), "bottom": Cm(3.5), "left": Cm(2.8), "right": Cm(2.6)}  # GB/T 9704-2012
FIRST_LINE_INDENT = Pt(32)  # two characters of 三号
MAX_VALUE_CHARS = 40
"""A paper or online value quoted in a letter is cut here (a whole section would drown the problem)."""
FILENAME_MAX = 50
FILENAME_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\s]+')
CN_NUMBERS = "一二三四五六七八九十"

PLAIN: dict[str, str] = {c.code: c.plain for c in finding_codes().values() if c.plain}
"""Each problem in words a unit understands (filled from the finding; a missing value reads "—"),
from the finding registry (forms/data/findings.toml)."""

REMEDY: dict[str, str] = {c.code: c.remedy for c in finding_codes().values() if c.remedy}
"""What to send back for each problem (the registry's ``remedy``)."""


@dataclass
class LetterItem:
    """One nomination in a letter and its problems in plain words."""

    title: str  # the nomination's name (the template's title field)
    record_id: str
    applicant: str
    problems: list[str]
    remedies: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "record_id": self.record_id,
            "applicant": self.applicant,
            "problems": list(self.problems),
            "remedies": list(self.remedies),
        }


@dataclass
class Letter:
    """One notice: a unit, its nominations with problems, and the unit-wide problems."""

    unit: str
    items: list[LetterItem] = field(default_factory=list)
    unit_problems: list[str] = field(default_factory=list)
    unit_remedies: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "items": [i.to_dict() for i in self.items],
            "unit_problems": list(self.unit_problems),
            "unit_remedies": list(self.unit_remedies),
        }


def plan_letters(results: dict[str, Any], template: FormTemplate | None) -> tuple[list[Letter], list[str]]:
    """The letters to write (one per 推荐单位 with problems), and one line per problem with no known unit."""
    letters: dict[str, Letter] = {}
    unaddressed: list[str] = []
    unit_done: set[tuple[str, str]] = set()
    for n in nominations(results, template):
        own = [f for f in _letter_findings(n) if f.get("code") not in UNIT_CODES]
        unit_wide = [f for f in _letter_findings(n) if f.get("code") in UNIT_CODES]
        if not own and not unit_wide:
            continue
        unit = n.recommender or next((str(f["unit"]) for f in unit_wide if f.get("unit")), None)
        if not unit:
            codes = "、".join(dict.fromkeys(str(f.get("code")) for f in own))
            unaddressed.append(f"{n.ident}（{show(n.title)}）：推荐单位不详，未生成补正通知（{codes}）")
            continue
        letter = letters.setdefault(unit, Letter(unit=unit))
        if own:
            problems = list(dict.fromkeys(_plain(f, template) for f in own))
            remedies = list(dict.fromkeys(REMEDY.get(str(f.get("code")), "") for f in own if f.get("code") in REMEDY))
            letter.items.append(
                LetterItem(
                    show(n.title), n.record_id or "无（未在推荐系统中找到）", show(n.applicant), problems, remedies
                )
            )
        for f in unit_wide:
            ident = (
                str(f.get("code")),
                ",".join(sorted(str(r) for r in f.get("record_ids") or [])) + str(f.get("domain")),
            )
            if ident in unit_done:
                continue
            unit_done.add(ident)
            letter.unit_problems.append(_plain(f, template))
            remedy = REMEDY.get(str(f.get("code")))
            if remedy and remedy not in letter.unit_remedies:
                letter.unit_remedies.append(remedy)
    return sorted(letters.values(), key=lambda lt: lt.unit), unaddressed


def write_letters(results: dict[str, Any], out_dir: Path, options: ReportOptions) -> tuple[list[Path], list[str]]:
    """Write ``out_dir/letters/*.docx``; returns the paths and the problems no letter could carry."""
    folder = Path(out_dir) / LETTERS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    letters, unaddressed = plan_letters(results, options.template)
    used: set[str] = set()
    paths: list[Path] = []
    for letter in letters:
        name = letter_filename(letter.unit, used)
        used.add(name)
        buf = io.BytesIO()
        build_letter(letter, options).save(buf)
        target = folder / name
        atomic_write_bytes(target, buf.getvalue())
        paths.append(target)
    return paths, unaddressed


def letter_filename(unit: str, used: set[str]) -> str:
    """``补正通知_<unit>.docx`` with the unit name made safe for every file system, unique in ``used``."""
    safe = FILENAME_UNSAFE.sub("_", unit).strip("._")[:FILENAME_MAX] or "推荐单位"
    name, i = f"补正通知_{safe}.docx", 2
    while name in used:
        name, i = f"补正通知_{safe}_{i}.docx", i + 1
    return name


def build_letter(letter: Letter, options: ReportOptions) -> Any:
    """The notice as a python-docx Document (A4, Chinese official-letter layout)."""
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = A4
    section.top_margin, section.bottom_margin = MARGINS["top"], MARGINS["bottom"]
    section.left_margin, section.right_margin = MARGINS["left"], MARGINS["right"]
    normal = doc.styles["Normal"]
    normal.font.name = BODY_FONT  # type: ignore[attr-defined]
    normal.font.size = BODY_SIZE  # type: ignore[attr-defined]
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), BODY_FONT)  # type: ignore[attr-defined]

    wording = letter_wording(options.template)
    first, *more = wording.title
    title = _para(doc, first, font=TITLE_FONT, size=TITLE_SIZE, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    for line in more:
        title.runs[-1].add_break()
        _run(title, line, TITLE_FONT, TITLE_SIZE, bold=True)
    title.paragraph_format.space_after = Pt(28)
    _para(doc, f"{letter.unit}：", indent=False)
    count = len(letter.items)
    intro = f"贵单位报送的{wording.materials}已收悉。经将纸质推荐表与推荐系统线上填报信息逐项核对，"
    intro += f"以下{count}项推荐材料存在问题，需予补正。" if count else "发现以下问题，需予处理。"
    intro += "现将有关情况通知如下："
    _para(doc, intro)

    part = 0
    if letter.items:
        _para(doc, f"{CN_NUMBERS[part]}、需补正的推荐项目", font=HEADING_FONT)
        part += 1
        for i, item in enumerate(letter.items):
            label = f"（{CN_NUMBERS[i]}）" if i < len(CN_NUMBERS) else f"（{i + 1}）"
            _para(doc, f"{label}{item.title}（编号：{item.record_id}；申报单位：{item.applicant}）", bold=True)
            for j, problem in enumerate(item.problems, start=1):
                _para(doc, f"{j}. {problem}")
            if item.remedies:
                _para(doc, "补正要求：" + "；".join(item.remedies) + "。")
    if letter.unit_problems:
        _para(doc, f"{CN_NUMBERS[part]}、推荐名额", font=HEADING_FONT)
        part += 1
        for problem in letter.unit_problems:
            _para(doc, problem)
        if letter.unit_remedies:
            _para(doc, "补正要求：" + "；".join(letter.unit_remedies) + "。")
    _para(doc, f"{CN_NUMBERS[part]}、补正方式与时间", font=HEADING_FONT)
    deadline = format_date(options.reply_deadline)
    _para(
        doc,
        f"请于{deadline}前，将上述补正材料寄送至{options.sender}（信封请注明“推荐材料补正”及项目编号）；"
        "涉及线上信息的，请同时在推荐系统中更正。逾期未补正的，将影响相关项目的形式审查。",
    )
    _para(doc, "特此通知。")
    _para(doc, "")
    _para(doc, options.sender, indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
    _para(doc, format_date(options.batch_date), indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
    return doc


def letter_wording(template: FormTemplate | None) -> LetterSpec:
    """The letter's title lines and its name for the materials: the template's (a neutral wording
    when the results' template cannot be loaded)."""
    return template.letters if template is not None else LetterSpec()


def _letter_findings(n: Nomination) -> list[dict[str, Any]]:
    return [f for f in n.findings if effective_severity(f) in LETTER_SEVERITIES and f.get("code") not in NOT_FOR_UNITS]


def _plain(f: dict[str, Any], template: FormTemplate | None) -> str:
    code = str(f.get("code"))
    pattern = PLAIN.get(code)
    if pattern is None:
        return show(f.get("message"))
    evidence = as_dict(f.get("evidence"))
    values = {
        "label": field_label(f.get("field"), template),
        "paper": _short(f.get("paper")),
        "online": _short(f.get("online")),
        "count": show(evidence.get("count")),
        "limit": show(evidence.get("limit")),
        "quota": show(evidence.get("quota")),
        "min": show(evidence.get("min")),
        "max": show(evidence.get("max")),
        "domain": show(f.get("domain")),
        "quota_noun": template.quota_noun if template is not None else DEFAULT_QUOTA_NOUN,
        "date": _cn_date(evidence.get("date")),
        "deadline": _cn_date(evidence.get("deadline")),
    }
    return pattern.format(**values)


def _short(value: Any) -> str:
    text = show(value)
    return text if len(text) <= MAX_VALUE_CHARS else text[:MAX_VALUE_CHARS] + "……"


def _cn_date(value: Any) -> str:
    text = show(value)
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text)
    return f"{int(m[1])}年{int(m[2])}月{int(m[3])}日" if m else text


def _para(
    doc: Any,
    text: str,
    *,
    font: str = BODY_FONT,
    size: Pt = BODY_SIZE,
    bold: bool = False,
    indent: bool = True,
    align: Any = WD_ALIGN_PARAGRAPH.JUSTIFY,
) -> Paragraph:
    p: Paragraph = doc.add_paragraph()
    fmt = p.paragraph_format
    fmt.alignment = align
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = LINE_PITCH if size == BODY_SIZE else Pt(size.pt * 1.5)
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    if indent and align == WD_ALIGN_PARAGRAPH.JUSTIFY:
        fmt.first_line_indent = FIRST_LINE_INDENT
    if text:
        _run(p, text, font, size, bold)
    return p


def _run(p: Paragraph, text: str, font: str, size: Pt, bold: bool = False) -> None:
    """A run in ``font`` for Latin and East Asian text alike (w:eastAsia is what Word uses for 汉字)."""
    run = p.add_run(text)
    run.font.name = font
    run.font.size = size
    run.font.bold = bold
    rpr = run._element.get_or_add_rPr()
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), font)
