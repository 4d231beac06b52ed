"""Public procurement (« Commande publique »): search with totals (or groups), totals per zone for
the map, exports without cap (CSV streamed; XLSX, ODS, Parquet written to a temporary file), a
marché, the candidate links of a beneficiary. Parameters: query/marches.py (docs/marches.md)."""

from __future__ import annotations

import dataclasses
import os
import tempfile
from typing import Annotated

import polars as pl
from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, StreamingResponse
from starlette.background import BackgroundTask

from dataetat import exports
from dataetat.exports import tables
from dataetat.jobs import journal
from dataetat.query import marches_fiches
from dataetat.query.marches import COLONNES, merged_query, params_from_query
from dataetat.query.marches_pivot import pivot
from dataetat.query.marches_recherche import carte, columns_of, export_fields, kinds, search, stream
from dataetat.query.params import QueryError
from dataetat.query.pivot import PivotResult
from dataetat.web.api import contrat
from dataetat.web.deps import CurrentIdentity, Db, Lecture
from dataetat.web.errors import NotFound

router = APIRouter(prefix="/api/v1/marches")


def _query(request: Request) -> dict[str, str]:
    return merged_query(request.query_params.multi_items())


SearchQuery = Annotated[dict[str, str], Depends(_query)]


@router.get("")
async def marches(query: SearchQuery, me: CurrentIdentity, db: Db) -> dict:
    """Rows (marché × titulaire) of a search, or the groups of the opened level, with the totals of
    the whole result: rows, distinct marchés, Σ montant (each marché once)."""
    params = params_from_query(query)
    result = await db.read(search, params, me.region)
    body = {
        "total": dataclasses.asdict(result.total),
        "has_next": result.has_next,
        "page": params.page,
        "page_size": params.page_size,
        "filtres": result.description,
    }
    body["groupes" if result.groupes is not None else "lignes"] = (
        result.groupes if result.groupes is not None else result.lignes
    )
    return body


@router.get("/colonnes")
async def colonnes() -> list[dict]:
    return [dataclasses.asdict(c) for c in COLONNES]


@router.get("/carte", **contrat.marches_route(*contrat.MARCHES_CARTE))
async def carte_marches(query: SearchQuery, me: CurrentIdentity, db: Lecture) -> dict:
    """Marchés, Σ montant (each marché once) and rows per zone of the lieu d'exécution (`niveau`:
    region, departement (default) or commune): `zones` [{code, label, marches, montant, count}],
    `sans_zone` (no lieu at that level) and `total`, so that zones + sans_zone = total = the
    search's totals. Every other parameter: the search, as /api/v1/marches."""
    query = dict(query)
    niveau = query.pop("niveau", "departement")
    params = params_from_query(query)
    return await db.read(carte, params, niveau, me.region)


async def _pivot(query: dict[str, str], me, db) -> PivotResult:
    query = dict(query)
    dims = {k: query.pop(k, None) for k in ("lignes", "colonnes", "valeur")}
    params = params_from_query(query)
    return await db.read(
        pivot, params, dims["lignes"] or "", dims["colonnes"] or "", dims["valeur"] or "montant", me.region
    )


@router.get("/pivot", **contrat.marches_route(*contrat.MARCHES_PIVOT))
async def tableau_dynamique(query: SearchQuery, me: CurrentIdentity, db: Lecture) -> dict:
    """Rows × columns of a search (`lignes`, `colonnes`: groupable columns; `valeur`: montant (each
    marché once), marches (distinct marchés) or count (rows)), with row, column and grand totals
    equal to the search's."""
    return (await _pivot(query, me, db)).as_dict()


