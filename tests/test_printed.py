"""Read only what is unknown (extract.printed): the form's printed words are confirmed by a glance and
taken from the template; every value, and anything not where the template prints it, is recognised."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from extract.grid import Cell, Grid
from extract.labels import squash
from extract.ocr import FakeOcrEngine
from extract.printed import LABEL_REST_EM, em_length, read_unknown
from forms.template import load_template

T = load_template("kczg-2020")
SAMPLES = Path(__file__).resolve().parent.parent / "samples"
LINE_H = 50  # px, a detected line's height
BODY_EM = 1.0  # a value's line: length over height per character (measured ~1.0 on form07)


class FakeLines(FakeOcrEngine):
    """The fake engine as a line reader: its regions are the detected lines, and it records which it recognised."""

    def __init__(self, regions: dict[tuple[int, int, int, int], str]) -> None:
        super().__init__(regions)
        self.recognised: list[str] = []

    def detect_lines(self, img: np.ndarray, wanted: object = None) -> list[tuple[np.ndarray, tuple[int, int, int, int]]]:
        return [(np.array([[b[0], b[1]], [b[2], b[1]], [b[2], b[3]], [b[0], b[3]]], np.float32), b) for b in self.regions]

    def read_lines(self, img: np.ndarray, quads: Sequence[np.ndarray]) -> list[tuple[str, float]]:
        out = []
        for q in quads:
            box = (int(q[0][0]), int(q[0][1]), int(q[2][0]), int(q[2][1]))
            self.recognised.append(self.regions[box])
            out.append((self.regions[box], 0.95))
        return out


def _grid() -> Grid:
    """Two rows: a text field (label | value) and an opinion box (label | value)."""
    cells = [Cell(0, 0, 1, 1, (100, 100, 500, 700)), Cell(0, 1, 1, 1, (500, 100, 2300, 700)),
             Cell(1, 0, 1, 1, (100, 700, 500, 1400)), Cell(1, 1, 1, 1, (500, 700, 2300, 1400))]
    return Grid(xs=[100, 500, 2300], ys=[100, 700, 1400], cells=cells, width=2400, height=1600)


def _line(x: int, y: int, text: str, em: float) -> tuple[tuple[int, int, int, int], str]:
    """A detected line of ``text`` at (x, y), as long as its characters in a font of ``em``."""
    return (x, y, x + int(em_length(text) * em * LINE_H), y + LINE_H), text


def _read(lines: list[tuple[tuple[int, int, int, int], str]]) -> tuple[FakeLines, dict[int | None, str]]:
    eng = FakeLines(dict(lines))
    grid = _grid()
    dets = eng.detect_lines(np.zeros((1, 1), np.uint8))
    cell_of = [next((i for i, c in enumerate(grid.cells) if c.bbox[0] <= (b[0] + b[2]) / 2 < c.bbox[2]
                     and c.bbox[1] <= (b[1] + b[3]) / 2 < c.bbox[3]), None) for _, b in dets]
    page = read_unknown(eng, np.zeros((1, 1), np.uint8), grid, T, dets, cell_of)
    where = {d: c for (_, d), c in zip(dets, cell_of, strict=True)}
    per: dict[int | None, list[str]] = {}
    for b in sorted(page.boxes, key=lambda b: b.bbox[1]):
        per.setdefault(where[b.bbox], []).append(b.text)
    return eng, {c: "".join(t) for c, t in per.items()}


def _hint_lines(x: int, y: int, hint: str, per_line: int) -> list[tuple[tuple[int, int, int, int], str]]:
    return [_line(x, y + k * LINE_H, hint[i : i + per_line], LABEL_REST_EM) for k, i in enumerate(range(0, len(hint), per_line))]


TEAM_HINT = T.field("team_intro").hint or ""
PROMISE = T.field("applicant_opinion").printed_text or ""
VALUE = ["团队负责人长期从事边缘计算与毫米波射频前端研究，主持国家重点研", "发计划项目5项、国家自然科学基金项目5项。"]


def _value_lines(y: int) -> list[tuple[tuple[int, int, int, int], str]]:
    return [_line(520, y + k * 60, v, BODY_EM) for k, v in enumerate(VALUE)]


def test_the_hint_under_a_label_is_not_recognised_and_reads_as_the_template_prints_it():
    lines = [_line(120, 200, "技术团队简介", 1.0), *_hint_lines(120, 260, TEAM_HINT, 9), *_value_lines(150),
             _line(120, 900, "申报单位意见", 1.0), *[_line(520, 720 + k * 60, PROMISE[i : i + 20], BODY_EM) for k, i in enumerate(range(0, 60, 20))]]
    eng, texts = _read(lines)
    assert not any(t in eng.recognised for t in (TEAM_HINT[:9], TEAM_HINT[9:18], PROMISE[20:40]))
    assert squash(texts[0]) == squash("技术团队简介" + TEAM_HINT)
    assert texts[1] == "".join(VALUE)  # every line of the value recognised
    assert PROMISE[:20] in eng.recognised and PROMISE[40:] in eng.recognised  # its first and last lines are read: the glance
    assert squash(texts[3]) == squash(PROMISE)


def test_a_label_cell_holding_more_than_the_form_prints_is_read_whole():
    extra = _line(120, 600, "另附说明材料共三页请查收", BODY_EM)
    eng, texts = _read([_line(120, 200, "技术团队简介", 1.0), *_hint_lines(120, 260, TEAM_HINT, 9), extra, *_value_lines(150)])
    assert extra[1] in eng.recognised and TEAM_HINT[:9] in eng.recognised
    assert extra[1] in texts[0]


def test_a_value_quoting_the_printed_words_away_from_where_they_are_printed_is_read():
    quote = _line(520, 1000, PROMISE[30:], BODY_EM)  # the promise's second half, low in the box: a value
    eng, texts = _read([_line(120, 900, "申报单位意见", 1.0), _line(520, 720, "同意推荐。", BODY_EM), quote])
    assert quote[1] in eng.recognised
    assert texts[3] == "同意推荐。" + PROMISE[30:]


def test_a_value_typed_on_the_printed_sentence_s_last_line_is_read():
    tail = PROMISE[40:] + "同意推荐该技术参评。"
    eng, texts = _read([_line(120, 900, "申报单位意见", 1.0), _line(520, 720, PROMISE[:20], BODY_EM), _line(520, 780, PROMISE[20:40], BODY_EM),
                        _line(520, 840, tail, BODY_EM)])
    assert tail in eng.recognised and PROMISE[20:40] in eng.recognised
    assert texts[3].endswith("同意推荐该技术参评。")


def test_printed_lines_that_run_on_past_where_the_widths_said_are_read():
    # The widths say two lines make the rest, but the second is the promise's middle, not its end.
    lines = [_line(120, 900, "申报单位意见", 1.0), _line(520, 720, PROMISE[:20], BODY_EM),
             _line(520, 780, PROMISE[20:38], BODY_EM), _line(520, 840, PROMISE[38:], BODY_EM)]
    lines[2] = ((lines[2][0][0], 780, lines[2][0][0] + int(em_length(PROMISE[20:]) * LINE_H) - 40, 780 + LINE_H), PROMISE[20:38])
    eng, _ = _read(lines)
    assert sorted(eng.recognised) == sorted(t for _, t in lines)


def test_a_hint_atop_its_value_cell_is_skipped_and_the_value_under_it_read():
    hint = _hint_lines(520, 120, TEAM_HINT, 9)
    lines = [_line(120, 200, "技术团队简介", 1.0), *[_line(520, 120 + k * 60, t, BODY_EM) for k, (_, t) in enumerate(hint)],
             _line(520, 300, VALUE[0], BODY_EM), _line(520, 360, VALUE[1], BODY_EM)]
    eng, texts = _read(lines)
    assert hint[0][1] in eng.recognised and hint[1][1] not in eng.recognised and hint[2][1] in eng.recognised
    assert VALUE[0] in eng.recognised and VALUE[1] in eng.recognised
    assert squash(texts[1]) == squash(TEAM_HINT + "".join(VALUE))


def test_a_page_with_no_label_is_read_whole():
    lines = [_line(120, 200, "甲方单位名称", 1.0), *_hint_lines(120, 260, TEAM_HINT, 9), *_value_lines(150)]
    eng, _ = _read(lines)
    assert sorted(eng.recognised) == sorted(t for _, t in lines)


def test_a_group_label_written_down_its_column_is_read_by_its_first_character():
    column = [((130, 150 + k * 60, 180, 205 + k * 60), ch) for k, ch in enumerate("技术基本情况")]
    eng = FakeLines(dict(column))
    grid = Grid(xs=[100, 200], ys=[100, 600], cells=[Cell(0, 0, 1, 1, (100, 100, 200, 600))], width=400, height=700)
    dets = eng.detect_lines(np.zeros((1, 1), np.uint8))
    page = read_unknown(eng, np.zeros((1, 1), np.uint8), grid, T, dets, [0] * len(dets))
    assert eng.recognised == ["技"]
    assert "".join(b.text for b in sorted(page.boxes, key=lambda b: b.bbox[1])) == "技术基本情况"


@pytest.mark.slow
@pytest.mark.parametrize("number", [1, 3])
def test_a_sample_page_reads_the_same_with_fewer_lines_recognised(number, monkeypatch):
    import extract.ocr_models as om
    from extract.ocr import get_engine
    from extract.page import ExtractOptions, read_page
    from ingest import iter_pages

    page = next(p for p in iter_pages(SAMPLES / "scans" / "form07.pdf", dpi=300) if p.number == number)
    eng = get_engine("rapidocr")
    sent: list[int] = []
    recognize = om.Models.recognize

    def counted(self: om.Models, lines: Sequence[np.ndarray]) -> list[tuple[str, float]]:
        sent.append(len(lines))
        return recognize(self, lines)

    monkeypatch.setattr(om.Models, "recognize", counted)
    slow = read_page(page, T, ExtractOptions(ocr_engine="rapidocr", skip_printed=False), engine=eng)
    full = sum(sent)
    sent.clear()
    fast = read_page(page, T, ExtractOptions(ocr_engine="rapidocr"), engine=eng)
    if number == 1:
        assert sum(sent) < full  # its labels' hints, the group columns, the title
    else:  # the promise is two lines in each box: both are read whole (its first and last), none skipped
        assert sum(sent) == full
    assert fast.kind == slow.kind
    assert {k: f.value for k, f in fast.fields.items()} == {k: f.value for k, f in slow.fields.items()}
    assert {k: (d.value if d else None) for k, d in fast.dates.items()} == {k: (d.value if d else None) for k, d in slow.dates.items()}
    assert [c["key"] for c in fast.cells] == [c["key"] for c in slow.cells]
