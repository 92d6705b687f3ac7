"""The online platform's export → validated ``OnlineRecord``s.

Reads XLSX (openpyxl), CSV (UTF-8, UTF-8 with BOM or GB18030/GBK, detected by
strict decoding in that order and recorded in ``OnlineExport.encoding``), JSON
(a list of objects, or ``{"records": [...]}``) and JSON Lines.

Headers are the form's Chinese labels or the CONTRACT.md keys, in any order,
matched after NFKC and with every space removed (full-width ones too).
Unknown columns are kept in ``record.extra`` and listed. Missing required
columns raise ``ExportError`` naming them. Values are trimmed; full-width
digits become ASCII in numeric fields (the template's integer and phone fields); dates become ISO; nothing
else is changed. Rows without an id and repeated ids are reported one line
each in ``problems`` and left out of ``records``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import unicodedata
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from forms.errors import ExportError
from forms.template import FormTemplate
from ingest.records import OnlineExport, OnlineRecord

# CSV encodings tried, strictly, in this order: a BOM says UTF-8 for sure; valid UTF-8 is almost never
# GB18030 by accident; GB18030 is a superset of GBK and GB2312 (what Excel on a Chinese Windows saves).
CSV_ENCODINGS = ("utf-8-sig", "utf-8", "gb18030")
# Look for the header row among the first rows: exports often carry a title line or two above it.
HEADER_SEARCH_ROWS = 10
# A row is the header when at least this many of its cells name known columns.
HEADER_MIN_KNOWN = 2
# Online keys whose values are dates (CONTRACT.md's own key). Keys whose values are numbers typed by
# people (full-width digits happen with Chinese IMEs) are the template's: ``numeric_keys``.
DATE_KEYS = frozenset({"submitted_at"})

_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_SPACES = re.compile(r"\s+")
_DATE = re.compile(
    r"^(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:[ T]+(?P<H>\d{1,2})[:：时](?P<M>\d{1,2})(?:[:：分](?P<S>\d{1,2})秒?)?)?$"
)


def normalise_header(text: str) -> str:
    """A header as compared: NFKC (full-width to half-width), no spaces anywhere, case-folded."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", str(text))).casefold()


def read_export(path: Path, template: FormTemplate) -> OnlineExport:
    """Read and validate the online export (see the module doc). Raises ``ExportError``."""
    path = Path(path)
    if not path.is_file():
        raise ExportError(f"online export {path} not found")
    try:
        head = path.read_bytes()[:8]
    except OSError as exc:
        raise ExportError(f"online export {path} cannot be read: {exc.strerror or exc}") from exc
    if not head:
        raise ExportError(f"online export {path} is empty")
    suffix = path.suffix.lower()
    encoding: str | None = None
    if head.startswith(b"PK\x03\x04"):
        rows = _xlsx_rows(path)
    elif suffix in (".json", ".jsonl", ".ndjson"):
        rows = _json_rows(path)
    elif suffix in (".csv", ".txt", ".tsv"):
        rows, encoding = _csv_rows(path)
    else:
        raise ExportError(f"online export {path}: unknown type {suffix or '(no extension)'}; use XLSX, CSV, JSON or JSONL")
    export = _records(path, rows, template)
    export.encoding = encoding
    return export


# ---------------------------------------------------------------- readers → (row number, cells)

Row = tuple[int, list[Any]]


def _xlsx_rows(path: Path) -> list[Row]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ExportError(f"online export {path} is not a readable XLSX: {exc}") from exc
    try:
        sheet = book.worksheets[0]
        return [(number, list(values)) for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)]
    finally:
        book.close()


def _csv_rows(path: Path) -> tuple[list[Row], str]:
    data = path.read_bytes()
    for encoding in CSV_ENCODINGS:
        if encoding == "utf-8-sig" and not data.startswith(b"\xef\xbb\xbf"):
            continue
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        break
    else:
        raise ExportError(f"online export {path} is neither UTF-8 nor GB18030 text")
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        rows = [(reader.line_num, row) for row in reader]
    except csv.Error as exc:
        raise ExportError(f"online export {path}: bad CSV at line {reader.line_num}: {exc}") from exc
    return rows, encoding


def _json_rows(path: Path) -> list[Row]:
    """JSON objects become rows under a header row made of all their keys (in first-seen order)."""
    text = _decode_json_text(path)
    objects: list[tuple[int, Any]]
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        objects = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                objects.append((number, json.loads(line)))
            except json.JSONDecodeError as exc:
                raise ExportError(f"online export {path}: line {number} is not JSON: {exc.msg}") from exc
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ExportError(f"online export {path} is not JSON: {exc.msg} (line {exc.lineno})") from exc
        if isinstance(data, dict) and isinstance(data.get("records"), list):
            data = data["records"]
        if not isinstance(data, list):
            raise ExportError(f'online export {path}: expected a list of records or {{"records": [...]}}')
        objects = list(enumerate(data, start=1))
    bad = [number for number, obj in objects if not isinstance(obj, dict)]
    if bad:
        raise ExportError(f"online export {path}: record {bad[0]} is not an object")
    header: list[str] = list(dict.fromkeys(key for _, obj in objects for key in obj))
    rows: list[Row] = [(0, list(header))]
    rows.extend((number, [obj.get(key) for key in header]) for number, obj in objects)
    return rows


