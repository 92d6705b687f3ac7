"""The session-signing secret: generated once per store and kept in it (never a built-in default).

Kept in its own small table, ``web_settings``, created on first use, so the
review screen needs nothing from the runner's tables beyond what they hold.
Every ``paperdesk serve`` on the same store signs with the same secret, so a
restart does not log the clerks out; a new store means new sessions.
"""

from __future__ import annotations

from sqlalchemy import String, Text, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Mapped, Session, mapped_column

from forms.errors import StoreError
from paperdesk.store import Base, Store
from paperdesk.web.security import new_secret

SESSION_SECRET = "session_secret"


class WebSetting(Base):
    __tablename__ = "web_settings"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


def session_secret(store: Store) -> str:
    """The store's signing secret, made (once, race-free) when the store has none."""
    try:
        WebSetting.__table__.create(store.engine, checkfirst=True)  # type: ignore[attr-defined]
        with Session(store.engine) as s:
            found = s.scalar(select(WebSetting.value).where(WebSetting.name == SESSION_SECRET))
            if found:
                return found
            s.add(WebSetting(name=SESSION_SECRET, value=new_secret()))
            try:
                s.commit()
            except IntegrityError:  # another server made it first: use theirs
                s.rollback()
            value = s.scalar(select(WebSetting.value).where(WebSetting.name == SESSION_SECRET))
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot read or create the session secret in {store.url}: {exc}") from exc
    if not value:
        raise StoreError(f"the store {store.url} has no session secret and none could be made")
    return value
