"""Tag rules re-applied to the read model in one set-based statement (being written: see issue 6)."""

from __future__ import annotations

from sqlalchemy.engine import Connection


def reapply(conn: Connection) -> int:
    """Recompute `ligne.tags` from the active rules and the manual tags; returns the lines tagged."""
    raise NotImplementedError