@router.get("/pivot.{fmt}", **contrat.marches_route(*contrat.MARCHES_PIVOT))
async def export_tableau(fmt: str, query: SearchQuery, me: CurrentIdentity, db: Lecture):
    """The tableau dynamique of a search, with its totals, in a file (csv, xlsx, ods, parquet)."""
    if fmt not in exports.FORMATS:
        raise QueryError(f"Format « {fmt} » inconnu : formats possibles {', '.join(exports.FORMATS)}.")
    table = tables.pivot_table(await _pivot(query, me, db))
    target = tempfile.NamedTemporaryFile(suffix=f".{fmt}", delete=False)  # noqa: SIM115 - removed after sending
    target.close()
    await run_in_threadpool(tables.write_table, fmt, table, target.name)
    await db.write(
        lambda conn: journal.record_export(
            conn, me.user, me.region, query, fmt, len(table[1]), quoi="tableau"
        )
    )
    return FileResponse(
        target.name,
        media_type=exports.FORMATS[fmt].media_type,
        headers={"Content-Disposition": f'attachment; filename="commande-publique-tableau.{fmt}"'},
        background=BackgroundTask(run_in_threadpool, os.unlink, target.name),
    )


@router.get("/export.{fmt}")
async def export(fmt: str, query: SearchQuery, me: CurrentIdentity, db: Db):
    """Every row of the search, no cap, chosen columns (`colonnes`) with French headers."""
    if fmt not in exports.FORMATS:
        raise QueryError(f"Format « {fmt} » inconnu : formats possibles {', '.join(exports.FORMATS)}.")
    params = params_from_query(query).check()
    fields = export_fields(columns_of(params) if params.colonnes else [c.code for c in COLONNES])
    header = [label for _, label in fields]
    media_type = exports.FORMATS[fmt].media_type
    disposition = {"Content-Disposition": f'attachment; filename="commande-publique.{fmt}"'}
    done = [0]
    if fmt == "csv":
        names = [f"c{i}" for i in range(len(fields))]

        def frames(conn):
            for part in stream(conn, params, me.region, fields):
                done[0] += len(part)
                yield pl.DataFrame(part, schema=names, orient="row", infer_schema_length=None)

        async def body():
            async for chunk in db.stream(lambda conn: exports.write_csv(header, frames(conn))):
                yield chunk
            await db.write(
                lambda conn: journal.record_export(
                    conn, me.user, me.region, query, fmt, done[0], quoi="marches"
                )
            )

        return StreamingResponse(body(), media_type=media_type, headers=disposition)
    target = tempfile.NamedTemporaryFile(suffix=f".{fmt}", delete=False)  # noqa: SIM115 - removed after sending
    target.close()

    def write(conn) -> None:
        def rows():
            for part in stream(conn, params, me.region, fields):
                done[0] += len(part)
                yield from (list(r) for r in part)

        if fmt == "xlsx":
            exports.write_xlsx(header, rows(), target.name)
        elif fmt == "ods":
            exports.write_ods(header, rows(), target.name)
        else:
            exports.write_parquet(header, rows(), target.name, kinds(fields))

    await db.read(write)
    await db.write(
        lambda conn: journal.record_export(conn, me.user, me.region, query, fmt, done[0], quoi="marches")
    )
    return FileResponse(
        target.name,
        media_type=media_type,
        headers=disposition,
        background=BackgroundTask(run_in_threadpool, os.unlink, target.name),
    )


@router.get("/liens")
async def liens(me: CurrentIdentity, db: Db, siret: str | None = None, uid: str | None = None) -> list[dict]:
    """Candidate links (Chorus EJ ↔ marché) of a beneficiary or of a marché, with evidence and score."""
    if not siret and not uid:
        raise QueryError("Précisez siret ou uid.")
    return await db.read(lambda conn: marches_fiches.liens(conn, me.region, siret=siret, uid=uid))


@router.get("/{uid}")
async def marche(uid: str, me: CurrentIdentity, db: Db) -> dict:
    """One marché: its fields, titulaires and modifications (404 outside the caller's région)."""
    found = await db.read(marches_fiches.marche_detail, uid, me.region)
    if found is None:
        raise NotFound("marche-introuvable", f"Aucun marché « {uid[:40]} » (ou hors de votre région).")
    return found
