"""Import DECP files (`dataetat import decp`): read, clean and check every file whole, then, in one
transaction, replace the marchés they carry (by `uid`), rebuild their rows of the read model and
record each file in the history (`import_fichier`: kind `decp`, lines, Σ montant in `somme_ae`).

Strict by default: a file with an invalid marché writes nothing and the report says why. With
`rejets`, the valid marchés are imported and the report (with the rejected marchés) is written to
that file. The same file twice gives the same base: a marché brought again replaces its rows.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from dataetat.decp import controle, lecture, modele, nettoyage
from dataetat.ingest.empreinte import sha256_of
from dataetat.ingest.problems import FileUnreadable, Report
from dataetat.store import marches_groupes, marches_readmodel
from dataetat.store.engine import data_write, insert_arrow
from dataetat.store.historique import record_file
from dataetat.store.marches_schema import marche, marche_modification, marche_titulaire

log = logging.getLogger(__name__)

KIND = "decp"
Record = Callable[[Connection, list[Report]], None]


@dataclass
class Lu:
    """A file read, cleaned and checked, ready to write."""

    path: Path
    report: Report
    frame: pl.DataFrame | None = None
    invalid: set[str | None] = field(default_factory=set)
    sha256: str | None = None


@dataclass
class DecpResult:
    reports: list[Report]
    written: bool = False
    seconds: float = 0.0
    marches: int = 0


def read_file(path: Path, nom: str | None = None) -> Lu:
    report = Report(nom or path.name, kind=KIND)
    lu = Lu(path, report, sha256=sha256_of(path))
    try:
        frame = lecture.read(path, report)
    except FileUnreadable:
        return lu
    records = not report.format or "consolidé" not in report.format
    if not records:
        report.lignes_lues = frame.height
    if frame.height == 0:
        report.add("aucune-ligne")
        return lu
    frame = nettoyage.clean(frame, report)
    frame = controle.deduplicate(frame, report, records)
    lu.invalid = controle.check(frame, report)
    if records:  # JSON, XML: the DECP validator too
        ranks = controle.valider(path, report)
        if ranks is None:
            return lu
        lu.invalid |= set(frame.filter(pl.col("ligne_fichier").is_in(list(ranks)))["uid"].unique().to_list())
    lu.frame = frame
    return lu


def import_decp(
    engine: Engine,
    paths: list[Path],
    *,
    rejets: Path | None = None,
    noms: list[str] | None = None,
    record: Record | None = None,
) -> DecpResult:
    start = time.perf_counter()
    lus = [read_file(p, (noms or [None] * len(paths))[i]) for i, p in enumerate(paths)]
    result = DecpResult([lu.report for lu in lus])
    unreadable = any(lu.frame is None for lu in lus)
    invalid = any(lu.invalid or not lu.report.valid for lu in lus)
    if rejets is not None:
        _write_rejects(rejets, lus)
    if unreadable or (invalid and rejets is None):
        result.seconds = time.perf_counter() - start
        return result
    with data_write(engine) as conn:  # one data-changing transaction at a time on DuckDB
        for lu in lus:
            result.marches += _write(conn, lu)
        marches_groupes.refresh(conn)
        if record is not None:
            record(conn, result.reports)
    result.written = True
    _vacuum(engine)
    result.seconds = time.perf_counter() - start
    return result


def _vacuum(engine: Engine) -> None:
    """PostgreSQL, after the import's commit: VACUUM (ANALYZE) the read model. Fresh statistics for
    the planner, and the visibility map that lets the search's totals read its indexes alone
    (index-only scans: without it each index entry visits its row, 3 to 5 times slower). Outside
    any transaction (VACUUM's rule); autovacuum would do it later anyway, so a failure is only logged."""
    if engine.dialect.name != "postgresql":
        return
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM (ANALYZE) marche_ligne")
    except sa.exc.DBAPIError:
        log.warning("VACUUM ANALYZE de marche_ligne impossible après l'import", exc_info=True)


def _write(conn: Connection, lu: Lu) -> int:
    assert lu.frame is not None
    frame, report = lu.frame, lu.report
    if lu.invalid:
        bad = frame.filter(pl.col("uid").is_in(list(lu.invalid)) | pl.col("uid").is_null())
        report.lignes_rejetees = bad["ligne_fichier"].n_unique()
        frame = frame.filter(~pl.col("uid").is_in(list(lu.invalid)) & pl.col("uid").is_not_null())
    import_id = conn.execute(sa.select(sa.func.nextval("import_id_seq"))).scalar_one()
    tables = modele.build(frame, import_id)
    report.lignes_importees = frame["ligne_fichier"].n_unique()
    report.somme_ae = Decimal(str(round(float(tables.marche["montant"].fill_null(0).sum()), 2)))
    written = tables.marche.height
    _forget(conn, tables.marche.select("uid"))  # what earlier imports had for the same marchés
    for table, name in (
        (marche, "marche"),
        (marche_titulaire, "titulaire"),
        (marche_modification, "modification"),
    ):
        insert_arrow(conn, table.name, getattr(tables, name).to_arrow())
        setattr(tables, name, None)  # the file's frames freed before the read model is built
    lu.frame = frame = None
    marches_readmodel.refresh(conn, import_id)
    record_file(conn, import_id, KIND, report.fichier, lu.sha256, report)
    return written


def _forget(conn: Connection, uids: pl.DataFrame) -> None:
    """Delete the marchés `uids` from the base and read model, through a temporary table of uids."""
    conn.exec_driver_sql("CREATE TEMPORARY TABLE decp_uid (uid VARCHAR)")
    try:
        insert_arrow(conn, "decp_uid", uids.to_arrow())
        for table in ("marche_ligne", "marche_modification", "marche_titulaire", "marche"):
            conn.exec_driver_sql(f"DELETE FROM {table} WHERE uid IN (SELECT uid FROM decp_uid)")
    finally:
        conn.exec_driver_sql("DROP TABLE decp_uid")


def _write_rejects(path: Path, lus: list[Lu]) -> None:
    """The report of every file and, for each, the rejected marchés (uid and lines)."""
    content = []
    for lu in lus:
        rejected = []
        if lu.frame is not None and lu.invalid:
            bad = lu.frame.filter(pl.col("uid").is_in(list(lu.invalid)) | pl.col("uid").is_null())
            grouped = bad.group_by("uid", maintain_order=True).agg(pl.col("ligne_fichier").unique().sort())
            rejected = [{"uid": u, "lignes": lignes} for u, lignes in grouped.iter_rows()]
        content.append({"rapport": lu.report.as_dict(), "marches_rejetes": rejected})
    path.write_text(json.dumps(content, ensure_ascii=False, indent=1, default=str), "utf-8")
