"""Plain ASGI middleware in front of the review app: what is refused before any route runs.

- :class:`HostGuard`: only the host names the server was started for (400 otherwise), so a page on
  another site that points its own name at 127.0.0.1 (DNS rebinding) cannot drive the screen.
- :class:`BodyLimit`: a request body larger than ``MAX_BODY_BYTES`` is refused with 413: by its
  Content-Length before a byte is read, and by counting when it is sent in chunks.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

log = logging.getLogger("paperdesk.web")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_BODY_BYTES = 128 * 1024
"""The largest form the screen posts is a decision: a 2000-字 comment and a 10000-字 correction, 9 bytes
a 字 urlencoded (3 UTF-8 bytes as %XX), 108 KB at most; nothing legitimate is larger."""
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
"""What a browser on the same machine calls a server bound to loopback."""

HOST_REFUSED = "访问地址（Host）不被允许。请用启动审核系统时给定的地址访问。 / Host not allowed."
BODY_REFUSED = "提交的内容过大，已拒绝。 / Request body too large."


class HostGuard:
    """Refuses (400) a request whose Host header is not one of ``allowed`` (port ignored)."""

    def __init__(self, app: ASGIApp, allowed: Iterable[str]) -> None:
        self.app = app
        self.allowed = frozenset(_bare(h) for h in allowed if h)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        host = _header(scope, b"host")
        if host is None or _bare(host) not in self.allowed:
            log.warning("request refused: Host %r is not one of %s", host, ", ".join(sorted(self.allowed)))
            await _plain(send, 400, HOST_REFUSED)
            return
        await self.app(scope, receive, send)


class BodyTooLarge(Exception):
    """A chunked body went past the limit while the app read it."""


class BodyLimit:
    """Refuses (413) a request body over ``limit`` bytes: at once by Content-Length, or while it streams."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = _header(scope, b"content-length")
        if length is not None:
            if not length.strip().isdigit():
                await _plain(send, 400, "Content-Length 无效。 / Bad Content-Length.")
                return
            if int(length) > self.limit:
                log.warning("request refused: body of %s bytes over the %d-byte limit (%s %r)",
                            length, self.limit, scope.get("method"), scope.get("path"))
                await _plain(send, 413, BODY_REFUSED)
                return
        seen = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise BodyTooLarge()
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except BodyTooLarge:
            log.warning("request refused: streamed body over the %d-byte limit (%s %r)",
                        self.limit, scope.get("method"), scope.get("path"))
            if not started:
                await _plain(send, 413, BODY_REFUSED)


def allowed_hosts(host: str, extra: Iterable[str] = ()) -> list[str]:
    """The Host names a server bound to ``host`` answers: loopback names for a loopback address, the
    address itself otherwise, plus ``extra`` (``--allowed-host``: the name a proxy or the clerks use)."""
    names = [*LOOPBACK_NAMES] if _bare(host) in LOOPBACK_NAMES else []
    if host not in ("0.0.0.0", "::", ""):
        names.append(host)
    return [*names, *extra]


def _bare(host: str) -> str:
    """A Host header's name without port or IPv6 brackets, lower case."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:host.find("]")] if "]" in host else host
    if host.count(":") == 1:
        return host.split(":", 1)[0]
    return host  # a bare IPv6 address, or a name without port


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return bytes(value).decode("latin-1")
    return None


async def _plain(send: Send, status: int, text: str) -> None:
    body = text.encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()), (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
