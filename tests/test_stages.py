"""The glue between the runner and the stages: stack spans and the counted sections."""

from __future__ import annotations

from extract.reading import FieldReading
from paperdesk.results import field_dict
from paperdesk.stages import BLANK_FLAG, NOT_THIS_FORM_FLAG, _group_pages


def test_blank_pages_are_spans_of_their_own_never_silently_lost() -> None:
    spans = _group_pages(["first", "continuation", "blank", "first", "attachment"])
    assert [(s.positions, s.flag) for s in spans] == [([0, 1], None), ([3, 4], None), ([2], BLANK_FLAG)]
    covered = sorted(i for s in spans for i in s.positions)
    assert covered == [0, 1, 2, 3, 4]


def test_pages_before_any_form_are_flagged() -> None:
    spans = _group_pages(["attachment", "first"])
    assert spans[0].flag == NOT_THIS_FORM_FLAG and spans[0].positions == [0]


def test_a_field_reports_what_the_checks_counted_and_counts_nothing_itself() -> None:
    reading = FieldReading(key="tech_level", value="技术 水平" * 10, raw="", confidence=0.9, page=2, bbox=[0, 0, 1, 1])
    by_checks = field_dict(reading, {"chars": 500, "counted": "online", "limit": 500, "counts": {}})
    assert (by_checks["chars"], by_checks["counted"], by_checks["limit"]) == (500, "online", 500)
    assert "chars" not in field_dict(reading) and "limit" not in field_dict(reading)  # no count of its own
