"""Issue 15: the attacks that got through the review screen, each as a test that the same request is now refused.

1. logout and removed users end the session; 2. password guessing is slowed, logged and weak passwords
refused, foreign Host headers refused; 3. big bodies refused before they are read; 4. the store's
password never shown or printed; 5. nothing in the store signs or is a session, the SQLite file is the
owner's only; 7. record ids quoted in links, user names checked whole, decisions keep their history.

The store is a real SQLite file with the fixture batch of ``tests/web_fixture.py``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import logging
import os
import re
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import text, update

from forms.errors import ConfigError, StoreError
from paperdesk.cli import main
from paperdesk.store import open_store
from paperdesk.web.app import create_app, serve
from paperdesk.web.users import add_user, authenticate
from tests.test_store import postgres_url  # noqa: F401  (the throwaway PostgreSQL server fixture)
from tests.web_fixture import (
    CLERK,
    CLERK_PASSWORD,
    LOCAL,
    TestClient,
    WebBatch,
    client_for,
    login,
    make_batch,
    make_results,
    store_batch,
    token_of,
)

SEAL_KEY = "SEAL_MISSING:recommender_opinion:KC2020-0001"
OTHER = "wangfang"
OTHER_PASSWORD = "审核专用的密码-2020"
FORM = "application/x-www-form-urlencoded"


def try_login(client: TestClient, name: str, password: str) -> Any:
    token = token_of(client.get("/login").text)
    return client.post("/login", data={"csrf_token": token, "name": name, "password": password},
                       follow_redirects=False)


def decide(client: TestClient, token: str, ident: str = "d:d0001", key: str = SEAL_KEY, action: str = "confirm",
           **extra: str) -> Any:
    return client.post("/decide", data={"csrf_token": token, "n": ident, "key": key, "action": action, **extra},
                       follow_redirects=False)


def replay(batch: WebBatch, cookies: dict[str, str]) -> TestClient:
    """A fresh browser that was handed these cookies (stolen, or kept from before a logout)."""
    other = client_for(batch.db_url)
    for name, value in cookies.items():
        other.cookies.set(name, value)
    return other


# -- 1. logout, user remove, user passwd end the session ------------------------------------


def test_after_logout_the_old_cookie_opens_nothing_and_decides_nothing(client: TestClient, batch: WebBatch) -> None:
    token = login(client)
    kept = dict(client.cookies.items())
    assert client.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    thief = replay(batch, kept)
    assert thief.get("/", follow_redirects=False).status_code == 303
    assert decide(thief, token).status_code in (401, 403)
    assert batch.store.decisions() == {}


def test_user_remove_ends_the_session_even_when_the_name_comes_back(client: TestClient, batch: WebBatch,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    login(client)
    kept = dict(client.cookies.items())
    assert main(["user", "remove", CLERK, "--db", batch.db_url]) == 0
    assert "removed" in capsys.readouterr().err
    assert client.get("/", follow_redirects=False).status_code == 303
    add_user(batch.store, CLERK, "a-brand-new-password-7")  # the same name, another person
    assert replay(batch, kept).get("/", follow_redirects=False).status_code == 303
    assert main(["user", "remove", "nobody", "--db", batch.db_url]) == 1
    assert "no user nobody" in capsys.readouterr().err


def test_user_passwd_ends_the_session_and_sets_the_password(client: TestClient, batch: WebBatch,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    login(client)
    monkeypatch.setattr("sys.stdin", io.StringIO("a-brand-new-password-7\n"))
    assert main(["user", "passwd", CLERK, "--db", batch.db_url, "--password-stdin"]) == 0
    assert client.get("/", follow_redirects=False).status_code == 303
    assert try_login(client_for(batch.db_url), CLERK, CLERK_PASSWORD).status_code == 401
    login(client_for(batch.db_url), CLERK, "a-brand-new-password-7")
    monkeypatch.setattr("sys.stdin", io.StringIO("aaaaaaaaaa\n"))
    assert main(["user", "passwd", CLERK, "--db", batch.db_url, "--password-stdin"]) == 1


@pytest.mark.parametrize(("column", "age"), [("last_seen", dt.timedelta(hours=3)),  # idle past SESSION_IDLE_S
                                             ("created_at", dt.timedelta(hours=13))])  # past SESSION_MAX_AGE_S
def test_a_session_ends_when_idle_or_too_old(client: TestClient, batch: WebBatch, column: str,
                                             age: dt.timedelta) -> None:
    from paperdesk.store import WebSession

    login(client)
    assert client.get("/", follow_redirects=False).status_code == 200
    with batch.store.session() as s:
        s.execute(update(WebSession).values({column: dt.datetime.now(dt.UTC) - age}))
    assert client.get("/", follow_redirects=False).status_code == 303


# -- 2. password guessing -------------------------------------------------------------------


class FrozenClock:
    """The throttle's clock, moved only by the test (a loaded machine's slow scrypt must not open the wait)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def throttled_client(batch: WebBatch, clock: FrozenClock) -> TestClient:
    from paperdesk.web.throttle import LoginThrottle

    return TestClient(create_app(batch.db_url, throttle=LoginThrottle(clock=clock)), base_url=LOCAL)


