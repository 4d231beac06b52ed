"""Import the files of the other sources: read and check the whole file, then replace what it
covers in one transaction, refresh the read model, record the import; a refused file writes nothing.

    result = import_source(engine, "ademe", path, apres=etiquetage.reapply)
    result.written, result.report

What each kind replaces: ademe / france2030 → its `aide` rows of the years in the file; decp → the
marchés of the file (store/marches_import.py);
qpv-lieu-action → the rows of the years in the file; pvd / acv → every commune of that programme;
qpv → every quartier of the division (2015 or 2024); siret-qpv → the whole table; tags → the manual
tags of each EJ/poste in the file. `apres(conn)` runs on the import's connection before commit.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from dataetat.ingest import ademe, dispositifs, france2030, qpv_csv, qpv_geo
from dataetat.ingest.problems import MAX_PROBLEMS, Report
from dataetat.ingest.source_csv import SourceFile, fold
from dataetat.store import readmodel
from dataetat.store.engine import data_write, insert_arrow
from dataetat.store.historique import record_file
from dataetat.store.schema import ref_region
from dataetat.store.staging import MAX_MONTANT

KINDS = ("ademe", "france2030", "qpv-lieu-action", "pvd", "acv", "qpv", "siret-qpv", "tags", "decp")
LABELS = {
    "ademe": "Aides attribuées par l'ADEME (CSV data.gouv.fr)",
    "france2030": "Lauréats France 2030 (CSV)",
    "qpv-lieu-action": "QPV lieu de l'action (CSV)",
    "pvd": "Petites villes de demain (CSV data.gouv.fr)",
    "acv": "Action cœur de ville (CSV data.gouv.fr)",
    "qpv": "Contours des QPV (GeoJSON ou shapefile .zip)",
    "siret-qpv": "SIRET en QPV (CSV data.gouv.fr)",
    "tags": "Étiquettes manuelles (CSV n_ej, n_poste_ej, tags)",
    "decp": "Commande publique : DECP (JSON ou XML format 2, fichier consolidé CSV ou Parquet)",
}
Apres = Callable[[Connection], None]
Record = Callable[[Connection, list[Report]], None]  # the audit row, written in the import's transaction


@dataclass
class SourceResult:
    report: Report
    sha256: str | None = None
    written: bool = False
    seconds: float = 0.0
    marches: int = 0  # DECP: the marchés written

    @property
    def reports(self) -> list[Report]:
        return [self.report]


def import_source(
    engine: Engine,
    kind: str,
    path: Path,
    *,
    decoupage: int | None = None,
    apres: Apres | None = None,
    record: Record | None = None,
    nom: str | None = None,
    rejets: Path | None = None,
) -> SourceResult:
    """`nom`: the name the user gave the file (an upload is saved under a safe one). `rejets` (DECP
    only): import the valid marchés and write the report of the rejected ones to that file."""
    if kind not in KINDS:
        raise ValueError(f"type d'import inconnu : {kind}")
    if kind == "decp":  # public procurement: its own importer (store/marches_import.py), strict
        from dataetat.store.marches_import import import_decp  # unless `rejets`

        done = import_decp(engine, [path], noms=[nom or path.name], record=record, rejets=rejets)
        return SourceResult(done.reports[0], None, done.written, done.seconds, done.marches)
    start = time.perf_counter()
    source = _read(engine, kind, path, decoupage)
    if nom:
        source.report.rename(nom)
    _refuse_oversized_total(source)
    result = SourceResult(source.report, source.sha256)
    if source.valid:
        with data_write(engine) as conn:  # one data-changing transaction at a time on DuckDB
            import_id = conn.execute(sa.select(sa.func.nextval("import_id_seq"))).scalar_one()
            WRITERS[kind](conn, source, import_id)
            _record(conn, kind, source, import_id)
            if apres is not None:
                apres(conn)
            if record is not None:
                record(conn, result.reports)
        result.written = True
    result.seconds = time.perf_counter() - start
    return result


def _refuse_oversized_total(source: SourceFile) -> None:
    """Amounts whose total (of absolute values: any partial sum is below it) the base cannot hold
    (DECIMAL(18, 2): the import's Σ, a line's sum) refuse the file."""
    frame = source.frame
    if not source.valid or frame is None or "montant" not in frame.columns or frame.height == 0:
        return
    total = frame["montant"].cast(pl.Float64).abs().sum()
    if total is not None and total > float(MAX_MONTANT):
        line_col = "ligne_fichier" if "ligne_fichier" in frame.columns else None
        first = int(frame[line_col].min()) if line_col else None
        source.report.add(
            "somme-trop-grande",
            ligne=first,
            colonne="montant",
            valeur=f"{total:.2f}",
            detail="du fichier (valeurs absolues)",
        )


def _read(engine: Engine, kind: str, path: Path, decoupage: int | None) -> SourceFile:
    if kind == "ademe":
        return ademe.read_ademe(path)
    if kind == "france2030":
        with engine.connect() as conn:
            rows = conn.execute(sa.select(ref_region.c.code, ref_region.c.label)).all()
        return france2030.read_france2030(path, {fold(label): code for code, label in rows if label})
    if kind == "qpv-lieu-action":
        return qpv_csv.read_lieu_action(path)
    if kind == "siret-qpv":
        return qpv_csv.read_siret_qpv(path)
    if kind in ("pvd", "acv"):
        return dispositifs.read_dispositif(path, kind)
    if kind == "tags":
        return dispositifs.read_tags(path)
    return qpv_geo.read_qpv(path, decoupage)


def _in(column: str, values: list) -> tuple[sa.TextClause, dict]:
    return sa.text(f"{column} IN :v").bindparams(sa.bindparam("v", expanding=True)), {"v": values}


def _with_import(frame: pl.DataFrame, import_id: int):
    return frame.with_columns(pl.lit(import_id, pl.Int64).alias("import_id")).to_arrow()


def _write_aides(conn: Connection, source: SourceFile, import_id: int) -> None:
    frame = source.frame
    name = frame["source"][0]
    conn.execute(
        sa.text("DELETE FROM aide WHERE source = :s AND annee IN :a").bindparams(
            sa.bindparam("a", expanding=True)
        ),
        {"s": name, "a": source.annees},
    )
    insert_arrow(conn, "aide", _with_import(frame, import_id))
    readmodel.refresh_aides(conn, name, source.annees)
    source.report.lignes_importees = frame.height
    source.report.somme_ae = Decimal(str(frame["montant"].sum() or 0))


_QLA = "annee, n_ej, code_qpv, code_qpv15, code_qpv24, montant, ref_action, libelle_action, siret"


def _write_lieu_action(conn: Connection, source: SourceFile, import_id: int) -> None:
    """Replace the rows of the file's years; rebuild the lines of the EJs whose split changed (those
    with lines: an EJ not imported yet has none, its split applies when it arrives)."""
    frame, years = source.frame, source.annees
    params = {"a": years}
    expanding = sa.bindparam("a", expanding=True)
    listed = ", ".join(str(int(y)) for y in years)  # checked integers (a DDL statement takes no parameters)
    conn.exec_driver_sql(
        f"CREATE TEMPORARY TABLE qla_avant AS SELECT {_QLA} FROM qpv_lieu_action WHERE annee IN ({listed})"
    )
    conn.execute(sa.text("DELETE FROM qpv_lieu_action WHERE annee IN :a").bindparams(expanding), params)
    insert_arrow(conn, "qpv_lieu_action", _with_import(frame, import_id))
    changed = (
        conn.execute(
            sa.text(
                f"""SELECT DISTINCT n_ej FROM (
                (SELECT {_QLA} FROM qla_avant EXCEPT SELECT {_QLA} FROM qpv_lieu_action WHERE annee IN :a)
                UNION ALL
                (SELECT {_QLA} FROM qpv_lieu_action WHERE annee IN :a EXCEPT SELECT {_QLA} FROM qla_avant)) d
                WHERE EXISTS (SELECT 1 FROM engagement e WHERE e.n_ej = d.n_ej)
                   OR EXISTS (SELECT 1 FROM cp c WHERE c.n_ej = d.n_ej)"""
            ).bindparams(expanding),
            params,
        )
        .scalars()
        .all()
    )
    conn.exec_driver_sql("DROP TABLE qla_avant")
    if changed:
        readmodel.refresh_ejs(conn, sorted(changed))
    unknown = conn.execute(
        sa.text(
            """SELECT q.n_ej, MIN(q.ligne_fichier) AS l, COUNT(*) OVER () FROM qpv_lieu_action q
               WHERE q.import_id = :i AND NOT EXISTS (SELECT 1 FROM engagement e WHERE e.n_ej = q.n_ej)
               GROUP BY q.n_ej ORDER BY l LIMIT :m"""
        ),
        {"i": import_id, "m": MAX_PROBLEMS},
    ).all()
    for n_ej, line, _ in unknown:
        source.report.add("ej-inconnu", ligne=line, colonne="ej", valeur=n_ej)
    if unknown:
        source.report.count("ej-inconnu", unknown[0][2] - len(unknown))
    source.report.lignes_importees = frame.height
    source.report.somme_ae = Decimal(str(frame["montant"].sum() or 0))


def _write_dispositif(conn: Connection, source: SourceFile, import_id: int) -> None:
    frame = source.frame
    conn.execute(
        sa.text("DELETE FROM commune_dispositif WHERE dispositif = :d"), {"d": frame["dispositif"][0]}
    )
    insert_arrow(conn, "commune_dispositif", frame.to_arrow())
    source.report.lignes_importees = frame.height


def _write_qpv(conn: Connection, source: SourceFile, import_id: int) -> None:
    """Replace the division's quartiers; département and région from the main commune."""
    division = source.extra["decoupage"]
    conn.execute(sa.text("DELETE FROM ref_qpv WHERE annee_decoupage = :d"), {"d": division})
    insert_arrow(conn, "ref_qpv", source.frame.to_arrow())
    conn.execute(
        sa.text(
            """UPDATE ref_qpv SET code_departement = c.code_departement, code_region = c.code_region
               FROM ref_commune c WHERE c.code = ref_qpv.code_commune AND ref_qpv.annee_decoupage = :d"""
        ),
        {"d": division},
    )
    conn.execute(
        sa.text(
            """UPDATE ref_qpv SET code_region = d.code_region FROM ref_departement d
               WHERE d.code = ref_qpv.code_departement AND ref_qpv.code_region IS NULL
               AND ref_qpv.annee_decoupage = :d"""
        ),
        {"d": division},
    )
    readmodel.rebuild_all(conn)
    source.report.lignes_importees = source.frame.height


