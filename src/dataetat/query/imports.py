"""The history of imports (table import_fichier), region-scoped, for the upload page.

history(conn, "53")          # the imports of région 53, newest first
history(conn, None, 20)      # every import (national identity)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dataetat.store.schema import import_fichier as t

HISTORY_LIMIT = 50

KINDS = {
    "chorus-ae": "Engagements (AE)",
    "chorus-cp": "Paiements (CP)",
    "sirene": "Bénéficiaires (SIRENE)",
    "ademe": "Aides de l'ADEME",
    "france2030": "Lauréats France 2030",
    "qpv-lieu-action": "QPV du lieu de l'action",
    "pvd": "Petites villes de demain",
    "acv": "Action cœur de ville",
    "qpv": "Contours des QPV",
    "siret-qpv": "SIRET en QPV",
    "tags": "Étiquettes manuelles",
    "decp": "Commande publique (DECP)",
}


@dataclass(frozen=True)
class ImportRow:
    id: int
    imported_at: datetime
    filename: str
    kind: str
    annee: int | None
    source_region: str | None
    data_source: str | None
    lignes_lues: int | None
    lignes_importees: int | None
    lignes_rejetees: int | None
    somme_ae: Decimal | None
    somme_cp: Decimal | None

    @property
    def kind_label(self) -> str:
        if self.kind.startswith("referentiel:"):
            return f"Référentiel {self.kind.split(':', 1)[1]}"
        return KINDS.get(self.kind, self.kind)

    @property
    def regions(self) -> str:
        """ "53" or "52, 53" (a national file brings several régions)."""
        return ", ".join((self.source_region or "").split(",")) or "—"


def _in_region(region: str) -> sa.ColumnElement[bool]:
    """source_region holds one code or a comma-separated list (a national file): match one of them."""
    padded = sa.literal(",") + sa.func.coalesce(t.c.source_region, "") + sa.literal(",")
    return padded.like(sa.bindparam("region_motif", f"%,{region.zfill(2)},%"))


def history(conn: Connection, region: str | None, limit: int = HISTORY_LIMIT) -> list[ImportRow]:
    """The latest imports the identity may see (a regional identity: those bringing its région's
    lines; national: all, referentials included), newest first."""
    query = sa.select(*(t.c[name] for name in ImportRow.__dataclass_fields__))
    if region is not None:
        query = query.where(_in_region(region))
    rows = conn.execute(query.order_by(t.c.imported_at.desc(), t.c.id.desc()).limit(limit)).mappings()
    return [ImportRow(**row) for row in rows]


def latest_by_sha256(conn: Connection, sha256: str) -> ImportRow | None:
    """The latest import of the file with this content (what an import job just recorded)."""
    row = (
        conn.execute(
            sa.select(*(t.c[name] for name in ImportRow.__dataclass_fields__))
            .where(t.c.sha256 == sha256)
            .order_by(t.c.id.desc())
            .limit(1)
        )
        .mappings()
        .first()
    )
    return ImportRow(**row) if row else None
