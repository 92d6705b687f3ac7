"""No signing secret in the store.

Earlier versions signed the session cookie with a secret kept in the store's
``web_settings`` table: whoever could read ``paperdesk.db`` could sign a cookie
as any clerk. Sessions now live in the store as hashes of random tokens
(``security``), and the only key left (for the pre-login form's cookie) is made
at start-up and kept in memory. :func:`drop_stored_secret` deletes the old
secret from a store that still has one, so a copy of the file made later
carries none.
"""

from __future__ import annotations

import logging

from sqlalchemy import column, delete, inspect, table
from sqlalchemy.exc import SQLAlchemyError

from forms.errors import StoreError
from paperdesk.store import Store

log = logging.getLogger("paperdesk.web")

LEGACY_TABLE = "web_settings"
LEGACY_SECRET = "session_secret"


def drop_stored_secret(store: Store) -> bool:
    """Delete the session-signing secret older versions kept in the store; returns whether there was one."""
    settings = table(LEGACY_TABLE, column("name"))
    try:
        if not inspect(store.engine).has_table(LEGACY_TABLE):
            return False
        with store.engine.begin() as conn:
            removed = conn.execute(delete(settings).where(settings.c.name == LEGACY_SECRET)).rowcount
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot remove the old session secret from {store.shown_url}: {exc}") from exc
    if removed:
        log.info("removed the old session-signing secret from %s", store.shown_url)
    return bool(removed)
