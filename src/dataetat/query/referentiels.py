"""What the referential tables hold: rows per table (the referentials page)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dataetat.store.schema import REFERENTIAL_TABLES


def counts(conn: Connection) -> dict[str, int]:
    return {
        kind: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
        for kind, table in REFERENTIAL_TABLES.items()
    }
