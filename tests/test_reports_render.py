"""A 补正通知 as a person sees it: LibreOffice turns the DOCX into an A4 PDF, pdftoppm into a PNG.

Slow (starts LibreOffice). A private LibreOffice profile under tmp_path keeps
it apart from any other soffice running on the machine.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from reports import ReportOptions, write_reports
from tests.reports_fixture import make_results

pytestmark = pytest.mark.slow

CONVERT_TIMEOUT_S = 180  # LibreOffice's first start on a busy 2-core machine
A4_POINTS = (595, 842)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is missing: apt-get install libreoffice-writer-nogui poppler-utils")
    return path


def test_letter_renders_as_an_a4_pdf_with_its_text(tmp_path: Path) -> None:
    out = tmp_path / "out"
    paths = write_reports(make_results(out), out, ReportOptions(sender="电子信息学会联合体秘书处"))
    letter = next(p for p in paths.letters if "中国电子学会" in p.name)
    profile = (tmp_path / "lo-profile").as_uri()
    subprocess.run(
        [
            _tool("libreoffice"),
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(letter),
        ],
        check=True,
        capture_output=True,
        timeout=CONVERT_TIMEOUT_S,
    )
    pdf = tmp_path / (letter.stem + ".pdf")
    info = subprocess.run([_tool("pdfinfo"), str(pdf)], check=True, capture_output=True, text=True).stdout
    size = next(line for line in info.splitlines() if line.startswith("Page size:")).split()
    assert (round(float(size[2])), round(float(size[4]))) == A4_POINTS
    text = subprocess.run(
        [_tool("pdftotext"), "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    flat = "".join(text.split())
    assert "关于补正“科创中国”先导技术推荐材料的通知" in flat
    assert "中国电子学会：" in flat and "KC2020-0001" in flat and "请于2020年12月4日前" in flat
    assert flat.endswith("电子信息学会联合体秘书处2020年11月27日")
    subprocess.run(
        [_tool("pdftoppm"), "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "letter")],
        check=True,
        capture_output=True,
    )
    png = next(tmp_path.glob("letter*.png"))
    assert png.stat().st_size > 10_000  # a page with text on it, kept under tmp_path to look at