def _write_siret_qpv(conn: Connection, source: SourceFile, import_id: int) -> None:
    conn.exec_driver_sql("DELETE FROM siret_qpv")
    insert_arrow(conn, "siret_qpv", source.frame.to_arrow())
    readmodel.rebuild_all(conn)
    source.report.lignes_importees = source.frame.height


def _write_tags(conn: Connection, source: SourceFile, import_id: int) -> None:
    """Each EJ/poste of the file gets exactly its tags of the file (none: its manual tags go)."""
    frame = source.frame
    sa.Table(
        "tm_nouveaux",
        sa.MetaData(),
        sa.Column("n_ej", sa.String),
        sa.Column("n_poste_ej", sa.Integer),
        sa.Column("tags", sa.String),
        prefixes=["TEMPORARY"],
    ).create(conn)
    insert_arrow(conn, "tm_nouveaux", frame.to_arrow())
    conn.exec_driver_sql(
        """DELETE FROM tag_manuel WHERE EXISTS (SELECT 1 FROM tm_nouveaux n
           WHERE n.n_ej = tag_manuel.n_ej AND n.n_poste_ej = tag_manuel.n_poste_ej)"""
    )
    conn.execute(
        sa.text(
            """INSERT INTO tag_manuel (n_ej, n_poste_ej, tags, import_id)
               SELECT n_ej, n_poste_ej, tags, :i FROM tm_nouveaux WHERE tags <> ''"""
        ),
        {"i": import_id},
    )
    conn.exec_driver_sql("DROP TABLE tm_nouveaux")
    source.report.lignes_importees = frame.height


WRITERS: dict[str, Callable[[Connection, SourceFile, int], None]] = {
    "ademe": _write_aides,
    "france2030": _write_aides,
    "qpv-lieu-action": _write_lieu_action,
    "pvd": _write_dispositif,
    "acv": _write_dispositif,
    "qpv": _write_qpv,
    "siret-qpv": _write_siret_qpv,
    "tags": _write_tags,
}


def _record(conn: Connection, kind: str, source: SourceFile, import_id: int) -> None:
    annee = min(source.annees) if source.annees else source.extra.get("decoupage")
    record_file(conn, import_id, kind, source.report.fichier, source.sha256, source.report, annee=annee)
