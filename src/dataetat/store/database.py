"""Database life cycle: create or upgrade the schema, load the bundled referentials."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from dataetat.referentiels.bundled import load_bundled
from dataetat.store import migrate, referentiels


def init(engine: Engine, *, force_referentiels: bool = False) -> dict[str, int]:
    """Schema at head; bundled referentials loaded when the base has none (or when forced)."""
    migrate.upgrade(engine)
    with engine.begin() as conn:
        if force_referentiels or referentiels.is_empty(conn):
            return referentiels.load(conn, load_bundled())
    return {}
