"""Passwords, sessions and CSRF tokens for the review screen.

- Passwords: ``hashlib.scrypt`` with a per-user random salt, stored as
  ``scrypt$n$r$p$salt_hex$hash_hex``; compared in constant time. A new
  password must pass :func:`password_problem` (length, not trivially weak).
- Logged-in sessions live in the store (``web_sessions``): the cookie carries
  only a random token, the store only the token's SHA-256. Logout, a removed
  user and a new password revoke them; they end after ``SESSION_IDLE_S``
  without a request and ``SESSION_MAX_AGE_S`` after login whatever happens.
  Nothing in the store can be turned into a working cookie.
- Before login, the login form's CSRF token rides in a cookie signed with a
  key made at start-up and kept in memory only (:class:`LoginCodec`); a
  restart only means reloading the login page.
- CSRF: one random token per session, put in every form and checked on
  every POST (synchronizer token; the login form gets one too, from the
  pre-login cookie, so a login cannot be forged either).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer

SCRYPT_N = 2**14
"""scrypt cost (CPU/memory): 16 MiB and ~50 ms per check, the interactive-login figure of the scrypt paper."""
SCRYPT_R = 8
SCRYPT_P = 1
SCRYPT_MAXMEM = 64 * 1024 * 1024
"""Room above the 16 MiB that N=2**14, r=8 needs (OpenSSL's default cap is 32 MiB)."""
SALT_BYTES = 16
"""128-bit salt: unique per user, so equal passwords never hash alike."""
HASH_BYTES = 32

MIN_PASSWORD_LENGTH = 10
"""Shorter passwords are refused: the screen shows applicants' personal contacts."""
MIN_DISTINCT_CHARACTERS = 4
"""``abababababab`` or ``1212121212`` is long but guessed at once: a password needs some variety."""
COMMON_PASSWORDS = frozenset({
    "password", "passw0rd", "p@ssw0rd", "p@ssword", "qwerty", "qwertyuiop", "1q2w3e4r", "1q2w3e4r5t", "1qaz2wsx",
    "1qaz2wsx3edc", "zaq12wsx", "iloveyou", "admin", "administrator", "welcome", "letmein", "monkey", "dragon",
    "football", "baseball", "sunshine", "princess", "trustno1", "abc123", "123qwe", "qwe123", "changeme", "secret",
    "default", "master", "paperdesk", "woaini", "woaini1314", "5201314", "1314520", "aini1314", "zhang", "wang",
    "china", "beijing", "shanghai", "clerk", "review", "user", "test", "guest", "root",
})
"""The commonest passwords (the tops of public leak lists, Chinese ones included) and this tool's own words;
a password that is one of them, or one of them padded with digits and punctuation, is refused."""
MIN_NAME_IN_PASSWORD = 2
"""A user name of two or more characters (a Chinese given name and surname) may not be inside the password."""
SEQUENCES = ("abcdefghijklmnopqrstuvwxyz", "01234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm", "1qaz2wsx3edc4rfv")
"""Runs a keyboard or the alphabet give for free (forwards and backwards)."""

SESSION_COOKIE = "paperdesk_session"
"""The logged-in session: a random token whose hash the store holds."""
LOGIN_COOKIE = "paperdesk_login"
"""Before login: the login form's CSRF token, signed with the running server's in-memory key."""
SESSION_MAX_AGE_S = 12 * 3600
"""A session lasts one working day at most; after that the clerk logs in again."""
SESSION_IDLE_S = 2 * 3600
"""A session left unused this long ends (a screen left open over lunch is still logged in; overnight is not)."""
SESSION_TOUCH_S = 60
"""``last_seen`` is written at most once a minute: idle time is measured to the minute, not one write per image."""
LOGIN_FORM_MAX_AGE_S = 3600
"""A login form older than an hour is refused (reload the page)."""
LOGIN_SALT = "paperdesk.login"
CSRF_FIELD = "csrf_token"
CSRF_BYTES = 32
TOKEN_BYTES = 32
"""256-bit session tokens: not guessable, so the token's hash can key the store's table."""
KEY_BYTES = 32
"""256-bit key for the pre-login cookie, made at start-up."""


def hash_password(password: str) -> str:
    """The password hashed with scrypt and a fresh salt, as one storable string."""
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches ``stored`` (from :func:`hash_password`); constant-time compare."""
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != "scrypt":
        return False
    try:
        n, r, p = int(parts[1]), int(parts[2]), int(parts[3])
        salt, expected = bytes.fromhex(parts[4]), bytes.fromhex(parts[5])
        digest = _scrypt(password, salt, n, r, p, length=len(expected))
    except ValueError:  # a malformed hash, or scrypt parameters out of range
        return False
    return hmac.compare_digest(digest, expected)


def dummy_verify(password: str) -> None:
    """Spend the time a real check takes (a login for an unknown user is not answered faster)."""
    _scrypt(password, b"\0" * SALT_BYTES, SCRYPT_N, SCRYPT_R, SCRYPT_P)


def password_problem(password: str, name: str | None = None) -> str | None:
    """Why a new password is refused (one line, English, for ``paperdesk user``), or None when it will do."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"password too short: at least {MIN_PASSWORD_LENGTH} characters"
    if not password.strip():
        return "password is blank"
    lowered = password.lower()
    if len(set(lowered)) < MIN_DISTINCT_CHARACTERS:
        return f"password too simple: it needs at least {MIN_DISTINCT_CHARACTERS} different characters"
    if any(lowered in run or lowered in run[::-1] for run in SEQUENCES):
        return "password too simple: it is a run of the alphabet, the digits or the keyboard"
    core = re.sub(r"^[\W\d_]+|[\W\d_]+$", "", lowered)
    if lowered in COMMON_PASSWORDS or (core and core in COMMON_PASSWORDS) or lowered.isdigit():
        return "password too common: it is on the lists attackers try first"
    if name and len(name) >= MIN_NAME_IN_PASSWORD and (name.lower() in lowered or lowered in name.lower()):
        return "password must not contain the user name"
    return None


def new_csrf_token() -> str:
    return secrets.token_urlsafe(CSRF_BYTES)


def new_session_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """What the store keeps of a session token (a store reader cannot turn it back into a cookie)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def csrf_matches(expected: str | None, given: str | None) -> bool:
    """Constant-time check of a form's token against the session's."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


@dataclass
class Session:
    """The request's session: who is logged in (None before login), its CSRF token and, once logged in,
    the hash of its token in the store."""

    csrf: str
    user: str | None = None
    issued: float = field(default_factory=time.time)
    token_hash: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"csrf": self.csrf, "issued": self.issued}

    @classmethod
    def anonymous(cls) -> Session:
        return cls(csrf=new_csrf_token())


class LoginCodec:
    """Signs and reads the pre-login cookie (CSRF token only, never a user) with a key held in memory."""

    def __init__(self, key: str | None = None, max_age_s: int = LOGIN_FORM_MAX_AGE_S) -> None:
        self._serializer = URLSafeTimedSerializer(key or secrets.token_hex(KEY_BYTES), salt=LOGIN_SALT)
        self.max_age_s = max_age_s

    def dumps(self, session: Session) -> str:
        return str(self._serializer.dumps(session.to_dict()))

    def loads(self, cookie: str | None) -> Session | None:
        """The pre-login session in a cookie, or None when it is missing, tampered with, expired or malformed."""
        if not cookie:
            return None
        try:
            data = self._serializer.loads(cookie, max_age=self.max_age_s)
        except BadSignature:  # also SignatureExpired, its subclass
            return None
        if not isinstance(data, dict) or not isinstance(data.get("csrf"), str):
            return None
        try:
            return Session(csrf=str(data["csrf"]), issued=float(data.get("issued", 0)))
        except (KeyError, TypeError, ValueError):
            return None


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, length: int = HASH_BYTES) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=SCRYPT_MAXMEM, dklen=length)
