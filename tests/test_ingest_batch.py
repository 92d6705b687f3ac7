"""ingest end to end: the committed sample batch plus a folder of broken files, every input accounted for.

This walks the inputs the way the runner does (discover → duplicates → sniff →
pages or DOCX table → layout kinds → split) and checks each input against
samples/truth.json: read with its page count, skipped as a duplicate, or failed
with a one-line reason.
"""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path

import pytest

from forms.errors import BadInputError
from ingest import classify_layout, discover, find_duplicates, iter_pages, read_docx, sniff, split_stack

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
TRUTH = SAMPLES / "truth.json"


def _broken_folder(folder: Path) -> dict[str, str]:
    """Bad inputs a clerk's folder really gets, and the start of the reason each must give."""
    folder.mkdir()
    png_sig = b"\x89PNG\r\n\x1a\n"

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", 60_000, 60_000, 8, 0, 0, 0, 0)
    bomb = png_sig + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")
    files = {
        "zero.pdf": (b"", "empty file"),
        "notes.jpg": ("扫描件见附件。".encode(), "not a scan: a text file named .jpg"),
        "bomb.png": (bomb, "image is over the"),
        "garbage.png": (png_sig + b"\x00" * 50, "image cannot be decoded"),
        "cut.pdf": (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog", "PDF is truncated"),
        "mystery.bin": (bytes(range(7, 200)), "unknown file type"),
    }
    for name, (data, _) in files.items():
        (folder / name).write_bytes(data)
    return {name: reason for name, (_, reason) in files.items()}


def _account(paths: list[Path], dpi: int) -> dict[Path, dict[str, object]]:
    """What the runner would record for each input."""
    duplicates = find_duplicates(paths)
    outcome: dict[Path, dict[str, object]] = {}
    for path in paths:
        if path in duplicates:
            outcome[path] = {"status": "skipped", "duplicate_of": duplicates[path]}
            continue
        try:
            if sniff(path) == "docx":
                table = read_docx(path)
                outcome[path] = {"status": "read", "pages": None, "rows": len(table.rows)}
                continue
            kinds = [classify_layout(page) for page in iter_pages(path, dpi=dpi)]
        except BadInputError as exc:
            outcome[path] = {"status": "failed", "reason": exc.message}
            continue
        outcome[path] = {"status": "read", "pages": len(kinds), "split": split_stack(kinds)}
    return outcome


@pytest.mark.slow  # reads ~50 scanned pages (about a minute on one core)
def test_sample_batch_and_broken_files_all_accounted_for(tmp_path: Path) -> None:
    if not TRUTH.exists():
        pytest.fail("samples/truth.json is missing: run `python -m samples.generate`")
    truth = json.loads(TRUTH.read_text(encoding="utf-8"))
    broken = _broken_folder(tmp_path / "broken")
    inputs = discover([SAMPLES / "scans", tmp_path / "broken"])
    outcome = _account(inputs, dpi=100)

    assert set(outcome) == set(inputs)  # every input has an outcome
    for item in truth["inputs"]:
        path = SAMPLES / item["file"]
        got = outcome[path]
        assert got["status"] == item["status"], item["file"]
        if item["status"] == "read" and "pages" in item:
            assert got["pages"] == item["pages"], item["file"]
        if item["status"] == "skipped":
            assert got["duplicate_of"] == SAMPLES / item["duplicate_of"]
        if item["status"] == "failed":
            assert str(got["reason"]) and "\n" not in str(got["reason"])
    for name, reason in broken.items():
        got = outcome[tmp_path / "broken" / name]
        assert got["status"] == "failed" and str(got["reason"]).startswith(reason), (name, got)


@pytest.mark.slow
def test_sample_stack_splits_into_its_documents() -> None:
    """stack_box1.pdf: form + attachment, blank separator, two more forms → three documents."""
    truth = json.loads(TRUTH.read_text(encoding="utf-8"))
    stack = SAMPLES / "scans" / "stack_box1.pdf"
    expected = [d["source"]["pages"] for d in truth["documents"] if d["source"]["file"] == "scans/stack_box1.pdf"]
    kinds = [classify_layout(page) for page in iter_pages(stack, dpi=150)]
    split = split_stack(kinds)
    form_pages = [[i + 1 for i in g.pages] for g in split.groups]
    assert form_pages == expected
    assert all(g.flag is None for g in split.groups)
    accounted = sorted(i for g in split.groups for i in g.pages + g.attachments) + split.blanks
    assert sorted(accounted) == list(range(len(kinds)))


@pytest.mark.slow
def test_sample_pages_fed_sideways_or_upside_down_come_back_upright() -> None:
    truth = json.loads(TRUTH.read_text(encoding="utf-8"))
    checked = 0
    for doc in truth["documents"]:
        turns = doc.get("scan", {}).get("rotation") or []
        if not any(turns):
            continue
        path = SAMPLES / doc["source"]["file"]
        by_number = {p.number: p.rotation for p in iter_pages(path, dpi=150)}
        for number, turn in zip(doc["source"]["pages"], turns, strict=True):
            assert by_number[number] == (360 - turn) % 360, (doc["source"]["file"], number)
            checked += 1
    assert checked >= 6  # form07 (180°) and form09 (90°), every page of each
