"""The review screen: FastAPI with server-rendered Jinja2 pages, in Chinese.

    paperdesk serve --db out/paperdesk.db     # http://127.0.0.1:8000/

Pages: ``/login``; ``/`` the batch's nominations with filters; ``/n/<ident>``
one nomination (page images or crops with the flagged areas outlined, paper
beside online, each finding with its evidence and a confirm / dismiss /
correct form, and each finding's review history); ``/report/`` the
regenerated report. Every POST carries the session's CSRF token (403
otherwise, checked before the body is read when there is no session at all);
every page but the login needs a logged-in user. Images are served only by
looking their path up in the batch's results and resolving it inside the
batch's output folder.

In front of the routes (``guards``): only the Host names the server was
started for (400), no request body over ``MAX_BODY_BYTES`` (413). Logins are
throttled per name and per address (``throttle``: 429 while waiting) and
failures logged with the name and address. Sessions are rows in the store
(``security``); logout revokes.

Cookies are ``Secure`` when the request came over https, or always with
``create_app(..., secure_cookies=True)`` (for a TLS-terminating proxy that
does not say ``X-Forwarded-Proto``).
"""

# No ``from __future__ import annotations`` here: FastAPI reads the route signatures at run time,
# and the dependency aliases (LoggedIn, CheckedForm) are local to create_app.

import datetime as dt
import logging
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

import uvicorn
from fastapi import Depends, FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select
from starlette.datastructures import FormData

from forms.errors import ConfigError, PaperdeskError
from paperdesk.options import db_url_from
from paperdesk.store import Batch, Store, as_utc, open_store, shown_url, utcnow
from paperdesk.web.guards import LOOPBACK_NAMES, BodyLimit, HostGuard, allowed_hosts
from paperdesk.web.keys import drop_stored_secret
from paperdesk.web.review import (
    ACTION_STATUS,
    BatchView,
    ListQuery,
    PreparedBatch,
    ReviewItem,
    field_rows,
    labels,
    prepare,
    resolve_inside,
)
from paperdesk.web.security import (
    CSRF_FIELD,
    LOGIN_COOKIE,
    SESSION_COOKIE,
    SESSION_IDLE_S,
    SESSION_MAX_AGE_S,
    SESSION_TOUCH_S,
    LoginCodec,
    Session,
    csrf_matches,
    new_csrf_token,
    new_session_token,
    token_hash,
)
from paperdesk.web.throttle import LoginThrottle
from paperdesk.web.users import authenticate, count_users, user_exists

log = logging.getLogger("paperdesk.web")

LOOPBACK_HOSTS = LOOPBACK_NAMES
FORM_MAX_FIELDS = 16
"""The screen's forms have at most seven fields; a post with more is not from them."""
FORM_TYPE = "application/x-www-form-urlencoded"
"""What the screen's forms send (no file uploads): a multipart body is refused before it is parsed or spooled."""
MAX_COMMENT_CHARS = 2000
"""A comment is a sentence or two for the report; longer input is cut, not stored whole."""
MAX_VALUE_CHARS = 10_000
"""A corrected value is at most a long section (the longest limit is 10000 字)."""

REPORT_FILES = {".html", ".png", ".jpg", ".jpeg", ".css", ".xlsx", ".csv", ".docx", ".json", ".svg"}
"""What ``/report/`` serves from the batch folder: the report and what it links to; never the store itself."""

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
PAGE_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
"""The screen's own pages load nothing inline: a value that slipped past escaping could not run."""
REPORT_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
              "script-src 'self' 'unsafe-inline'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'")
"""The generated report.html is one self-contained file with inline style (and maybe script)."""

WEB_DIR = resources.files("paperdesk") / "web"


class LoginRequired(Exception):
    """A page needs a logged-in user; answered with a redirect to the login page."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


class CsrfRefused(Exception):
    """A POST without the session's CSRF token; answered with 403."""


class FormTypeRefused(Exception):
    """A POST that is not a plain urlencoded form; answered with 415 before its body is read."""