def _decode_json_text(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ExportError(f"online export {path}: JSON must be UTF-8 ({exc.reason} at byte {exc.start})") from exc


# ---------------------------------------------------------------- rows → records


def _records(path: Path, rows: list[Row], template: FormTemplate) -> OnlineExport:
    names = _column_names(template)
    header_at = _find_header(rows, names)
    if header_at is None:
        wanted = ", ".join(_display_name(template, k) for k in template.online.required)
        raise ExportError(f"online export {path} has no header row naming its columns (expected e.g. {wanted})")
    header_number, header = rows[header_at]
    problems: list[str] = []
    if header_at > 0:
        problems.append(f"header found on row {header_number}; {header_at} row(s) above it skipped")
    column_key: dict[int, str] = {}
    extra_columns: dict[int, str] = {}
    for index, cell in enumerate(header):
        title = _text(cell)
        if not title:
            continue
        key = names.get(normalise_header(title))
        if key is None:
            extra_columns[index] = title
        elif key in column_key.values():
            first = header[next(i for i, k in column_key.items() if k == key)]
            problems.append(f"column {title!r} means the same as {_text(first)!r}; kept as an extra column")
            extra_columns[index] = title
        else:
            column_key[index] = key
    missing = [k for k in template.online.required if k not in column_key.values()]
    if missing:
        names_missing = ", ".join(_display_name(template, k) for k in missing)
        raise ExportError(f"online export {path.name} lacks required columns: {names_missing}")

    records: list[OnlineRecord] = []
    first_row_of: dict[str, int] = {}
    blank_rows: list[int] = []
    numeric = template.numeric_keys
    for number, cells in rows[header_at + 1 :]:
        if all(_text(c) == "" for c in cells):
            blank_rows.append(number)
            continue
        values: dict[str, str] = {}
        for index, key in column_key.items():
            values[key] = _normalise(key, cells[index] if index < len(cells) else None, numeric)
        extra = {title: _text(cells[index]) if index < len(cells) else "" for index, title in extra_columns.items()}
        for index in range(len(header), len(cells)):
            if _text(cells[index]):
                extra[f"column {index + 1}"] = _text(cells[index])
        record_id = values.pop("record_id", "")
        if not record_id:
            problems.append(f"row {number}: no {_display_name(template, 'record_id')}; row not used")
            continue
        if record_id in first_row_of:
            problems.append(
                f"row {number}: {_display_name(template, 'record_id')} {record_id} repeats row "
                f"{first_row_of[record_id]}; row not used"
            )
            continue
        first_row_of[record_id] = number
        records.append(
            OnlineRecord(
                record_id=record_id,
                fields={k: v for k, v in values.items() if k not in ("applicant", "recommender", "submitted_at")},
                applicant=values.get("applicant", ""),
                recommender=values.get("recommender", ""),
                submitted_at=values.get("submitted_at") or None,
                extra=extra,
                row=number,
            )
        )
    if blank_rows:
        problems.append(f"{len(blank_rows)} blank row(s) skipped: {_row_list(blank_rows)}")
    return OnlineExport(
        path=str(path),
        records=records,
        unknown_columns=list(extra_columns.values()),
        problems=problems,
    )


def _column_names(template: FormTemplate) -> dict[str, str]:
    """Normalised header → online key, for every name a column may carry."""
    names: dict[str, str] = {}
    for key, headers in template.online_columns().items():
        for header in headers:
            names.setdefault(normalise_header(header), key)
    return names


def _display_name(template: FormTemplate, key: str) -> str:
    """The name a clerk knows a column by: its first Chinese header."""
    return template.online_columns()[key][0]


def _find_header(rows: list[Row], names: dict[str, str]) -> int | None:
    for position, (_, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        known = {names[n] for n in (normalise_header(_text(c)) for c in cells) if n in names}
        if len(known) >= HEADER_MIN_KNOWN:
            return position
    return None


def _row_list(numbers: Iterable[int]) -> str:
    shown = [str(n) for n in numbers]
    return ", ".join(shown[:10]) + (f" and {len(shown) - 10} more" if len(shown) > 10 else "")


# ---------------------------------------------------------------- values


def _text(value: Any) -> str:
    """A cell as text, trimmed (ASCII and full-width spaces); numbers without a spurious ".0"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep="T", timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip().strip("\u3000").strip()


def _normalise(key: str, value: Any, numeric: frozenset[str]) -> str:
    if key in DATE_KEYS:
        return _iso_date(value)
    text = _text(value)
    if key in numeric:
        text = text.translate(_FULLWIDTH_DIGITS)
    return text


def _iso_date(value: Any) -> str:
    """2020/11/10, 2020年11月10日, 2020-11-10 14:30, Excel datetimes → ISO 8601; anything else as given."""
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = _text(value).translate(_FULLWIDTH_DIGITS)
    match = _DATE.match(text)
    if not match:
        return text
    try:
        day = dt.date(int(match["y"]), int(match["m"]), int(match["d"]))
        if match["H"] is None:
            return day.isoformat()
        moment = dt.datetime.combine(day, dt.time(int(match["H"]), int(match["M"]), int(match["S"] or 0)))
    except ValueError:
        return text  # 2020/13/45: not a date; left for the checks to see as typed
    return moment.isoformat(timespec="seconds")
