"""Review-screen users: ``paperdesk user add|passwd|remove NAME`` and the login check.

There is no default user and no default password: ``paperdesk serve`` refuses
to start on a store without users and says how to add one. Passwords are
stored as scrypt hashes only (``security.hash_password``) and must pass
``security.password_problem``. A new password or a removed user ends every
session of that user at once (``web_sessions`` rows revoked).
"""

from __future__ import annotations

import getpass
import re
import sys
from typing import TextIO

from sqlalchemy import delete, func, select

from forms.errors import ConfigError
from paperdesk.options import db_url_from
from paperdesk.store import Store, User, open_store
from paperdesk.web.security import dummy_verify, hash_password, password_problem, verify_password

USER_NAME = re.compile(r"[\w.@-]{1,64}")
"""Letters (CJK too), digits and . @ - _; no spaces or control characters, so a name is one word in
logs and on screen and is typed the same at login (matched whole: a trailing newline is refused)."""


def check_name(name: str) -> str:
    if not USER_NAME.fullmatch(name):
        raise ConfigError(f"user name {name!r}: use 1-64 letters, digits or . @ - _ "
                          "(no spaces, no control characters) / 用户名只能由 1-64 个字母、数字或 . @ - _ 组成")
    return name


def check_password(password: str, name: str | None = None) -> str:
    problem = password_problem(password, name)
    if problem is not None:
        raise ConfigError(problem)
    return password


def add_user(store: Store, name: str, password: str) -> None:
    """Add a user; raises ConfigError for a bad name, a weak password or a name already taken."""
    check_name(name)
    check_password(password, name)
    with store.session() as s:
        if s.scalar(select(User).where(User.name == name)) is not None:
            raise ConfigError(f"user {name} already exists")
        s.add(User(name=name, password_hash=hash_password(password)))
    store.revoke_web_sessions(user=name)  # a name used before: its old sessions stay ended


def set_password(store: Store, name: str, password: str) -> None:
    """Give an existing user a new password; their open sessions end."""
    check_password(password, name)
    with store.session() as s:
        user = s.scalar(select(User).where(User.name == name))
        if user is None:
            raise ConfigError(f"no user {name}")
        user.password_hash = hash_password(password)
    store.revoke_web_sessions(user=name)


def remove_user(store: Store, name: str) -> None:
    """Remove a user; their open sessions end. Their decisions stay, under their name."""
    with store.session() as s:
        removed = s.execute(delete(User).where(User.name == name)).rowcount  # type: ignore[attr-defined]
    if not removed:
        raise ConfigError(f"no user {name}")
    store.revoke_web_sessions(user=name)


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


def read_new_password(name: str, from_stdin: bool, stdin: TextIO | None = None) -> str:
    """The password for ``user add`` / ``user passwd``: one line from stdin, or asked twice."""
    if from_stdin:
        line = (stdin or sys.stdin).readline()
        password = line.rstrip("\r\n")
    else:
        password = getpass.getpass(f"Password for {name}: ")
        check_password(password, name)
        if getpass.getpass("Again: ") != password:
            raise ConfigError("the two passwords differ; nothing was changed")
    return check_password(password, name)


def add_user_interactive(db: str, name: str, from_stdin: bool, stdin: TextIO | None = None) -> None:
    """``paperdesk user add NAME --db DB``: ask the password twice (or read one line from stdin) and add the user."""
    check_name(name)
    password = read_new_password(name, from_stdin, stdin)
    store = open_store(db_url_from(db))
    try:
        add_user(store, name, password)
    finally:
        store.dispose()
    print(f"User {name} added.", file=sys.stderr)


def set_password_interactive(db: str, name: str, from_stdin: bool, stdin: TextIO | None = None) -> None:
    """``paperdesk user passwd NAME --db DB``: a new password; the user's open sessions end."""
    store = open_store(db_url_from(db))
    try:
        if not user_exists(store, name):
            raise ConfigError(f"no user {name}")
        set_password(store, name, read_new_password(name, from_stdin, stdin))
    finally:
        store.dispose()
    print(f"Password of {name} changed; their open sessions are ended.", file=sys.stderr)


def remove_user_command(db: str, name: str) -> None:
    """``paperdesk user remove NAME --db DB``."""
    store = open_store(db_url_from(db))
    try:
        remove_user(store, name)
    finally:
        store.dispose()
    print(f"User {name} removed; their open sessions are ended.", file=sys.stderr)