@dataclass
class ReviewSettings:
    """How the app runs: the store, whether cookies are always Secure, the Host names it answers."""

    db_url: str
    secure_cookies: bool = False
    allowed_hosts: tuple[str, ...] = LOOPBACK_NAMES


def create_app(db: str, secure_cookies: bool = False, allowed_hosts: Iterable[str] = LOOPBACK_NAMES,
               throttle: LoginThrottle | None = None) -> FastAPI:
    """The review app on the store at ``db`` (path or SQLAlchemy URL), answering only requests whose Host
    is one of ``allowed_hosts`` (:func:`guards.allowed_hosts` makes the list ``serve`` uses)."""
    settings = ReviewSettings(db_url=db_url_from(db), secure_cookies=secure_cookies,
                              allowed_hosts=tuple(allowed_hosts))
    store = open_store(settings.db_url)
    drop_stored_secret(store)
    login_codec = LoginCodec()
    throttle = throttle or LoginThrottle()
    env = Environment(
        loader=FileSystemLoader(str(WEB_DIR / "templates")),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = _when
    env.filters["q"] = _quoted
    env.filters["num"] = _num
    app = FastAPI(title="paperdesk 审核", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.store = store
    app.state.throttle = throttle
    app.mount("/static", StaticFiles(directory=str(WEB_DIR / "static")), name="static")
    app.add_middleware(BodyLimit)
    app.add_middleware(HostGuard, allowed=settings.allowed_hosts)  # outermost
    cache: dict[tuple[int, str], PreparedBatch] = {}  # one batch's nominations, parsed once

    # -- sessions, auth, csrf -------------------------------------------------------------

    def logged_in(token: str) -> Session | None:
        """The live session of a cookie's token: in the store, not revoked, not idle or too old."""
        hashed = token_hash(token)
        row = store.web_session(hashed)
        if row is None or row.revoked_at is not None:
            return None
        now = utcnow()
        created, seen = as_utc(row.created_at), as_utc(row.last_seen)
        if created is None or seen is None or (now - created).total_seconds() > SESSION_MAX_AGE_S \
                or (now - seen).total_seconds() > SESSION_IDLE_S:
            return None
        if (now - seen).total_seconds() > SESSION_TOUCH_S:
            store.touch_web_session(hashed, now)
        return Session(csrf=row.csrf, user=row.user, token_hash=hashed)

    def read_session(request: Request) -> Session | None:
        """The request's session: a logged-in one from the store, else the pre-login cookie's, else None."""
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            found = logged_in(token)
            if found is not None:
                return found
        return login_codec.loads(request.cookies.get(LOGIN_COOKIE))

    def cookie(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
        response.set_cookie(name, value, max_age=max_age, path="/", httponly=True, samesite="strict",
                            secure=settings.secure_cookies or _is_https(request))

    def set_session(request: Request, response: Response, session: Session) -> None:
        """Give the browser a pre-login session (its cookie carries the login form's CSRF token only)."""
        cookie(request, response, LOGIN_COOKIE, login_codec.dumps(session), login_codec.max_age_s)

    def current_user(request: Request) -> str:
        session = read_session(request)
        if session is None or session.user is None or not user_exists(store, session.user):
            raise LoginRequired(_local_url(request))
        request.state.session = session
        return session.user

    async def checked_form(request: Request) -> FormData:
        session = read_session(request)
        if session is None:  # no session, no token can match: refused before the body is read
            raise CsrfRefused()
        if request.headers.get("content-type", "").split(";")[0].strip().lower() != FORM_TYPE:
            raise FormTypeRefused()
        form = await request.form(max_files=0, max_fields=FORM_MAX_FIELDS)
        given = form.get(CSRF_FIELD)
        if not csrf_matches(session.csrf, given if isinstance(given, str) else None):
            raise CsrfRefused()
        request.state.session = session
        return form

    LoggedIn = Annotated[str, Depends(current_user)]
    CheckedForm = Annotated[FormData, Depends(checked_form)]

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, exc: LoginRequired) -> Response:
        if request.method != "GET":
            return _page_response(env, "error.html", {"title": "请先登录", "message": "会话已过期，请重新登录。",
                                                      "user": None}, 401)
        return RedirectResponse(f"/login?{urlencode({'next': exc.next_url})}", status_code=303)

    @app.exception_handler(CsrfRefused)
    async def _csrf_refused(request: Request, exc: CsrfRefused) -> Response:
        return _page_response(env, "error.html", {
            "title": "请求被拒绝",
            "message": "表单缺少有效的安全令牌（CSRF）。请回到页面刷新后再试。",
            "user": None,
        }, 403)

    @app.exception_handler(FormTypeRefused)
    async def _form_type_refused(request: Request, exc: FormTypeRefused) -> Response:
        return _page_response(env, "error.html", {
            "title": "请求被拒绝",
            "message": "只接受本系统页面上的表单提交。",
            "user": None,
        }, 415)

    @app.middleware("http")
    async def _headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            if name == "Cache-Control" and request.url.path.startswith("/static/"):
                continue  # the script and style sheet may be cached; pages and images may not
            response.headers.setdefault(name, value)
        csp = REPORT_CSP if request.url.path.startswith("/report/") else PAGE_CSP
        response.headers.setdefault("Content-Security-Policy", csp)
        return response

    def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
        session: Session | None = getattr(request.state, "session", None) or read_session(request)
        fresh = session is None
        if session is None:
            session = Session.anonymous()
        context = {"csrf_token": session.csrf, "csrf_field": CSRF_FIELD, "user": session.user, **context}
        response = _page_response(env, name, context, status)
        if fresh:
            set_session(request, response, session)
        return response

    # -- the batch ------------------------------------------------------------------------

    def load_view() -> BatchView | None:
        """The latest finished batch with the decisions as they are now (results parsed once per batch)."""
        with store.session() as s:
            latest = s.execute(select(Batch.id, Batch.finished).where(Batch.finished.is_not(None))
                               .order_by(Batch.id.desc()).limit(1)).first()
            if latest is None:
                return None
            finished = as_utc(latest.finished)
            stamp = (int(latest.id), finished.isoformat() if finished else "")
            prepared = cache.get(stamp)
            if prepared is None:
                row = s.execute(select(Batch.out_dir, Batch.results).where(Batch.id == latest.id)).one()
                if not isinstance(row.results, dict):
                    return None
                prepared = prepare(stamp[0], Path(row.out_dir), row.results)
                cache.clear()  # only the latest batch is shown
                cache[stamp] = prepared
        decisions = {key: d.to_dict() for key, d in store.decisions().items()}
        return prepared.with_decisions(decisions)

    # -- pages ----------------------------------------------------------------------------

    @app.get("/login", response_class=HTMLResponse)
    def login_page(request: Request, next: str = "/") -> HTMLResponse:
        return render(request, "login.html", {"next": _safe_next(next), "error": None, "name": ""})

    @app.post("/login", response_class=HTMLResponse)
    def login(request: Request, form: CheckedForm) -> Response:
        name = str(form.get("name") or "").strip()
        password = str(form.get("password") or "")
        next_url = _safe_next(str(form.get("next") or "/"))
        address = request.client.host if request.client else "unknown"
        if not name or not password:
            return render(request, "login.html", {"next": next_url, "error": "用户名或密码错误。", "name": name}, 401)
        wait = throttle.begin(name, address)
        if wait > 0:
            log.warning("login for %r from %s refused: too many failed attempts (next try in %d s)",
                        name[:64], address, int(wait) + 1)
            minutes = max(1, -(-int(wait) // 60))
            refused = render(request, "login.html", {
                "next": next_url, "name": name,
                "error": f"登录失败次数过多，请 {minutes} 分钟后再试。"}, 429)
            refused.headers["Retry-After"] = str(int(wait) + 1)
            return refused
        if not authenticate(store, name, password):
            log.warning("failed login for %r from %s", name[:64], address)
            return render(request, "login.html", {"next": next_url, "error": "用户名或密码错误。", "name": name}, 401)
        throttle.succeeded(name, address)
        old: Session | None = getattr(request.state, "session", None)
        if old is not None and old.token_hash is not None:
            store.revoke_web_sessions(token_hash=old.token_hash)
        token = new_session_token()  # a new token and a new CSRF token: no fixation
        store.add_web_session(token_hash(token), name, new_csrf_token())
        store.drop_web_sessions_before(utcnow() - dt.timedelta(seconds=SESSION_MAX_AGE_S))
        log.info("login for %r from %s", name, address)
        response = RedirectResponse(next_url, status_code=303)
        cookie(request, response, SESSION_COOKIE, token, SESSION_MAX_AGE_S)
        response.delete_cookie(LOGIN_COOKIE, path="/")
        return response

    @app.post("/logout")
    def logout(request: Request, form: CheckedForm) -> Response:
        session: Session = request.state.session
        if session.token_hash is not None:
            store.revoke_web_sessions(token_hash=session.token_hash)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        set_session(request, response, Session.anonymous())
        return response

    @app.get("/", response_class=HTMLResponse)
    def nomination_list(request: Request, user: LoggedIn) -> HTMLResponse:
        view = load_view()
        if view is None:
            return render(request, "empty.html", {"db": shown_url(settings.db_url)})
        query = ListQuery.from_params(dict(request.query_params))
        shown = view.filtered(query)
        return render(request, "list.html", {
            "view": view,
            "query": query,
            "items": shown,
            "choices": view.choices(),
            "qs": _qs(query),
            "l": labels(view.template),
        })

    @app.get("/n/{ident:path}", response_class=HTMLResponse)
    def nomination_page(request: Request, ident: str, user: LoggedIn) -> HTMLResponse:
        view = load_view()
        item = view.item(ident) if view is not None else None
        if view is None or item is None:
            return render(request, "error.html", {"title": "未找到", "message": "该推荐表不在当前批次中。"}, 404)
        query = ListQuery.from_params(dict(request.query_params))
        history = store.decision_history({f.subject for f in item.findings})
        steps = {f.key: [e.to_dict() for e in history.get((f.subject, f.key), [])] for f in item.findings}
        previous, following = view.neighbours(ident, query)
        shown = view.filtered(query)
        position = next((i + 1 for i, it in enumerate(shown) if it.ident == ident), None)
        return render(request, "nomination.html", {
            "view": view,
            "item": item,
            "rows": field_rows(item, view.template) if item.kind == "document" else [],
            "pages": _page_figures(view, item),
            "previous": previous,
            "following": following,
            "position": position,
            "total": len(shown),
            "qs": _qs(query),
            "l": labels(view.template),
            "error": request.query_params.get("error"),
            "history": steps,
        })

    @app.post("/decide")
    def decide(request: Request, user: LoggedIn, form: CheckedForm) -> Response:
        ident = str(form.get("n") or "")
        key = str(form.get("key") or "")
        action = str(form.get("action") or "")
        comment = str(form.get("comment") or "").strip()[:MAX_COMMENT_CHARS]
        value = str(form.get("value") or "").strip()[:MAX_VALUE_CHARS]
        back = _safe_query(str(form.get("back") or ""))
        view = load_view()
        item = view.item(ident) if view is not None else None
        finding = item.finding(key) if item is not None else None
        if item is None or finding is None:
            return render(request, "error.html", {"title": "未找到", "message": "该问题已不在当前批次中。"}, 404)
        error = None
        if action == "reopen":
            store.reopen(finding.subject, key, user, comment=comment)
        elif action not in ACTION_STATUS:
            error = "未知操作。"
        elif action == "dismiss" and not comment:
            error = "排除问题时请填写理由。"
        elif action == "correct" and not value:
            error = "更正时请填写纸质表上的正确内容。"
        else:
            store.decide(finding.subject, key, ACTION_STATUS[action], user, comment=comment,
                         corrected_value=value if action == "correct" else None)
        target = f"/n/{quote(ident, safe=':')}"
        params = dict(back)
        if error:
            params["error"] = error
        anchor = f"#f{finding.index}"
        if not error:
            later = [f for f in item.findings if f.index > finding.index and f.state == "open" and f.key != key]
            anchor = f"#f{later[0].index}" if later else anchor
        return RedirectResponse(f"{target}?{urlencode(params)}{anchor}" if params else f"{target}{anchor}",
                                status_code=303)

    @app.post("/report")
    def regenerate(request: Request, user: LoggedIn,
                   form: CheckedForm) -> Response:
        try:
            from paperdesk.runner import regenerate_reports

            out = regenerate_reports(settings.db_url, None)
        except (ImportError, PaperdeskError, OSError) as exc:
            return render(request, "error.html", {"title": "报告生成失败", "message": str(exc)}, 500)
        report = Path(out) / "report.html" if Path(out).is_dir() else Path(out)
        return RedirectResponse(f"/report/{quote(report.name)}", status_code=303)

    @app.get("/report/{name:path}")
    def report_file(request: Request, name: str, user: LoggedIn) -> Response:
        view = load_view()
        path = resolve_inside(view.out_dir, name or "report.html") if view is not None else None
        if path is None or path.suffix.lower() not in REPORT_FILES:
            return render(request, "error.html", {"title": "未找到", "message": "没有该报告文件。"}, 404)
        return FileResponse(path)

    @app.get("/crop")
    def crop(request: Request, n: str, k: str, user: LoggedIn) -> Response:
        view = load_view()
        item = view.item(n) if view is not None else None
        if view is None or item is None:
            return Response("not found", status_code=404, media_type="text/plain")
        path = view.crop_path(item, k)
        if path is not None:
            return FileResponse(path)
        stored = _stored_crop(store, view.batch_id, item, k)  # the out folder was moved or cleaned
        if stored is None:
            return Response("not found", status_code=404, media_type="text/plain")
        return Response(stored, media_type="image/png")

    @app.get("/page")
    def page_image(request: Request, n: str, p: int, user: LoggedIn) -> Response:
        view = load_view()
        item = view.item(n) if view is not None else None
        found = view.page_image(item, p) if view is not None and item is not None else None
        if found is None or view is None or item is None:
            return Response("not found", status_code=404, media_type="text/plain")
        if found[0] is not None:
            return FileResponse(found[0])
        stored = _stored_preview(store, view.batch_id, item, p)  # the out folder was moved or cleaned
        if stored is None:
            return Response("not found", status_code=404, media_type="text/plain")
        return Response(stored, media_type="image/jpeg")

    return app


def serve(db: str, host: str = "127.0.0.1", port: int = 8000, secure_cookies: bool = False,
          allowed_host: Iterable[str] = ()) -> None:
    """Run the review screen with uvicorn until Ctrl-C. Refuses a store without users (no default password).
    Answers the Host names of ``host`` (loopback names for a loopback address) and ``allowed_host``."""
    names = allowed_hosts(host, allowed_host)
    if not names:
        raise ConfigError(f"listening on {host} answers no host name: add --allowed-host NAME "
                          "(the name clerks or the proxy use to reach this machine)")
    app = create_app(db, secure_cookies=secure_cookies, allowed_hosts=names)
    store: Store = app.state.store
    masked = shown_url(store.url)
    if count_users(store) == 0:
        raise ConfigError(f"no review users yet; add one first: paperdesk user add NAME --db {masked}")
    if store.latest_finished_batch() is None:
        print(f"paperdesk: the store {masked} has no finished batch yet; the screen will say so", file=sys.stderr)
    if host not in LOOPBACK_HOSTS:
        print(f"paperdesk: listening on {host}, reachable from other machines; put it behind https", file=sys.stderr)
    shown = f"[{host}]" if ":" in host else host
    print(f"Review screen: http://{shown}:{port}/  (Ctrl-C to stop)", file=sys.stderr)
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning")
    except OSError as exc:
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    except SystemExit as exc:  # uvicorn exits when it cannot bind
        raise ConfigError(f"cannot listen on {host}:{port} (in use?)") from exc


def _page_response(env: Environment, name: str, context: dict[str, Any], status: int) -> HTMLResponse:
    context.setdefault("csrf_token", "")
    context.setdefault("csrf_field", CSRF_FIELD)
    return HTMLResponse(env.get_template(name).render(**context), status_code=status)


PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _stored_crop(store: Store, batch_id: int, item: ReviewItem, key: str) -> bytes | None:
    """A crop from the batch's store (inline in its reading or in the page cache), for a paper
    nomination; None when there is none."""
    if item.kind != "document":
        return None
    data = store.stored_crop(batch_id, item.nomination.ident, key)
    return data if data is not None and data.startswith(PNG_MAGIC) else None


JPEG_MAGIC = b"\xff\xd8\xff"


def _stored_preview(store: Store, batch_id: int, item: ReviewItem, page: int) -> bytes | None:
    """A page preview from the batch's store, for a paper nomination; None when there is none."""
    if item.kind != "document":
        return None
    data = store.stored_preview(batch_id, item.nomination.ident, page)
    return data if data is not None and data.startswith(JPEG_MAGIC) else None


def _page_figures(view: BatchView, item: ReviewItem) -> list[dict[str, Any]]:
    """The nomination's stored page images with the flagged boxes on them (page pixels)."""
    pages = item.nomination.pages
    out = []
    flagged = _flagged_boxes(item)
    for number in pages:
        if not isinstance(number, int):
            continue
        found = view.page_image(item, number)
        if found is None:
            continue
        _, width, height = found
        out.append({"number": number, "width": width, "height": height,
                    "boxes": [b for b in flagged if b["page"] == number]})
    return out


def _flagged_boxes(item: ReviewItem) -> list[dict[str, Any]]:
    fields = item.document.get("fields")
    fields = fields if isinstance(fields, dict) else {}
    seals = item.document.get("seals")
    seals = seals if isinstance(seals, dict) else {}
    boxes = []
    for f in item.findings:
        page, bbox = f.finding.get("page"), f.finding.get("bbox")
        if (page is None or not bbox) and f.field:
            source = fields.get(f.field) or seals.get(f.field) or {}
            if isinstance(source, dict):
                page, bbox = page or source.get("page"), bbox or source.get("bbox")
        if isinstance(page, int) and isinstance(bbox, list) and len(bbox) == 4 and all(isinstance(v, int) for v in bbox):
            x0, y0, x1, y1 = bbox
            boxes.append({"page": page, "x": x0, "y": y0, "w": max(x1 - x0, 1), "h": max(y1 - y0, 1),
                          "index": f.index, "state": f.state, "code": f.code})
    return boxes


def _qs(query: ListQuery) -> str:
    params = query.params()
    return "?" + urlencode(params) if params else ""


def _safe_next(value: str) -> str:
    """Only a local path: no scheme, no host, no ``//`` (no open redirect after login)."""
    if not value.startswith("/") or value.startswith("//") or "\\" in value or "\n" in value or "\r" in value:
        return "/"
    return value


def _safe_query(value: str) -> dict[str, str]:
    """The list filters carried back after a decision (only the known ones)."""
    from urllib.parse import parse_qsl

    return ListQuery.from_params(dict(parse_qsl(value.lstrip("?")))).params()


def _local_url(request: Request) -> str:
    url = request.url.path
    return f"{url}?{request.url.query}" if request.url.query else url


def _is_https(request: Request) -> bool:
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto", "") == "https"


def _quoted(value: Any) -> str:
    """One URL path segment or query value: everything but letters, digits and ``-._~`` escaped, ``/`` too
    (a record id ``../../x`` must stay inside its segment, not be normalised away by the browser)."""
    return quote(str(value), safe="")


def _num(value: Any) -> str:
    """A score or confidence to two decimals; "" for anything that is not a number (a missing key)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return ""
    return f"{value:.2f}"


def _when(value: Any) -> str:
    """A decision time as the clerk reads it: local time, to the minute."""
    if not isinstance(value, str) or not value:
        return ""
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")

