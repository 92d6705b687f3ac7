"""The review screen through FastAPI's TestClient: auth, CSRF, escaping, images, decisions.

The store is a real SQLite file with the fixture batch of ``tests/web_fixture.py``.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import warnings
from pathlib import Path
from typing import Any

import pytest

from forms.errors import ConfigError
from paperdesk.options import RunOptions
from paperdesk.runner import run_batch
from paperdesk.store import open_store
from paperdesk.web.app import serve
from paperdesk.web.review import resolve_inside
from paperdesk.web.security import SESSION_COOKIE, hash_password, verify_password
from paperdesk.web.users import add_user, add_user_interactive, authenticate
from tests.runner_fakes import FAKE_PREVIEW, PAGE_SIZE, fake_stages, write_export, write_scan
from tests.web_fixture import (
    CLERK,
    CLERK_PASSWORD,
    SCRIPT,
    WebBatch,
    client_for,
    login,
    make_batch,
    make_results,
    store_batch,
    token_of,
)

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

SEAL_KEY = "SEAL_MISSING:recommender_opinion:KC2020-0001"
OVER_KEY = "OVER_LIMIT:team_intro:KC2020-0001"
PHONE_KEY = "MISMATCH:phone:KC2020-0002"
QUOTA_KEY = "QUOTA_EXCEEDED::KC2020-0001,KC2020-0004,KC2020-0005"
QUOTA_SUBJECT = "KC2020-0001,KC2020-0004,KC2020-0005"


@pytest.fixture(scope="module")
def reader(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    """One logged-in client on its own batch, shared by the tests that only read (no decisions)."""
    own = make_batch(tmp_path_factory.mktemp("reader"))
    client = client_for(own.db_url)
    login(client)
    return client


def decide(client: TestClient, token: str, ident: str, key: str, action: str, **extra: str) -> Any:
    data = {"csrf_token": token, "n": ident, "key": key, "action": action, **extra}
    return client.post("/decide", data=data, follow_redirects=False)


# -- auth -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/n/d:d0001", "/crop?n=d:d0002&k=phone", "/page?n=d:d0001&p=1",
                                  "/report/report.html"])
def test_every_page_needs_a_login(client: TestClient, path: str) -> None:
    r = client.get(path, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/login?next=")


def test_login_then_the_list_shows_the_batch(reader: TestClient) -> None:
    page = reader.get("/").text
    assert "面向边缘计算的低功耗神经网络芯片" in page
    assert "KC2020-0005" in page  # the record with no paper is a nomination too
    assert "无法读取" in page  # the unreadable input is shown, not dropped


@pytest.mark.parametrize(("name", "password"), [(CLERK, "wrong-password-1"), ("nobody", CLERK_PASSWORD), (CLERK, "")])
def test_a_wrong_password_is_refused(client: TestClient, name: str, password: str) -> None:
    token = token_of(client.get("/login").text)
    r = client.post("/login", data={"csrf_token": token, "name": name, "password": password}, follow_redirects=False)
    assert r.status_code == 401
    assert "用户名或密码错误" in r.text
    assert client.get("/", follow_redirects=False).status_code == 303


def test_login_without_csrf_token_is_refused(client: TestClient) -> None:
    client.get("/login")
    r = client.post("/login", data={"name": CLERK, "password": CLERK_PASSWORD}, follow_redirects=False)
    assert r.status_code == 403
    assert client.get("/", follow_redirects=False).status_code == 303


def test_login_does_not_redirect_off_site(client: TestClient) -> None:
    token = token_of(client.get("/login").text)
    r = client.post("/login", data={"csrf_token": token, "name": CLERK, "password": CLERK_PASSWORD,
                                    "next": "//evil.example/x"}, follow_redirects=False)
    assert r.headers["location"] == "/"


def test_a_tampered_cookie_is_no_session(client: TestClient) -> None:
    login(client)
    cookie = client.cookies[SESSION_COOKIE]
    client.cookies.set(SESSION_COOKIE, cookie[:-3] + ("AAA" if not cookie.endswith("AAA") else "BBB"))
    assert client.get("/", follow_redirects=False).status_code == 303


def test_logout_ends_the_session(client: TestClient) -> None:
    token = login(client)
    assert client.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    assert client.get("/", follow_redirects=False).status_code == 303


def test_session_cookie_is_httponly_strict_and_secure_over_https(batch: WebBatch) -> None:
    plain = client_for(batch.db_url)
    header = plain.get("/login").headers["set-cookie"].lower()
    assert "httponly" in header and "samesite=strict" in header and "secure" not in header
    tls = client_for(batch.db_url, https=True)
    assert "secure" in tls.get("/login").headers["set-cookie"].lower()
    forced = client_for(batch.db_url, secure_cookies=True)
    assert "secure" in forced.get("/login").headers["set-cookie"].lower()


def test_sessions_survive_a_restart_but_not_another_store(batch: WebBatch, tmp_path: Path) -> None:
    first = client_for(batch.db_url)
    login(first)
    again = client_for(batch.db_url)  # the same store: the session is in it
    again.cookies.set(SESSION_COOKIE, first.cookies[SESSION_COOKIE])
    assert again.get("/", follow_redirects=False).status_code == 200
    other = make_batch(tmp_path / "other")
    stranger = client_for(other.db_url)
    stranger.cookies.set(SESSION_COOKIE, first.cookies[SESSION_COOKIE])
    assert stranger.get("/", follow_redirects=False).status_code == 303


def test_a_removed_user_is_logged_out(client: TestClient, batch: WebBatch) -> None:
    from sqlalchemy import delete

    from paperdesk.store import User

    login(client)
    with batch.store.session() as s:
        s.execute(delete(User).where(User.name == CLERK))
    assert client.get("/", follow_redirects=False).status_code == 303


# -- CSRF on every POST -------------------------------------------------------------------


def post_routes(client: TestClient) -> list[str]:
    return sorted({r.path for r in client.app.routes if "POST" in getattr(r, "methods", set())})  # type: ignore[attr-defined]


def test_every_post_refuses_a_missing_or_wrong_csrf_token(client: TestClient, batch: WebBatch) -> None:
    login(client)
    routes = post_routes(client)
    assert set(routes) >= {"/login", "/logout", "/decide", "/report"}
    for path in routes:
        base = {"n": "d:d0001", "key": SEAL_KEY, "action": "confirm", "comment": "x"}
        assert client.post(path, data=base, follow_redirects=False).status_code == 403, path
        wrong = client.post(path, data={**base, "csrf_token": "forged"}, follow_redirects=False)
        assert wrong.status_code == 403, path
    assert batch.store.decisions() == {}
    assert client.get("/", follow_redirects=False).status_code == 200  # still logged in


def test_a_token_from_another_session_is_refused(batch: WebBatch) -> None:
    alice = client_for(batch.db_url)
    mallory = client_for(batch.db_url)
    login(alice)
    their_token = login(mallory)
    r = decide(alice, their_token, "d:d0001", SEAL_KEY, "confirm")
    assert r.status_code == 403
    assert batch.store.decisions() == {}


# -- escaping, headers --------------------------------------------------------------------


def test_script_values_show_as_text(client: TestClient) -> None:
    token = login(client)
    decide(client, token, "d:d0002", PHONE_KEY, "dismiss", comment='<img src=x onerror="alert(2)">')
    page = client.get("/n/d:d0002").text
    assert SCRIPT not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=" in page
    listing = client.get("/").text
    assert SCRIPT not in listing and "&lt;script&gt;alert(1)&lt;/script&gt;" in listing
    searched = client.get("/", params={"q": SCRIPT}).text  # the search box echoes the query
    assert SCRIPT not in searched and 'value="&lt;script&gt;alert(1)&lt;/script&gt;"' in searched


def test_pages_carry_a_strict_content_security_policy(reader: TestClient) -> None:
    headers = reader.get("/").headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "unsafe-inline" not in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"


# -- images and files only from the batch's own folder ------------------------------------


def test_crops_and_page_images_are_served(reader: TestClient) -> None:
    crop = reader.get("/crop", params={"n": "d:d0002", "k": "phone"})
    assert crop.status_code == 200 and crop.content.startswith(b"\x89PNG")
    page = reader.get("/page", params={"n": "d:d0001", "p": 1})
    assert page.status_code == 200 and page.content.startswith(b"\x89PNG")
    html = reader.get("/n/d:d0001").text
    assert "/page?n=d%3Ad0001&amp;p=1" in html and 'class="box s-open"' in html
    # the page in its column is small: a link opens it at full size
    assert '<a href="/page?n=d%3Ad0001&amp;p=1" target="_blank" rel="noopener">看大图</a>' in html


def test_a_batch_from_the_runner_shows_its_page_previews(tmp_path: Path) -> None:
    scans = tmp_path / "scans"
    scans.mkdir()
    write_scan(scans / "a.fake", ["first 技术甲", "continuation", "attachment"])
    export = write_export(tmp_path / "export.json", [{"record_id": "KC-1", "tech_name": "技术甲"}])
    options = RunOptions(scans=[scans], online=export, out=tmp_path / "out", jobs=1, quiet=True)
    run_batch(options, stages=fake_stages())
    add_user(open_store(options.db_url), CLERK, CLERK_PASSWORD)
    client = client_for(options.db_url)
    login(client)
    html = client.get("/n/d:d0001").text
    assert html.count(f'viewBox="0 0 {PAGE_SIZE[0]} {PAGE_SIZE[1]}"') == 2  # pages 1 and 2, in page pixels
    assert "/page?n=d%3Ad0001&amp;p=2" in html and "/page?n=d%3Ad0001&amp;p=3" not in html  # 3: the attachment
    page = client.get("/page", params={"n": "d:d0001", "p": 2})
    assert page.status_code == 200 and page.headers["content-type"] == "image/jpeg"
    assert page.content == FAKE_PREVIEW
    # the out folder's pages/ cleaned away: the same page comes from the store, still drawn
    for image in (tmp_path / "out" / "pages").iterdir():
        image.unlink()
    assert client.get("/n/d:d0001").text.count(f'viewBox="0 0 {PAGE_SIZE[0]} {PAGE_SIZE[1]}"') == 2
    again = client.get("/page", params={"n": "d:d0001", "p": 2})
    assert again.status_code == 200 and again.headers["content-type"] == "image/jpeg" and again.content == FAKE_PREVIEW
    assert client.get("/page", params={"n": "d:d0001", "p": 3}).status_code == 404  # the attachment has none


def test_a_crop_missing_from_the_folder_comes_from_the_store(reader: TestClient) -> None:
    r = reader.get("/crop", params={"n": "d:d0001", "k": "contact"})
    assert r.status_code == 200 and r.content.startswith(b"\x89PNG")
    assert reader.get("/crop", params={"n": "d:d0001", "k": "email"}).status_code == 404  # not a PNG
    assert reader.get("/crop", params={"n": "d:d0002", "k": "contact"}).status_code == 404  # not d0002's


@pytest.mark.parametrize(("path", "params"), [
    ("/crop", {"n": "d:d0002", "k": "evil"}),  # results name ../secret.txt
    ("/crop", {"n": "d:d0002", "k": "../../secret.txt"}),  # not a crop key at all
    ("/crop", {"n": "d:d0003", "k": "phone"}),  # another nomination's crop
    ("/page", {"n": "d:d0002", "p": 1}),  # no page image stored
    ("/report/..%2Fsecret.txt", {}),
    ("/report/%2e%2e/secret.txt", {}),
    ("/report/crops/..%2F..%2Fsecret.txt", {}),
])
def test_nothing_outside_the_batch_folder_is_served(reader: TestClient, path: str, params: dict[str, Any]) -> None:
    r = reader.get(path, params=params)
    assert r.status_code == 404
    assert "top secret" not in r.text


def test_the_store_itself_is_never_served(client: TestClient, batch: WebBatch) -> None:
    (batch.out_dir / "paperdesk.db").write_bytes(b"SQLite format 3\x00")
    login(client)
    assert client.get("/report/paperdesk.db").status_code == 404


def test_resolve_inside_refuses_symlinks_out(tmp_path: Path) -> None:
    root = tmp_path / "out"
    root.mkdir()
    (tmp_path / "secret.txt").write_text("x", encoding="utf-8")
    (root / "link.png").symlink_to(tmp_path / "secret.txt")
    (root / "ok.png").write_bytes(b"png")
    assert resolve_inside(root, "ok.png") == (root / "ok.png").resolve()
    assert resolve_inside(root, "link.png") is None
    assert resolve_inside(root, "../secret.txt") is None
    assert resolve_inside(root, str(tmp_path / "secret.txt")) is None  # an absolute path
    assert resolve_inside(root, "") is None


# -- decisions ----------------------------------------------------------------------------


def test_a_decision_is_stored_with_user_time_and_record_key(client: TestClient, batch: WebBatch) -> None:
    token = login(client)
    before = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    r = decide(client, token, "d:d0001", SEAL_KEY, "dismiss", comment="公章盖在第3页背面")
    assert r.status_code == 303 and r.headers["location"].startswith("/n/d:d0001")
    after = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
    decisions = batch.store.decisions()
    assert set(decisions) == {("KC2020-0001", SEAL_KEY)}
    row = decisions[("KC2020-0001", SEAL_KEY)].to_dict()
    assert row["status"] == "dismissed" and row["user"] == CLERK and row["comment"] == "公章盖在第3页背面"
    assert before <= dt.datetime.fromisoformat(row["decided_at"]) <= after
    page = client.get("/n/d:d0001").text
    assert "公章盖在第3页背面" in page and "已排除" in page


def test_dismissing_needs_a_comment(client: TestClient, batch: WebBatch) -> None:
    token = login(client)
    r = decide(client, token, "d:d0001", SEAL_KEY, "dismiss", comment="  ")
    assert r.status_code == 303
    assert "error=" in r.headers["location"]
    assert batch.store.decisions() == {}
    assert "排除问题时请填写理由" in client.get(r.headers["location"]).text


def test_an_unknown_finding_or_action_changes_nothing(client: TestClient, batch: WebBatch) -> None:
    token = login(client)
    assert decide(client, token, "d:d0001", "SEAL_MISSING:x:KC2020-9999", "confirm").status_code == 404
    assert decide(client, token, "d:d9999", SEAL_KEY, "confirm").status_code == 404
    decide(client, token, "d:d0001", SEAL_KEY, "delete-everything")
    assert batch.store.decisions() == {}


def test_correct_a_misread_value(client: TestClient, batch: WebBatch) -> None:
    token = login(client)
    decide(client, token, "d:d0002", PHONE_KEY, "correct", value="010-68512345", comment="识别错误")
    row = batch.store.decisions()[("KC2020-0002", PHONE_KEY)].to_dict()
    assert row["status"] == "corrected" and row["corrected_value"] == "010-68512345"
    assert "更正为" in client.get("/n/d:d0002").text


@pytest.mark.parametrize(("value", "state"), [("010－68512345", "dismissed"), ("010-68519999", "confirmed")])
def test_a_correction_resolves_only_when_the_paper_then_agrees(client: TestClient, value: str, state: str) -> None:
    token = login(client)
    decide(client, token, "d:d0002", "MISMATCH:tech_name:KC2020-0002", "dismiss", comment="OCR 误读")
    decide(client, token, "d:d0002", PHONE_KEY, "correct", value=value)
    assert idents(client.get(f"/?state={state}").text) == {"d%3Ad0002"}


def test_reopen_removes_the_decision(client: TestClient, batch: WebBatch) -> None:
    token = login(client)
    decide(client, token, "d:d0001", SEAL_KEY, "confirm")
    assert batch.store.decisions()
    decide(client, token, "d:d0001", SEAL_KEY, "reopen")
    assert batch.store.decisions() == {}


def test_a_group_finding_is_decided_once_for_all_its_records(client: TestClient, batch: WebBatch) -> None:
    token = login(client)
    decide(client, token, "d:d0001", QUOTA_KEY, "dismiss", comment="已获特批")
    assert set(batch.store.decisions()) == {(QUOTA_SUBJECT, QUOTA_KEY)}
    assert "已获特批" in client.get("/n/r:KC2020-0005").text


def test_decisions_survive_a_rerun(client: TestClient, batch: WebBatch) -> None:
    token = login(client)
    decide(client, token, "d:d0001", SEAL_KEY, "dismiss", comment="背面有章")
    decide(client, token, "d:d0004", "NO_ONLINE_RECORD::d0004", "confirm")
    # Re-run: a new batch with new row ids; the forms were scanned in another order, so
    # the matched form got a new document id (its record is the same).
    results = make_results(batch.out_dir)
    docs = results["documents"]
    docs[0]["id"], docs[2]["id"] = "d0003", "d0001"
    results["documents"] = [docs[2], docs[1], docs[0], docs[3]]
    new_id = store_batch(batch.store, batch.out_dir, results)
    assert new_id != batch.batch_id
    page = client.get("/n/d:d0003").text  # the same nomination (KC2020-0001) under its new document id
    assert "面向边缘计算的低功耗神经网络芯片" in page and "背面有章" in page
    assert "已确认" in client.get("/n/d:d0004").text
    listing = client.get("/?state=open").text
    assert "d0004" not in listing


# -- the list: filters and states ---------------------------------------------------------


def idents(html: str) -> set[str]:
    return set(re.findall(r'data-href="/n/([^"?]+)', html))


@pytest.mark.parametrize(("query", "expected"), [
    ("", {"d%3Ad0001", "d%3Ad0002", "d%3Ad0003", "d%3Ad0004", "r%3AKC2020-0005"}),
    ("domain=电子信息", {"d%3Ad0001", "r%3AKC2020-0005"}),
    ("code=MISMATCH", {"d%3Ad0002"}),
    ("code=QUOTA_EXCEEDED", {"d%3Ad0001", "r%3AKC2020-0005"}),
    ("unit=中国药学会", {"d%3Ad0002"}),
    ("state=clean", {"d%3Ad0003"}),
    ("q=数控", {"d%3Ad0003"}),
    ("q=kc2020-0005", {"r%3AKC2020-0005"}),
    ("domain=电子信息&code=NO_PAPER", {"r%3AKC2020-0005"}),  # domain=: the old name, old links keep working
    ("group=电子信息", {"d%3Ad0001", "r%3AKC2020-0005"}),
    ("group=生物医药", {"d%3Ad0002"}),
])
def test_list_filters(reader: TestClient, query: str, expected: set[str]) -> None:
    assert idents(reader.get(f"/?{query}").text) == expected


def test_list_state_follows_decisions(client: TestClient) -> None:
    token = login(client)
    assert "d%3Ad0004" in idents(client.get("/?state=open").text)
    decide(client, token, "d:d0004", "NO_ONLINE_RECORD::d0004", "dismiss", comment="已补录线上")
    assert "d%3Ad0004" not in idents(client.get("/?state=open").text)
    assert idents(client.get("/?state=dismissed").text) == {"d%3Ad0004"}
    decide(client, token, "d:d0002", PHONE_KEY, "confirm")
    decide(client, token, "d:d0002", "MISMATCH:tech_name:KC2020-0002", "dismiss", comment="OCR 误读")
    assert idents(client.get("/?state=confirmed").text) == {"d%3Ad0002"}


def test_nomination_pager_follows_the_filter(reader: TestClient) -> None:
    page = reader.get("/n/d:d0001?domain=电子信息").text  # an old link: the filter is kept under its new name
    assert 'href="/n/r%3AKC2020-0005?group=' in page
    assert "1 / 2" in page


def test_an_empty_store_says_what_to_run(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'empty.db'}")
    add_user(store, CLERK, CLERK_PASSWORD)
    client = client_for(str(tmp_path / "empty.db"))
    login(client)
    assert "尚无已完成的批次" in client.get("/").text


# -- the report button --------------------------------------------------------------------


def test_report_button_regenerates_with_the_decisions(client: TestClient, batch: WebBatch) -> None:
    token = login(client)
    decide(client, token, "d:d0001", SEAL_KEY, "dismiss", comment="章在背面-甲乙丙")
    r = client.post("/report", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/report/report.html"
    report = client.get("/report/report.html")
    assert report.status_code == 200
    assert "章在背面-甲乙丙" in report.text
    assert "章在背面-甲乙丙" in (batch.out_dir / "report.html").read_text(encoding="utf-8")


# -- users ---------------------------------------------------------------------------------


def test_passwords_are_salted_scrypt_hashes() -> None:
    a, b = hash_password("same-password-1"), hash_password("same-password-1")
    assert a != b and a.startswith("scrypt$") and "same-password-1" not in a
    assert verify_password("same-password-1", a) and not verify_password("same-password-2", a)
    assert not verify_password("same-password-1", "garbage") and not verify_password("x", "scrypt$1$1$1$zz$zz")


def test_add_user_refuses_short_passwords_bad_names_and_duplicates(batch: WebBatch) -> None:
    with pytest.raises(ConfigError, match="password too short"):
        add_user(batch.store, "wang", "short")
    with pytest.raises(ConfigError, match="user name"):
        add_user(batch.store, "wang fang", "long-enough-password")
    with pytest.raises(ConfigError, match="already exists"):
        add_user(batch.store, CLERK, "another-password-1")


def test_add_user_interactive_reads_stdin(batch: WebBatch) -> None:
    add_user_interactive(batch.db_url, "王芳", from_stdin=True, stdin=io.StringIO("审核专用的密码-2020\n"))
    assert authenticate(batch.store, "王芳", "审核专用的密码-2020")
    assert not authenticate(batch.store, "王芳", "审核专用的密码-2021")
    with pytest.raises(ConfigError, match="password too short"):
        add_user_interactive(batch.db_url, "li", from_stdin=True, stdin=io.StringIO("\n"))


def test_add_user_interactive_asks_twice(batch: WebBatch, monkeypatch: pytest.MonkeyPatch) -> None:
    answers = iter(["first-password-1", "other-password-2"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    with pytest.raises(ConfigError, match="differ"):
        add_user_interactive(batch.db_url, "zhao", from_stdin=False)
    assert not authenticate(batch.store, "zhao", "first-password-1")


def test_serve_refuses_a_store_without_users(tmp_path: Path) -> None:
    batch = make_batch(tmp_path, with_user=False)
    with pytest.raises(ConfigError, match="no review users yet; add one first: paperdesk user add"):
        serve(batch.db_url, port=0)


def test_cli_user_add(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from paperdesk.cli import main

    db = str(tmp_path / "cli.db")
    monkeypatch.setattr("sys.stdin", io.StringIO("一个足够长的密码-2020\n"))
    assert main(["user", "add", "wangfang", "--db", db, "--password-stdin"]) == 0
    assert authenticate(open_store(f"sqlite:///{db}"), "wangfang", "一个足够长的密码-2020")
    monkeypatch.setattr("sys.stdin", io.StringIO("another-password-1\n"))
    assert main(["user", "add", "wangfang", "--db", db, "--password-stdin"]) == 1
    assert "paperdesk: user wangfang already exists" in capsys.readouterr().err
