"""The cache of Data Subvention's answers (`subvention_cache`): one row per identifier asked (a SIRET,
or an RNA), with its state, when it was fetched and the subsidies as a JSON list of normalised rows
(the fields the panels show; never a token, never a contact). Fetched on demand by
`query/subventions.py`, read again while younger than `data_subvention_ttl_heures`.

Only definite answers are kept (subsidies, none known, not an association): a failure (service
unavailable, token refused…) never overwrites a row, so the last good answer can still be shown
with its date.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dataetat.store.schema import metadata

subvention_cache = sa.Table(
    "subvention_cache",
    metadata,
    sa.Column("identifiant", sa.String, primary_key=True),  # SIRET (14 digits) or RNA (W + 9 digits)
    sa.Column("etat", sa.String, nullable=False),  # ok | aucune | pas-association
    sa.Column("recupere_le", sa.DateTime, nullable=False),
    sa.Column("donnees", sa.Text, nullable=False),  # JSON list of the subsidies (normalised rows)
)


@dataclass(frozen=True)
class Cached:
    etat: str
    recupere_le: datetime
    subventions: list[dict[str, Any]]


def read(conn: Connection, identifiant: str) -> Cached | None:
    row = conn.execute(
        sa.select(subvention_cache.c.etat, subvention_cache.c.recupere_le, subvention_cache.c.donnees).where(
            subvention_cache.c.identifiant == identifiant
        )
    ).first()
    if row is None:
        return None
    return Cached(row.etat, row.recupere_le, json.loads(row.donnees))


def write(
    conn: Connection, identifiant: str, etat: str, when: datetime, subventions: list[dict[str, Any]]
) -> None:
    """Replace the cached answer of `identifiant` (run it through `write_retrying`: two pages may
    fetch the same SIRET at once)."""
    conn.execute(subvention_cache.delete().where(subvention_cache.c.identifiant == identifiant))
    conn.execute(
        subvention_cache.insert().values(
            identifiant=identifiant,
            etat=etat,
            recupere_le=when,
            donnees=json.dumps(subventions, ensure_ascii=False, separators=(",", ":")),
        )
    )
