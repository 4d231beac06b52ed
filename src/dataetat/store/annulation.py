"""« Annuler le dernier import »: restore the previous state a Chorus import replaced, in one transaction.

    lots = annulables(conn, "53")                     # the lots this région may undo
    bilan = annuler(conn, lot_id, "agent@x.fr", "53", apres=etiquetage.reapply)

The lot's rows (`ae_annee` and `cp` rows of its imports) are deleted, the rows it replaced
(`ae_annee_avant`, `cp_avant`, see store/remplacement.py) are put back with their ids, the
engagements left without any year are removed, the read model is rebuilt for every EJ/poste
concerned, the tags re-applied (`apres`), the lot marked `annule` and the event audited. Only a lot
still `annulable` can be undone: a later import of one of its feeds, or a first undo, ends that.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dataetat.store import audit, readmodel
from dataetat.store.remplacement import (
    _AE,
    _CP,
    _ENGAGEMENT_KEY,
    ANNULABLE,
    ANNULE,
    Flux,
    _drop_copy,
    import_lot,
    lot_flux,
)

AUDIT_ACTION = "annulation-import"
_TEMP = ("touched", "cp_deleted", "current_imports")


class AnnulationImpossible(ValueError):
    """The lot cannot be undone; the French message says why."""


@dataclass(frozen=True)
class Lot:
    id: int
    import_ids: list[int]
    qui: str | None
    quand: datetime
    statut: str
    annule_par: str | None
    annule_le: datetime | None
    flux: list[Flux]

    @property
    def regions(self) -> set[str]:
        return {f.source_region for f in self.flux}


def _lot(conn: Connection, row) -> Lot:
    return Lot(
        id=row.id,
        import_ids=[int(i) for i in row.import_ids.split(",")],
        qui=row.qui,
        quand=row.quand,
        statut=row.statut,
        annule_par=row.annule_par,
        annule_le=row.annule_le,
        flux=lot_flux(conn, row.id),
    )


def get(conn: Connection, lot_id: int) -> Lot | None:
    row = conn.execute(sa.select(import_lot).where(import_lot.c.id == lot_id)).first()
    return _lot(conn, row) if row else None


def in_scope(lot: Lot, region: str | None) -> bool:
    """A regional identity may undo only a lot all of whose feeds are its région's."""
    return region is None or lot.regions <= {region.zfill(2)}


def lots_of_imports(conn: Connection, import_ids: list[int]) -> dict[int, Lot]:
    """import id → its lot (for the history), for the lots holding any of these imports."""
    if not import_ids:
        return {}
    wanted = {int(i) for i in import_ids}
    # A lot's id is its first import id and its files' ids follow it closely.
    span = import_lot.c.id.between(min(wanted) - 1000, max(wanted))
    rows = conn.execute(sa.select(import_lot).where(span)).all()
    found: dict[int, Lot] = {}
    for row in rows:
        ids = {int(i) for i in row.import_ids.split(",")}
        if ids & wanted:
            lot = _lot(conn, row)
            found.update({i: lot for i in ids})
    return found


def annulables(conn: Connection, region: str | None) -> list[Lot]:
    rows = conn.execute(
        sa.select(import_lot).where(import_lot.c.statut == ANNULABLE).order_by(import_lot.c.id.desc())
    ).all()
    return [lot for lot in (_lot(conn, r) for r in rows) if in_scope(lot, region)]


def find(conn: Connection, region: str, annee: int, data_source: str | None = None) -> Lot | None:
    """The lot that can be undone for (région, exercice[, feed]): the command line's way to name it."""
    for lot in annulables(conn, None):
        if any(
            f.source_region == region.zfill(2)
            and f.annee == annee
            and (data_source is None or f.data_source == data_source)
            for f in lot.flux
        ):
            return lot
    return None


