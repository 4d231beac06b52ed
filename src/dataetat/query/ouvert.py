"""Open aggregates (anonymous, no account) and THE statistical secrecy rule.

    cellules(conn, "departement", seuil=3)                  # every published cell of that level
    cellules(conn, "commune", seuil=3, code="35238")        # one commune's cells
    rafraichir(conn, seuil=3)                               # in an import's transaction

A cell is (jeu, niveau, zone, exercice, programme) with Σ AE, Σ CP and its number of lines, where a
« jeu » is a source of the catalogue and the région of its files (chorus-region 53, ademe 53…), so
that the cells of one dataset are exactly a subset of the whole and never computed two ways.

Each line lands in ONE zone per level, so that cells add up: its beneficiary's commune (and that
commune's EPCI, département, région), else its localisation interministérielle; for QPVs, the QPV
where it lands (`qpv_code`: its lieu d'action, else its beneficiary's). This differs from the
internal territory page, where a line is in every zone one of its places is in.

The secrecy rule (query/ouvert_secret.py; docs/ouvert.md) — nothing else publishes open figures:
1. a cell with fewer than `seuil` distinct beneficiaries (SIRET; lines without one count for none)
   is not published as such: its lines go into the cell « autres » of its (jeu, zone, exercice);
2. when that « autres » cell itself has fewer than `seuil` beneficiaries (but lines), the smallest
   published cell of the group joins it; when there is no published cell left, the whole group is
   withheld;
3. secondary suppression across the levels: more cells are masked until no cell under the threshold
   can be obtained by subtraction (a parent's cell minus its children's, « autres » minus what is
   known of it), followed from one equation to the next;
4. what is published (the thèmes, the years, the territory's key figures) is only sums of published
   cells.

The published cells of every level are computed together (`ouvert_calcul.calculer`, the secondary
rule looks at all levels at once) and stored in `ouvert_cellule` by `rafraichir`, which every import
runs in its transaction (query/apres_import.py). `cellules` reads them when they were computed with
the same threshold, else computes them live: both give the same cells.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime

import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dataetat.query.ouvert_calcul import (  # noqa: F401 (the API of the open aggregates)
    AUTRES,
    AUTRES_LIBELLE,
    FAMILLES,
    NIVEAUX,
    SANS_PROGRAMME,
    Cellule,
    calculer,
    famille_expr,
    ordre,
)
from dataetat.store.engine import insert_arrow, is_duckdb
from dataetat.store.ouvert_schema import ouvert_cellule, ouvert_etat
from dataetat.store.schema import ref_commune

FIELDS = [c.name for c in ouvert_cellule.columns]


def zones_dans(niveau: str, parent: str, code: str) -> sa.Select | list[str]:
    """The zones of `niveau` in (or containing) the zone `parent` `code`, by the communes of the COG
    referential (an EPCI over two départements is in both)."""
    if niveau == parent:
        return [code]
    columns = {"commune": ref_commune.c.code, "departement": ref_commune.c.code_departement,
               "region": ref_commune.c.code_region, "epci": ref_commune.c.code_epci}  # fmt: skip
    if niveau not in columns or parent not in columns:
        raise ValueError(f"pas de zones {niveau} dans un {parent}")
    return sa.select(columns[niveau]).where(columns[parent] == code).distinct()


def seuil_stocke(conn: Connection) -> int | None:
    """The threshold of the stored cells (None: never computed)."""
    return conn.execute(sa.select(ouvert_etat.c.seuil).where(ouvert_etat.c.id == 1)).scalar_one_or_none()


def rafraichir(conn: Connection, seuil: int) -> int:
    """Recompute and store every published cell (in the caller's transaction: an import's); returns
    how many. On PostgreSQL an advisory lock makes two imports refresh one after the other, the
    second seeing the first's lines."""
    seuil = max(seuil, 1)
    if not is_duckdb(conn):
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext('ouvert_cellule'))"))
    start = time.perf_counter()
    cells = calculer(conn, seuil)
    conn.execute(ouvert_cellule.delete())
    columns = {f: [getattr(x, f) for x in cells] for f in FIELDS}
    types = {"annee": pa.int32(), "lignes": pa.int64(), "beneficiaires": pa.int32(),
             "montant_ae": pa.decimal128(18, 2), "montant_cp": pa.decimal128(18, 2)}  # fmt: skip
    data = pa.table({f: pa.array(v, type=types.get(f, pa.string())) for f, v in columns.items()})
    insert_arrow(conn, ouvert_cellule.name, data)
    conn.execute(ouvert_etat.delete())
    conn.execute(
        ouvert_etat.insert().values(
            id=1, seuil=seuil, calcule_le=datetime.now(), secondes=time.perf_counter() - start
        )
    )
    return len(cells)


def stockees(
    conn: Connection, niveau: str | None = None, *, code: str | None = None, familles: list[str] | None = None,
    region: str | None = None, dans: tuple[str, str] | None = None,
) -> list[Cellule]:  # fmt: skip
    """The stored cells (as `cellules` filters them), in `ordre`."""
    t = ouvert_cellule.c
    query = sa.select(*(t[f] for f in FIELDS))
    if niveau is not None:
        query = query.where(t.niveau == niveau)
    if code is not None:
        query = query.where(t.zone_code == code)
    if dans is not None:
        query = query.where(t.zone_code.in_(zones_dans(niveau, *dans)))
    if familles:
        query = query.where(t.famille.in_(familles))
    if region is not None:
        query = query.where(t.region == region)
    return sorted((Cellule(*row) for row in conn.execute(query)), key=ordre)


def cellules(
    conn: Connection,
    niveau: str,
    seuil: int,
    *,
    code: str | None = None,
    familles: list[str] | None = None,
    region: str | None = None,
    dans: tuple[str, str] | None = None,
) -> list[Cellule]:
    """The published cells of a level (one zone with `code`, or the zones `dans` (niveau, code) of
    another zone; some families; one jeu région): the stored ones when computed with this threshold,
    else computed live (every level, then filtered)."""
    if niveau not in NIVEAUX:
        raise ValueError(f"niveau inconnu : {niveau}")
    if seuil_stocke(conn) == max(seuil, 1):
        return stockees(conn, niveau, code=code, familles=familles, region=region, dans=dans)
    cells = [x for x in calculer(conn, seuil, familles=familles, region=region) if x.niveau == niveau]
    if code is not None:
        cells = [x for x in cells if x.zone_code == code]
    if dans is not None:
        zones = zones_dans(niveau, *dans)
        keep = set(zones if isinstance(zones, list) else conn.execute(zones).scalars())
        cells = [x for x in cells if x.zone_code in keep]
    return cells


def toutes_cellules(
    conn: Connection, seuil: int, *, familles: list[str] | None = None, region: str | None = None
) -> Iterator[Cellule]:
    """Every published cell of every level (the open export of a jeu, or of the whole instance)."""
    if seuil_stocke(conn) == max(seuil, 1):
        yield from stockees(conn, familles=familles, region=region)
    else:
        yield from calculer(conn, seuil, familles=familles, region=region)
