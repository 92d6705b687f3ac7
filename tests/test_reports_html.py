"""report.html in real headless Chromium (Playwright, /usr/bin/chromium): summary, cards, search, print.

The page is opened from disk with every network request blocked, so the
test also proves the report is self-contained.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reports import STATUS_ACTION, STATUS_CHECK, STATUS_OK, ReportOptions, write_reports
from tests.reports_fixture import make_results

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("html") / "out"
    return write_reports(make_results(out), out, ReportOptions()).html


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, report: Path) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    requests: list[str] = []

    def block(route: Any) -> None:
        if not route.request.url.startswith(("file:", "data:")):
            requests.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    context.route("**/*", block)
    pg = context.new_page()
    pg.goto(report.as_uri())
    yield pg
    assert requests == [], f"report.html fetched from the network: {requests}"
    context.close()


def _number(page: Any, selector: str) -> str:
    return str(page.locator(f"{selector} b").inner_text()).strip()


def test_summary_numbers(page: Any) -> None:
    assert _number(page, '.num[data-key="documents"]') == "6"
    assert _number(page, '.num[data-key="online_records"]') == "7"
    assert _number(page, '.num[data-key="matched"]') == "5"
    assert _number(page, '.num[data-key="no_paper"]') == "1"
    assert _number(page, '.num[data-key="failed_inputs"]') == "1"
    assert _number(page, f'.num[data-status="{STATUS_ACTION}"]') == "5"
    assert _number(page, f'.num[data-status="{STATUS_CHECK}"]') == "1"
    assert _number(page, f'.num[data-status="{STATUS_OK}"]') == "1"
    assert page.locator('#by-code tr[data-code="MISMATCH"] td.n').inner_text() == "3"
    assert page.locator('#by-domain tr[data-domain="电子信息"] td').nth(1).inner_text() == "4"
    assert page.locator("svg.chart rect").count() >= 10  # bars and legend drawn
    assert "按问题类型与所属领域统计的问题数" in page.locator("svg.chart title").first.inner_html()


def test_cards_sorted_and_a_card_shows_crop_next_to_online(page: Any) -> None:
    statuses = page.locator("article.card").evaluate_all("cs => cs.map(c => c.dataset.status)")
    assert len(statuses) == 7
    order = [(STATUS_ACTION, STATUS_CHECK, STATUS_OK).index(s) for s in statuses]
    assert order == sorted(order)
    card = page.locator("#card-d0002")
    assert card.locator(".badge").inner_text() == STATUS_ACTION
    assert "新型mRNA疫苗递送系统" in card.locator("h3").inner_text()
    phone = card.locator('li.finding[data-code="MISMATCH"]').first
    assert "联系电话" in phone.locator(".head").inner_text()
    values = phone.locator(".values").inner_text()
    assert "010-68519999" in values and "010-68512345" in values
    img = phone.locator("img")
    assert img.get_attribute("src").startswith("data:image/png;base64,")
    assert img.evaluate("i => i.complete && i.naturalWidth") > 0  # the embedded crop decodes
    over = page.locator('#card-d0001 li.finding[data-code="OVER_LIMIT"]')
    assert over.locator(".count").inner_text() == "342"
    seal = page.locator('#card-d0001 li.finding[data-code="SEAL_MISSING"] .values').inner_text()
    assert "公章：未检测到" in seal


def test_search_box_filters_cards(page: Any, tmp_path: Path) -> None:
    visible = "article.card:not(.hidden)"
    assert page.locator(visible).count() == 7
    page.fill("#search", "中国药学会")
    assert page.locator(visible).evaluate_all("cs => cs.map(c => c.id)") == ["card-d0002"]
    assert page.locator("#shown").inner_text() == "显示 1 / 7 项"
    page.fill("#search", "kc2020-0006")  # case-insensitive
    assert page.locator(visible).evaluate_all("cs => cs.map(c => c.id)") == ["card-KC2020-0006"]
    page.fill("#search", "字数超限")
    assert page.locator(visible).evaluate_all("cs => cs.map(c => c.id)") == ["card-d0001"]
    page.fill("#search", "没有这个词")
    assert page.locator(visible).count() == 0
    page.fill("#search", "")
    assert page.locator(visible).count() == 7
    shot = tmp_path / "report.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 50_000


def test_prints(page: Any, tmp_path: Path) -> None:
    page.emulate_media(media="print")
    assert page.locator(".toolbar").evaluate("e => getComputedStyle(e).display") == "none"
    assert page.locator("#card-d0001").evaluate("e => getComputedStyle(e).breakInside") == "avoid"
    pdf = tmp_path / "report.pdf"
    page.pdf(path=str(pdf), format="A4")
    assert pdf.read_bytes().startswith(b"%PDF")