def test_forty_wrong_passwords_then_the_right_one_is_refused(batch: WebBatch) -> None:
    clock = FrozenClock()
    guesser = throttled_client(batch, clock)
    answers = [try_login(guesser, CLERK, f"guess-number-{i:03d}").status_code for i in range(40)]
    assert answers[:5] == [401] * 5 and set(answers[5:]) == {429}
    right = try_login(guesser, CLERK, CLERK_PASSWORD)
    assert right.status_code == 429
    assert "登录失败次数过多" in right.text and int(right.headers["retry-after"]) >= 1
    assert guesser.get("/", follow_redirects=False).status_code == 303
    clock.now += 3600  # once the wait is over, the clerk gets in
    assert try_login(guesser, CLERK, CLERK_PASSWORD).status_code == 303


def test_many_names_from_one_address_are_slowed_too(batch: WebBatch) -> None:
    client = throttled_client(batch, FrozenClock())
    answers = [try_login(client, f"user{i}", "not-a-password-1").status_code for i in range(24)]
    assert answers[:20] == [401] * 20 and set(answers[20:]) == {429}
    assert try_login(client, CLERK, CLERK_PASSWORD).status_code == 429  # a fresh name, the same address


def test_guesses_sent_at_once_all_count() -> None:
    from paperdesk.web.throttle import FREE_FAILURES_PER_NAME, LoginThrottle

    throttle = LoginThrottle(clock=FrozenClock())
    start = threading.Barrier(16)
    waits: list[float] = []

    def guess(i: int) -> None:
        start.wait()
        waits.append(throttle.begin(CLERK, f"10.0.0.{i}"))

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(1 for w in waits if w == 0) == FREE_FAILURES_PER_NAME  # the rest wait, unchecked
    throttle.succeeded(CLERK, "10.0.0.1")
    assert throttle.failures(CLERK) == 0


def test_failed_logins_are_logged_with_name_and_address_never_the_password(client: TestClient,
                                                                           caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="paperdesk.web"):
        try_login(client, CLERK, "wrong-password-xyz")
    lines = [r.getMessage() for r in caplog.records if r.name == "paperdesk.web"]
    assert any("failed login" in line and CLERK in line and "testclient" in line for line in lines), lines
    assert not any("wrong-password-xyz" in line for line in lines)


@pytest.mark.parametrize(("password", "reason"), [
    ("aaaaaaaaaa", "different characters"),
    ("1212121212", "different characters"),
    ("abcdefghijkl", "run of"),
    ("0987654321", "run of"),
    ("qwertyuiop", "run of"),
    ("password123", "common"),
    ("P@ssw0rd!!!", "common"),
    ("20201112345", "common"),
    ("newclerk-2020", "user name"),
    ("short-1", "too short"),
])
def test_weak_passwords_are_refused(batch: WebBatch, password: str, reason: str) -> None:
    with pytest.raises(ConfigError, match=reason):
        add_user(batch.store, "newclerk", password)


def test_a_weak_password_is_refused_by_user_add(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("aaaaaaaaaa\n"))
    assert main(["user", "add", "zhao", "--db", str(tmp_path / "s.db"), "--password-stdin"]) == 1
    assert "password too simple" in capsys.readouterr().err


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1.evil.example", ""])
def test_a_foreign_host_header_is_refused(client: TestClient, batch: WebBatch, host: str) -> None:
    token = token_of(client.get("/login").text)
    assert client.get("/login", headers={"host": host}).status_code == 400
    r = client.post("/login", headers={"host": host}, follow_redirects=False,
                    data={"csrf_token": token, "name": CLERK, "password": CLERK_PASSWORD})
    assert r.status_code == 400 and "Host" in r.text
    assert client.get("/", follow_redirects=False).status_code == 303  # not logged in