def annuler(
    conn: Connection,
    lot_id: int,
    qui: str,
    region: str | None,
    *,
    apres: Callable[[Connection], object] | None = None,
) -> Lot:
    """Undo the lot (the caller's transaction); returns it as it was before the undo."""
    lot = get(conn, lot_id)
    if lot is None or not in_scope(lot, region):
        raise AnnulationImpossible(f"Aucun import n° {lot_id} que vous puissiez annuler.")
    if lot.statut == ANNULE:
        raise AnnulationImpossible(f"L'import n° {lot_id} a déjà été annulé.")
    if lot.statut != ANNULABLE:
        raise AnnulationImpossible(
            f"L'import n° {lot_id} ne peut plus être annulé : un import plus récent du même exercice "
            "l'a remplacé (seul le dernier import d'un exercice peut être annulé)."
        )
    ids = ", ".join(str(i) for i in lot.import_ids)
    key = ", ".join(_ENGAGEMENT_KEY)
    try:
        conn.exec_driver_sql(
            f"""CREATE TEMPORARY TABLE touched AS
                SELECT n_ej, n_poste_ej FROM ae_annee_avant WHERE lot_id = {lot.id}
                UNION SELECT e.n_ej, e.n_poste_ej FROM ae_annee a JOIN engagement e ON e.id = a.engagement_id
                      WHERE a.import_id IN ({ids})
                UNION SELECT n_ej, n_poste_ej FROM cp_avant WHERE lot_id = {lot.id} AND n_ej IS NOT NULL
                UNION SELECT n_ej, n_poste_ej FROM cp WHERE import_id IN ({ids}) AND n_ej IS NOT NULL"""
        )
        conn.exec_driver_sql(
            f"CREATE TEMPORARY TABLE cp_deleted AS SELECT id FROM cp WHERE import_id IN ({ids})"
        )
        conn.exec_driver_sql(f"DELETE FROM ae_annee WHERE import_id IN ({ids})")
        conn.exec_driver_sql(f"DELETE FROM cp WHERE import_id IN ({ids})")
        conn.exec_driver_sql(
            f"""INSERT INTO engagement (id, {key})
                SELECT DISTINCT s.engagement_id, s.source_region, s.n_ej, s.n_poste_ej
                FROM ae_annee_avant s WHERE s.lot_id = {lot.id} AND NOT EXISTS (SELECT 1 FROM engagement e
                    WHERE e.source_region = s.source_region AND e.n_ej = s.n_ej AND e.n_poste_ej = s.n_poste_ej)"""
        )
        values = ", ".join("e.id" if c == "engagement_id" else "s." + c for c in _AE)
        conn.exec_driver_sql(
            f"""INSERT INTO ae_annee ({", ".join(_AE)}) SELECT {values}
                FROM ae_annee_avant s JOIN engagement e ON e.source_region = s.source_region
                     AND e.n_ej = s.n_ej AND e.n_poste_ej = s.n_poste_ej
                WHERE s.lot_id = {lot.id}"""
        )
        conn.exec_driver_sql(
            f"INSERT INTO cp ({', '.join(_CP)}) SELECT {', '.join(_CP)} FROM cp_avant WHERE lot_id = {lot.id}"
        )
        conn.exec_driver_sql(
            """DELETE FROM engagement WHERE EXISTS (SELECT 1 FROM touched t
                   WHERE t.n_ej = engagement.n_ej AND t.n_poste_ej = engagement.n_poste_ej)
               AND NOT EXISTS (SELECT 1 FROM ae_annee a WHERE a.engagement_id = engagement.id)"""
        )
        # Payments without EJ are found through their import (readmodel's `current_imports`); their
        # lines are rebuilt whole, so the existing ones are deleted first (`cp_deleted`).
        conn.exec_driver_sql(
            f"""CREATE TEMPORARY TABLE current_imports AS
                SELECT DISTINCT import_id FROM cp_avant WHERE lot_id = {lot.id} AND n_ej IS NULL"""
        )
        conn.exec_driver_sql(
            """INSERT INTO cp_deleted SELECT id FROM cp
               WHERE n_ej IS NULL AND import_id IN (SELECT import_id FROM current_imports)"""
        )
        readmodel.refresh_touched(conn)
    finally:
        for name in _TEMP:
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")
    _drop_copy(conn, [lot.id])
    conn.execute(
        import_lot.update()
        .where(import_lot.c.id == lot.id)
        .values(statut=ANNULE, annule_par=qui, annule_le=datetime.now())
    )
    if apres is not None:
        apres(conn)
    audit.record(
        conn,
        AUDIT_ACTION,
        qui,
        region=region,
        details={
            "lot": lot.id,
            "imports": lot.import_ids,
            "flux": [f.as_json() for f in lot.flux],
        },
    )
    return lot
