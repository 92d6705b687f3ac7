"""The review screen in a real browser: Debian's Chromium, headless, driven by Playwright.

uvicorn serves the app on 127.0.0.1 (a free port) in a background thread, on
the fixture batch of ``tests/web_fixture.py``. A screenshot of every page is
written under the test's ``tmp_path/screens``.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from paperdesk.web.app import create_app
from tests.web_fixture import CLERK, CLERK_PASSWORD, SCRIPT, WebBatch, make_batch

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
LAPTOP = {"width": 1366, "height": 768}
"""The clerks' screen: the pages must work at this size."""
SERVER_START_TIMEOUT_S = 30
PROCESS_START_TIMEOUT_S = 180
"""A fresh ``paperdesk serve`` imports FastAPI, SQLAlchemy and the stages: slow on a loaded CI machine."""

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, WebBatch]]:
    batch = make_batch(tmp_path_factory.mktemp("browser"))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(batch.db_url), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"uvicorn did not start on 127.0.0.1:{port}")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", batch
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: playwright_api.Browser) -> Iterator[playwright_api.Page]:
    context = browser.new_context(viewport=LAPTOP, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


def shot(page: playwright_api.Page, tmp_path: Path, name: str) -> Path:
    path = tmp_path / "screens" / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.wait_for_load_state("networkidle")  # crops and page images drawn
    page.screenshot(path=str(path))  # the laptop viewport: what the clerk sees
    assert path.stat().st_size > 0
    return path


def log_in(page: playwright_api.Page, base: str, password: str = CLERK_PASSWORD) -> None:
    page.goto(base + "/")
    assert "/login" in page.url
    page.fill("input[name=name]", CLERK)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


def test_review_flow(served: tuple[str, WebBatch], page: playwright_api.Page, tmp_path: Path) -> None:
    expect = playwright_api.expect
    base, batch = served
    log_in(page, base)
    expect(page.locator("#list")).to_be_visible()
    expect(page.locator("#list tr.row")).to_have_count(5)
    # Values are text, never markup: the online 申报单位 of d0002 is a <script> tag.
    expect(page.locator("#list")).to_contain_text(SCRIPT)
    shot(page, tmp_path, "01-list")

    # Filter: the finding code (the select submits itself), then the state.
    page.select_option("select[name=code]", "NO_ONLINE_RECORD")
    expect(page.locator("#list tr.row")).to_have_count(1)
    expect(page.locator("#list tr.row")).to_contain_text("基于量子点的柔性显示材料")
    expect(page.locator("#list tr.row .pill")).to_have_text("待审核")
    shot(page, tmp_path, "02-list-filtered")

    # Keyboard: j selects the first row, Enter opens it.
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.wait_for_url("**/n/d%3Ad0004*")
    card = page.locator("article.finding").first
    expect(card).to_contain_text("无对应线上记录")
    shot(page, tmp_path, "03-nomination")

    # Dismiss with a comment, by keyboard: d focuses the comment, Enter submits.
    page.keyboard.press("d")
    expect(card.locator(".comment-input")).to_be_focused()
    page.keyboard.type("已电话核实，线上记录在补录中")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    card = page.locator("article.finding").first
    expect(card.locator(".pill")).to_have_text("已排除")
    expect(card.locator(".decided")).to_contain_text("已电话核实，线上记录在补录中")
    expect(card.locator(".decided")).to_contain_text(CLERK)
    expect(card.locator("details.history li")).to_have_count(1)  # who decided what and when stays on record
    expect(card.locator("details.history li")).to_contain_text("排除")
    shot(page, tmp_path, "04-nomination-dismissed")
    stored = batch.store.decisions()[("d0004", "NO_ONLINE_RECORD::d0004")].to_dict()
    assert stored["status"] == "dismissed" and stored["user"] == CLERK

    # Back to the (still filtered) list: the nomination's state changed.
    page.keyboard.press("Escape")
    page.wait_for_url("**/?code=NO_ONLINE_RECORD")
    expect(page.locator("#list tr.row .pill")).to_have_text("已排除")
    page.select_option("select[name=state]", "open")
    expect(page.locator("#list tr.row")).to_have_count(0)
    shot(page, tmp_path, "05-list-after")

    # A nomination with a page image: the flagged areas are outlined on it; confirm by button.
    page.goto(base + "/n/d:d0001")
    expect(page.locator("figure.page rect.box")).to_have_count(1)  # OVER_LIMIT on page 1 (the only page image)
    expect(page.locator("figure.page image")).to_have_count(1)
    assert page.evaluate("document.querySelector('figure.crop img').naturalWidth") > 0
    shot(page, tmp_path, "06-nomination-page-image")
    seal = page.locator("article.finding", has_text="意见栏未盖公章")
    seal.locator("button[value=confirm]").click()
    expect(page.locator("article.finding", has_text="意见栏未盖公章").locator(".pill")).to_have_text("已确认")
    shot(page, tmp_path, "07-nomination-confirmed")

    # The report, regenerated from the header button, now carries the decision.
    page.click("header button[data-key=r]")
    page.wait_for_url("**/report/report.html")
    expect(page.locator("body")).to_contain_text("已电话核实，线上记录在补录中")
    shot(page, tmp_path, "08-report")


def test_wrong_password_and_missing_csrf_are_refused(served: tuple[str, WebBatch], page: playwright_api.Page,
                                                     tmp_path: Path) -> None:
    expect = playwright_api.expect
    base, batch = served
    log_in(page, base, password="not-the-password")
    expect(page.locator(".alert")).to_have_text("用户名或密码错误。")
    assert "/login" in page.url
    shot(page, tmp_path, "01-login-refused")

    log_in(page, base)
    expect(page.locator("#list")).to_be_visible()
    before = dict(batch.store.decisions())
    page.goto(base + "/n/d:d0002")
    card = page.locator("article.finding", has_text="联系电话")
    card.locator(".comment-input").fill("没有令牌的提交")
    card.locator("input[name=csrf_token]").evaluate("el => el.remove()")
    with page.expect_response(lambda r: r.url.endswith("/decide")) as answer:
        card.locator("button[value=dismiss]").click()
    assert answer.value.status == 403
    expect(page.locator("h1")).to_have_text("请求被拒绝")
    shot(page, tmp_path, "02-csrf-refused")
    assert batch.store.decisions().keys() == before.keys()


def test_paperdesk_serve_listens_on_loopback_by_default(tmp_path: Path) -> None:
    import subprocess
    import sys
    import urllib.request

    import psutil  # installed with dask.distributed

    batch = make_batch(tmp_path)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "paperdesk", "serve", "--db", batch.db_url, "--port", str(port)],
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + PROCESS_START_TIMEOUT_S
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as answer:
                    assert answer.status == 200
                    assert "登录审核系统" in answer.read().decode("utf-8")
                    break
            except OSError:
                assert proc.poll() is None, "paperdesk serve exited"
                assert time.monotonic() < deadline, "paperdesk serve did not answer"
                time.sleep(0.2)
        listening = [c.laddr for c in psutil.Process(proc.pid).net_connections() if c.status == "LISTEN"]
        assert listening and all(addr.ip == "127.0.0.1" for addr in listening)
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
    assert f"Review screen: http://127.0.0.1:{port}/" in err