@pytest.mark.parametrize("host", ["127.0.0.1:8000", "localhost:8000", "[::1]:8000", "LOCALHOST"])
def test_loopback_names_are_answered(client: TestClient, host: str) -> None:
    assert client.get("/login", headers={"host": host}).status_code == 200


def test_allowed_host_adds_the_proxy_name(batch: WebBatch) -> None:
    from paperdesk.web.guards import allowed_hosts

    names = allowed_hosts("127.0.0.1", ["review.example.org"])
    proxied = TestClient(create_app(batch.db_url, allowed_hosts=names), base_url="https://review.example.org")
    login(proxied)
    assert proxied.get("/", follow_redirects=False).status_code == 200
    assert proxied.get("/", headers={"host": "evil.example"}).status_code == 400
    assert allowed_hosts("0.0.0.0") == []  # every address, no name: serve asks for --allowed-host
    with pytest.raises(ConfigError, match="--allowed-host"):
        serve(batch.db_url, host="0.0.0.0", port=0)


# -- 3. bodies too big, refused before they are read ------------------------------------------


def asgi_post(app: Any, path: str, headers: dict[str, str], chunks: Iterator[bytes]) -> tuple[int, int]:
    """POST through the app's ASGI interface; returns (status, bytes of body the app pulled)."""
    pulled = 0
    status: list[int] = []

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        chunk = next(chunks, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        pulled += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": path, "raw_path": path.encode(), "root_path": "", "query_string": b"",
             "headers": [(k.lower().encode(), v.encode()) for k, v in {"host": "127.0.0.1", **headers}.items()],
             "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000)}
    asyncio.run(app(scope, receive, send))
    return status[0], pulled


def endless(size: int = 1024 * 1024) -> Iterator[bytes]:
    field = b"name=" + b"a" * size
    while True:
        yield field


def login_cookie(batch: WebBatch, app: Any) -> str:
    browser = TestClient(app, base_url=LOCAL)
    browser.get("/login")
    return "; ".join(f"{k}={v}" for k, v in browser.cookies.items())


def test_a_huge_declared_body_is_refused_before_a_byte_is_read(batch: WebBatch) -> None:
    app = create_app(batch.db_url)
    status, pulled = asgi_post(app, "/login", {"content-type": FORM, "content-length": str(990 * 1024 * 1024),
                                               "cookie": login_cookie(batch, app)}, endless())
    assert (status, pulled) == (413, 0)


def test_a_huge_chunked_body_is_cut_off_at_the_limit(batch: WebBatch) -> None:
    from paperdesk.web.guards import MAX_BODY_BYTES

    app = create_app(batch.db_url)
    chunk = 16 * 1024
    status, pulled = asgi_post(app, "/login", {"content-type": FORM, "cookie": login_cookie(batch, app)},
                               endless(chunk))
    assert status == 413
    assert pulled <= MAX_BODY_BYTES + chunk + len(b"name=")


def test_without_a_session_the_body_is_never_read(batch: WebBatch) -> None:
    app = create_app(batch.db_url)
    body = b"csrf_token=x&name=clerk&password=" + b"a" * 60_000
    status, pulled = asgi_post(app, "/login", {"content-type": FORM, "content-length": str(len(body))},
                               iter([body]))
    assert (status, pulled) == (403, 0)


def test_a_multipart_body_is_neither_parsed_nor_spooled(batch: WebBatch) -> None:
    app = create_app(batch.db_url)
    body = (b"--xx\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.bin\"\r\n\r\n" + b"a" * 60_000
            + b"\r\n--xx--\r\n")
    status, pulled = asgi_post(app, "/login", {"content-type": "multipart/form-data; boundary=xx",
                                               "content-length": str(len(body)),
                                               "cookie": login_cookie(batch, app)}, iter([body]))
    assert (status, pulled) == (415, 0)


def test_a_big_login_form_is_refused_and_logs_no_one_in(client: TestClient) -> None:
    token = token_of(client.get("/login").text)
    r = client.post("/login", follow_redirects=False, data={
        "csrf_token": token, "name": CLERK, "password": CLERK_PASSWORD, "pad": "x" * (1024 * 1024)})
    assert r.status_code == 413
    assert client.get("/", follow_redirects=False).status_code == 303


# -- 4. the store's password is never shown or printed -----------------------------------------


PG_URL = "postgresql+psycopg2://paperdesk:S3cret-Pw@127.0.0.1:1/paperdesk"


def test_the_empty_screen_shows_the_store_url_without_its_password(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    local = open_store(f"sqlite:///{tmp_path / 'empty.db'}")
    add_user(local, CLERK, CLERK_PASSWORD)
    monkeypatch.setattr("paperdesk.web.app.open_store", lambda url: local)  # stands in for the PostgreSQL store
    screen = TestClient(create_app(PG_URL), base_url=LOCAL)
    login(screen)
    page = screen.get("/").text
    assert "尚无已完成的批次" in page
    assert "S3cret-Pw" not in page and "paperdesk:***@127.0.0.1:1/paperdesk" in page


def test_commands_print_the_store_url_without_its_password(monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("a-good-long-password-1\n"))
    assert main(["user", "add", "zhao", "--db", PG_URL, "--password-stdin"]) == 1  # nothing listens on port 1
    assert main(["serve", "--db", PG_URL]) == 1
    err = capsys.readouterr().err
    assert "paperdesk:***@127.0.0.1:1" in err and "S3cret-Pw" not in err
    with pytest.raises(StoreError) as caught:
        open_store(PG_URL)
    assert "S3cret-Pw" not in str(caught.value)


# -- 5. nothing in the store makes a session; the file is the owner's --------------------------


def test_a_cookie_signed_with_an_old_stores_secret_is_no_session(batch: WebBatch) -> None:
    secret = "f" * 64
    with batch.store.engine.begin() as conn:  # a store from before: the signing secret was kept in it
        conn.execute(text("CREATE TABLE IF NOT EXISTS web_settings (name VARCHAR(64) PRIMARY KEY, value TEXT)"))
        conn.execute(text("INSERT INTO web_settings (name, value) VALUES ('session_secret', :v)"), {"v": secret})
    app = create_app(batch.db_url)
    forged = URLSafeTimedSerializer(secret, salt="paperdesk.session").dumps(
        {"csrf": "forged-token", "user": CLERK, "issued": time.time()})
    forger = TestClient(app, base_url=LOCAL)
    for name in ("paperdesk_session", "paperdesk_login"):
        forger.cookies.set(name, str(forged))
    assert forger.get("/", follow_redirects=False).status_code == 303
    assert decide(forger, "forged-token").status_code in (401, 403)
    assert batch.store.decisions() == {}
    with batch.store.engine.connect() as conn:  # and the old secret is gone from the file
        assert conn.execute(text("SELECT count(*) FROM web_settings")).scalar() == 0


def test_what_the_store_keeps_of_a_session_is_not_a_cookie(client: TestClient, batch: WebBatch) -> None:
    from paperdesk.store import WebSession

    login(client)
    with batch.store.session() as s:
        stored = [(row.token_hash, row.csrf) for row in s.query(WebSession)]
    assert len(stored) == 1
    cookie = client.cookies["paperdesk_session"]
    assert cookie not in stored[0][0]
    thief = replay(batch, {"paperdesk_session": stored[0][0]})
    assert thief.get("/", follow_redirects=False).status_code == 303


def test_the_store_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    old = os.umask(0o022)  # the usual umask: files 0644 unless made otherwise
    try:
        made = make_batch(tmp_path / "new")
        db = Path(made.db_url.removeprefix("sqlite:///"))
        for path in (db, db.with_name(db.name + "-wal")):
            if path.exists():
                assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, (path, oct(path.stat().st_mode))
        legacy = tmp_path / "legacy.db"  # a store made 0644 by an earlier version is narrowed when opened
        open_store(f"sqlite:///{legacy}").dispose()
        legacy.chmod(0o644)
        open_store(f"sqlite:///{legacy}").dispose()
        assert stat.S_IMODE(legacy.stat().st_mode) == 0o600
    finally:
        os.umask(old)


# -- 7. ids in links, user names, decision history --------------------------------------------


EVIL_ID = "../../../etc/passwd"


def test_a_record_id_with_dot_segments_opens_through_its_link(batch: WebBatch) -> None:
    results = make_results(batch.out_dir)
    results["unmatched_records"].append(EVIL_ID)
    results["findings"].append({"code": "NO_PAPER", "field": None, "severity": "error", "record_id": EVIL_ID,
                                "message": "线上已提交，但未收到纸质推荐表", "key": f"NO_PAPER::{EVIL_ID}",
                                "evidence": {"tech_name": "点点斜杠技术"}})
    store_batch(batch.store, batch.out_dir, results)
    browser = client_for(batch.db_url)
    login(browser)
    listing = browser.get("/").text
    link = re.search(r'<a href="([^"]+)" class="open-link">点点斜杠技术</a>', listing)
    assert link, "the nomination is not listed"
    page = browser.get(link.group(1).replace("&amp;", "&"))
    assert page.status_code == 200 and "点点斜杠技术" in page.text
    token = token_of(page.text)
    r = decide(browser, token, f"r:{EVIL_ID}", f"NO_PAPER::{EVIL_ID}", "confirm")
    assert r.status_code == 303
    back = browser.get(r.headers["location"])
    assert back.status_code == 200 and "点点斜杠技术" in back.text and "已确认" in back.text


@pytest.mark.parametrize("name", ["clerk2\n", "clerk2\r\n", " clerk2", "clerk2 ", "cl\terk", "a" * 65, ""])
def test_a_user_name_that_could_never_log_in_is_refused(batch: WebBatch, name: str) -> None:
    with pytest.raises(ConfigError, match="user name"):
        add_user(batch.store, name, "a-good-long-password-1")


def test_cli_refuses_a_user_name_with_a_newline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("a-good-long-password-1\n"))
    assert main(["user", "add", "bob\n", "--db", str(tmp_path / "s.db"), "--password-stdin"]) == 1
    err = capsys.readouterr().err
    assert "user name 'bob\\n'" in err and err.count("\n") == 1  # one line


def test_decisions_keep_who_decided_what_and_when(client: TestClient, batch: WebBatch) -> None:
    add_user(batch.store, OTHER, OTHER_PASSWORD)
    first = login(client)
    assert decide(client, first, comment="初审确认").status_code == 303
    second_browser = client_for(batch.db_url)
    second = login(second_browser, OTHER, OTHER_PASSWORD)
    assert decide(second_browser, second, action="dismiss", comment="章在背面").status_code == 303
    assert decide(second_browser, second, action="reopen").status_code == 303
    history = batch.store.decision_history(["KC2020-0001"])[("KC2020-0001", SEAL_KEY)]
    steps = [(e.action, e.user, e.previous_status, e.previous_user, e.comment) for e in history]
    assert steps == [("confirmed", CLERK, None, None, "初审确认"),
                     ("dismissed", OTHER, "confirmed", CLERK, "章在背面"),
                     ("reopened", OTHER, "dismissed", OTHER, "")]
    assert all(e.at is not None for e in history)
    assert batch.store.decisions() == {}  # reopened: the finding is open again, its history stays
    page = client.get("/n/d:d0001").text
    assert "审核记录（3）" in page
    assert f"覆盖了 {CLERK} 的“已确认”" in page and "初审确认" in page and "章在背面" in page


def test_old_stores_get_the_history_table(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    store = open_store(f"sqlite:///{db}")
    with store.engine.begin() as conn:
        conn.execute(text("DROP TABLE decision_events"))
        conn.execute(text("DROP TABLE web_sessions"))
    store.dispose()
    again = open_store(f"sqlite:///{db}")
    again.decide("KC-1", "k", "confirmed", user="clerk")
    assert [e.action for e in again.decision_history(["KC-1"])[("KC-1", "k")]] == ["confirmed"]
    add_user(again, CLERK, CLERK_PASSWORD)
    assert authenticate(again, CLERK, CLERK_PASSWORD)


# -- the same on PostgreSQL (PAPERDESK_TEST_PG=1) ------------------------------------------


@pytest.mark.postgres
def test_sessions_and_history_on_postgres(postgres_url: str, batch: WebBatch) -> None:  # noqa: F811
    store = open_store(postgres_url)
    store_batch(store, batch.out_dir, make_results(batch.out_dir))
    add_user(store, CLERK, CLERK_PASSWORD)
    add_user(store, OTHER, OTHER_PASSWORD)
    first, second = client_for(postgres_url), client_for(postgres_url)
    decide(first, login(first), comment="初审确认")
    token = login(second, OTHER, OTHER_PASSWORD)
    decide(second, token, action="dismiss", comment="章在背面")
    decide(second, token, action="reopen")
    actions = [(e.action, e.user, e.previous_user) for e in store.decision_history(["KC2020-0001"])[("KC2020-0001", SEAL_KEY)]]
    assert actions == [("confirmed", CLERK, None), ("dismissed", OTHER, CLERK), ("reopened", OTHER, OTHER)]
    assert f"覆盖了 {CLERK} 的“已确认”" in first.get("/n/d:d0001").text
    assert second.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    assert main(["user", "remove", CLERK, "--db", postgres_url]) == 0
    assert first.get("/", follow_redirects=False).status_code == 303
    assert store.drop_web_sessions_before(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)) == 2
    store.dispose()
