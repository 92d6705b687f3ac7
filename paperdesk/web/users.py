"""Review-screen users: ``paperdesk user add NAME`` and the login check.

There is no default user and no default password: ``paperdesk serve`` refuses
to start on a store without users and says how to add one. Passwords are
stored as scrypt hashes only (``security.hash_password``).
"""

from __future__ import annotations

import getpass
import re
import sys
from typing import TextIO

from sqlalchemy import func, select

from forms.errors import ConfigError
from paperdesk.options import db_url_from
from paperdesk.store import Store, User, open_store
from paperdesk.web.security import MIN_PASSWORD_LENGTH, dummy_verify, hash_password, verify_password

USER_NAME = re.compile(r"^[\w.@-]{1,64}$")
"""Letters (CJK too), digits and . @ - _; no spaces, so a name is one word in logs and on screen."""


def check_name(name: str) -> str:
    if not USER_NAME.match(name):
        raise ConfigError(f"user name {name!r}: use 1-64 letters, digits or . @ - _ (no spaces)")
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ConfigError(f"password too short: at least {MIN_PASSWORD_LENGTH} characters")
    if not password.strip():
        raise ConfigError("password is blank")
    return password


def add_user(store: Store, name: str, password: str) -> None:
    """Add a user; raises ConfigError for a bad name, a short password or a name already taken."""
    check_name(name)
    check_password(password)
    with store.session() as s:
        if s.scalar(select(User).where(User.name == name)) is not None:
            raise ConfigError(f"user {name} already exists")
        s.add(User(name=name, password_hash=hash_password(password)))


def set_password(store: Store, name: str, password: str) -> None:
    """Give an existing user a new password."""
    check_password(password)
    with store.session() as s:
        user = s.scalar(select(User).where(User.name == name))
        if user is None:
            raise ConfigError(f"no user {name}")
        user.password_hash = hash_password(password)


def authenticate(store: Store, name: str, password: str) -> bool:
    """Whether the name and password match a user (an unknown name takes as long as a wrong password)."""
    with store.session() as s:
        stored = s.scalar(select(User.password_hash).where(User.name == name))
    if stored is None:
        dummy_verify(password)
        return False
    return verify_password(password, stored)


def user_exists(store: Store, name: str) -> bool:
    with store.session() as s:
        return s.scalar(select(User.id).where(User.name == name)) is not None


def count_users(store: Store) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count(User.id))) or 0)


def add_user_interactive(db: str, name: str, from_stdin: bool, stdin: TextIO | None = None) -> None:
    """``paperdesk user add NAME --db DB``: ask the password twice (or read one line from stdin) and add the user."""
    check_name(name)
    if from_stdin:
        line = (stdin or sys.stdin).readline()
        password = line.rstrip("\r\n")
    else:
        password = getpass.getpass(f"Password for {name}: ")
        check_password(password)
        if getpass.getpass("Again: ") != password:
            raise ConfigError("the two passwords differ; nothing was changed")
    check_password(password)
    store = open_store(db_url_from(db))
    try:
        add_user(store, name, password)
    finally:
        store.dispose()
    print(f"User {name} added.", file=sys.stderr)
