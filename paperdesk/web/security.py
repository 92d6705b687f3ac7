"""Passwords, sessions and CSRF tokens for the review screen.

- Passwords: ``hashlib.scrypt`` with a per-user random salt, stored as
  ``scrypt$n$r$p$salt_hex$hash_hex``; compared in constant time.
- Sessions: a cookie signed with itsdangerous (the secret is generated per
  store and kept in the store), HttpOnly, SameSite=Strict, Secure over https.
- CSRF: one random token per session, put in every form and checked on
  every POST (synchronizer token; the login form gets one too, from an
  anonymous session, so a login cannot be forged either).
"""

from __future__ import annotations

import hashlib
import hmac
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

SESSION_COOKIE = "paperdesk_session"
SESSION_MAX_AGE_S = 12 * 3600
"""A session lasts one working day; after that the clerk logs in again."""
SESSION_SALT = "paperdesk.session"
CSRF_FIELD = "csrf_token"
CSRF_BYTES = 32
SECRET_BYTES = 32
"""256-bit signing key, generated once per store."""


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


def new_secret() -> str:
    return secrets.token_hex(SECRET_BYTES)


def new_csrf_token() -> str:
    return secrets.token_urlsafe(CSRF_BYTES)


def csrf_matches(expected: str | None, given: str | None) -> bool:
    """Constant-time check of a form's token against the session's."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


@dataclass
class Session:
    """What the session cookie carries: who is logged in (None before login) and the CSRF token."""

    csrf: str
    user: str | None = None
    issued: float = field(default_factory=time.time)

    def to_dict(self) -> dict[str, Any]:
        return {"csrf": self.csrf, "user": self.user, "issued": self.issued}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Session:
        user = d.get("user")
        return cls(csrf=str(d["csrf"]), user=str(user) if user else None, issued=float(d.get("issued", 0)))

    @classmethod
    def anonymous(cls) -> Session:
        return cls(csrf=new_csrf_token())


class SessionCodec:
    """Signs and reads the session cookie with the store's secret."""

    def __init__(self, secret: str, max_age_s: int = SESSION_MAX_AGE_S) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt=SESSION_SALT)
        self.max_age_s = max_age_s

    def dumps(self, session: Session) -> str:
        return str(self._serializer.dumps(session.to_dict()))

    def loads(self, cookie: str | None) -> Session | None:
        """The session in a cookie, or None when it is missing, tampered with, expired or malformed."""
        if not cookie:
            return None
        try:
            data = self._serializer.loads(cookie, max_age=self.max_age_s)
        except BadSignature:  # also SignatureExpired, its subclass
            return None
        if not isinstance(data, dict) or not isinstance(data.get("csrf"), str):
            return None
        try:
            return Session.from_dict(data)
        except (KeyError, TypeError, ValueError):
            return None


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, length: int = HASH_BYTES) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=SCRYPT_MAXMEM, dklen=length)
