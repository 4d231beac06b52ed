"""What a Chorus import replaces: compared before it is confirmed, kept after so it can be undone.

Inside the import transaction, around the replacement of the feeds (see store/chorus_import.py):

    remplacement.before(conn)                    # rows of the touched EJ/postes, CP rows to delete
    ... the importer replaces AE and CP ...
    flux = remplacement.compare(conn, ids)       # per (type, feed, région, exercice): lines and Σ
                                                 # replaced (« avant ») and written (« après »)
    remplacement.needs_confirmation(flux, options.confirmation)   # the web asks before replacing
    remplacement.keep(conn, ids, flux, qui, region)               # the lot and its previous state

The comparison is generic: a row of `ae_annee` of a touched EJ/poste that is no longer there after
the replacement (same engagement, feed, year and import) was replaced, whatever rule replaced it;
the CP rows replaced are those the importer deleted (`cp_deleted`). The previous state of a lot
(`ae_annee_avant`, `cp_avant`) is kept until a later import touches one of its feeds (the lot is
then `remplace` and its copy dropped); `annuler` restores it in one transaction, once (`annule`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dataetat.store.schema import MONTANT, ae_annee, cp, metadata

ANNULABLE, REMPLACE, ANNULE = "annulable", "remplace", "annule"

import_lot = sa.Table(
    "import_lot",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),  # the first import id of the lot
    sa.Column("import_ids", sa.String, nullable=False),  # "12,13": the files' import ids
    sa.Column("qui", sa.String),
    sa.Column("region", sa.String),  # the identity's région (None: national or command line)
    sa.Column("quand", sa.DateTime, nullable=False),
    sa.Column("statut", sa.String, nullable=False),  # annulable | remplace | annule
    sa.Column("annule_par", sa.String),
    sa.Column("annule_le", sa.DateTime),
)
import_lot_flux = sa.Table(
    "import_lot_flux",
    metadata,
    sa.Column("lot_id", sa.BigInteger, nullable=False),
    sa.Column("type", sa.String, nullable=False),  # ae | cp
    sa.Column("data_source", sa.String, nullable=False),
    sa.Column("source_region", sa.String, nullable=False),
    sa.Column("annee", sa.Integer, nullable=False),
    sa.Column("lignes_avant", sa.BigInteger, nullable=False),
    sa.Column("somme_avant", MONTANT, nullable=False),
    sa.Column("lignes_apres", sa.BigInteger, nullable=False),
    sa.Column("somme_apres", MONTANT, nullable=False),
)
_ENGAGEMENT_KEY = ("source_region", "n_ej", "n_poste_ej")
ae_annee_avant = sa.Table(
    "ae_annee_avant",
    metadata,
    sa.Column("lot_id", sa.BigInteger, nullable=False),
    *(sa.Column(name, sa.String if name != "n_poste_ej" else sa.Integer) for name in _ENGAGEMENT_KEY),
    *(sa.Column(c.name, c.type) for c in ae_annee.columns),
)
cp_avant = sa.Table(
    "cp_avant",
    metadata,
    sa.Column("lot_id", sa.BigInteger, nullable=False),
    *(sa.Column(c.name, c.type) for c in cp.columns),
)
_AE = [c.name for c in ae_annee.columns]
_CP = [c.name for c in cp.columns]
_TEMP = ("ae_before", "cp_before", "ae_replaced")


@dataclass(frozen=True)
class Flux:
    """One feed of one exercice an import replaces or writes, with its lines and Σ before and after."""

    type: str  # ae | cp
    data_source: str  # REGION | NATION
    source_region: str
    annee: int
    lignes_avant: int
    somme_avant: Decimal
    lignes_apres: int
    somme_apres: Decimal

    @property
    def key(self) -> tuple[str, str, str, int]:
        return (self.type, self.data_source, self.source_region, self.annee)

    def as_json(self) -> dict[str, Any]:
        return asdict(self) | {"somme_avant": float(self.somme_avant), "somme_apres": float(self.somme_apres)}


@dataclass(frozen=True)
class Confirmation:
    """How the web asks before replacing: `avant` None = the first check (ask when anything would be
    replaced); else the state the user confirmed (import only if it is still the state now)."""

    avant: list | None = None


def avant_of(flux: list[Flux]) -> list[list]:
    """What would be replaced, as plain JSON values (what the user confirms)."""
    return [
        [f.type, f.data_source, f.source_region, f.annee, f.lignes_avant, str(f.somme_avant)]
        for f in flux
        if f.lignes_avant
    ]


def needs_confirmation(flux: list[Flux], confirmation: Confirmation | None) -> bool:
    if confirmation is None:  # the command line: never asks
        return False
    if confirmation.avant is None:
        return bool(avant_of(flux))
    return [list(x) for x in confirmation.avant] != avant_of(flux)


def before(conn: Connection) -> None:
    """Copy (temporary) the rows the replacement may delete: the AE years of every touched EJ/poste
    (temp table `touched`) and the CP rows to delete (`cp_deleted`)."""
    conn.exec_driver_sql(
        f"""CREATE TEMPORARY TABLE ae_before AS
            SELECT e.source_region, e.n_ej, e.n_poste_ej, {", ".join("a." + c for c in _AE)}
            FROM ae_annee a JOIN engagement e ON e.id = a.engagement_id
            JOIN touched t ON t.n_ej = e.n_ej AND t.n_poste_ej = e.n_poste_ej"""
    )
    conn.exec_driver_sql(
        f"CREATE TEMPORARY TABLE cp_before AS SELECT {', '.join(_CP)} FROM cp "
        "WHERE id IN (SELECT id FROM cp_deleted)"
    )


def compare(conn: Connection, import_ids: list[int]) -> list[Flux]:
    """After the replacement: per feed, the lines and Σ replaced and those the import wrote."""
    ids = _ids_sql(import_ids)
    conn.exec_driver_sql(
        """CREATE TEMPORARY TABLE ae_replaced AS SELECT b.* FROM ae_before b WHERE NOT EXISTS (
               SELECT 1 FROM ae_annee a WHERE a.engagement_id = b.engagement_id
               AND a.data_source = b.data_source AND a.annee = b.annee AND a.import_id = b.import_id)"""
    )
    group = "data_source, source_region, annee"
    avant = conn.exec_driver_sql(
        f"""SELECT 'ae', {group}, COUNT(*), SUM(montant) FROM ae_replaced GROUP BY {group}
            UNION ALL SELECT 'cp', {group}, COUNT(*), SUM(montant) FROM cp_before GROUP BY {group}"""
    ).all()
    # Written rows: AE through the touched EJ/postes (indexed), CP as staged (one row per staged row).
    apres = conn.exec_driver_sql(
        f"""SELECT 'ae', a.data_source, e.source_region, a.annee, COUNT(*), SUM(a.montant)
            FROM ae_annee a JOIN engagement e ON e.id = a.engagement_id
            JOIN touched t ON t.n_ej = e.n_ej AND t.n_poste_ej = e.n_poste_ej
            WHERE a.import_id IN ({ids}) GROUP BY a.data_source, e.source_region, a.annee
            UNION ALL SELECT 'cp', {group}, COUNT(*), SUM(montant) FROM stg_cp GROUP BY {group}"""
    ).all()
    return _flux(avant, apres)


def _flux(avant, apres) -> list[Flux]:
    state: dict[tuple, list] = {}
    for position, rows in ((0, avant), (2, apres)):
        for kind, data_source, region, annee, count, total in rows:
            values = state.setdefault((kind, data_source, region, int(annee)), [0, Decimal(0), 0, Decimal(0)])
            values[position], values[position + 1] = int(count), Decimal(total or 0)
    return [Flux(*key, *values) for key, values in sorted(state.items())]


def keep(
    conn: Connection, import_ids: list[int], flux: list[Flux], qui: str | None, region: str | None
) -> int:
    """Record the lot and keep its previous state; the earlier lots of its feeds can no longer be
    undone (their copy is dropped). Returns the lot id."""
    lot_id = min(import_ids)
    keys = {f.key for f in flux}
    earlier = [
        lot for lot in _lots_with_status(conn, ANNULABLE) if keys & {f.key for f in lot_flux(conn, lot)}
    ]
    if earlier:
        conn.execute(import_lot.update().where(import_lot.c.id.in_(earlier)).values(statut=REMPLACE))
        _drop_copy(conn, earlier)
    conn.execute(
        import_lot.insert().values(
            id=lot_id,
            import_ids=",".join(str(int(i)) for i in sorted(import_ids)),
            qui=qui,
            region=region,
            quand=datetime.now(),
            statut=ANNULABLE,
        )
    )
    if flux:
        conn.execute(import_lot_flux.insert(), [{"lot_id": lot_id, **asdict(f)} for f in flux])
    names = ", ".join((*_ENGAGEMENT_KEY, *_AE))
    conn.exec_driver_sql(
        f"INSERT INTO ae_annee_avant (lot_id, {names}) SELECT {lot_id}, {names} FROM ae_replaced"
    )
    conn.exec_driver_sql(
        f"INSERT INTO cp_avant (lot_id, {', '.join(_CP)}) SELECT {lot_id}, {', '.join(_CP)} FROM cp_before"
    )
    drop_temp(conn)
    return lot_id


def drop_temp(conn: Connection) -> None:
    for name in _TEMP:
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")


def _ids_sql(import_ids: list[int]) -> str:
    return ", ".join(str(int(i)) for i in import_ids) or "NULL"


def _lots_with_status(conn: Connection, statut: str) -> list[int]:
    return list(conn.execute(sa.select(import_lot.c.id).where(import_lot.c.statut == statut)).scalars())


def _drop_copy(conn: Connection, lots: list[int]) -> None:
    conn.execute(ae_annee_avant.delete().where(ae_annee_avant.c.lot_id.in_(lots)))
    conn.execute(cp_avant.delete().where(cp_avant.c.lot_id.in_(lots)))


def lot_flux(conn: Connection, lot_id: int) -> list[Flux]:
    f = import_lot_flux.c
    rows = conn.execute(
        sa.select(
            f.type, f.data_source, f.source_region, f.annee,
            f.lignes_avant, f.somme_avant, f.lignes_apres, f.somme_apres,
        ).where(f.lot_id == lot_id).order_by(f.type, f.data_source, f.source_region, f.annee)
    ).all()  # fmt: skip
    return [Flux(*row) for row in rows]
