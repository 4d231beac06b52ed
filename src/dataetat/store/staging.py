"""Staging of one import (temporary, per connection) and the set-based steps on it."""

from __future__ import annotations

import tempfile
from decimal import Decimal
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dataetat import scratch
from dataetat.ingest.validate import STAGING
from dataetat.model.enums import Kind
from dataetat.store.engine import insert_arrow, is_duckdb

_SA_TYPES = {pl.String: sa.String, pl.Int64: sa.BigInteger, pl.Int32: sa.Integer, pl.Date: sa.Date}
_TABLES = {Kind.AE: "stg_ae", Kind.CP: "stg_cp"}
_TEMP = ("stg_ae", "stg_cp", "current_imports", "ae_feeds", "cp_feeds", "cp_deleted", "cp_kept", "touched")

# Referential checked for each code column: (column, table, French name in the report).
REFERENTIAL_CODES = (
    ("programme", "ref_programme", "programmes"),
    ("domaine_fonctionnel", "ref_domaine_fonctionnel", "domaines fonctionnels"),
    ("centre_couts", "ref_centre_couts", "centres de coûts"),
    ("referentiel_programmation", "ref_referentiel_programmation", "référentiels de programmation"),
    ("groupe_marchandise", "ref_groupe_marchandise", "groupes de marchandises"),
    (
        "localisation_interministerielle",
        "ref_localisation_interministerielle",
        "localisations interministérielles",
    ),
)


def _sa_type(dtype: pl.DataType) -> sa.types.TypeEngine:
    if isinstance(dtype, pl.Decimal):
        return sa.Numeric(18, 2)
    return _SA_TYPES[dtype.base_type()]()


class Staging:
    """Where the validated rows of one import wait for the merge, as tables `stg_ae` and `stg_cp`.

    PostgreSQL: temporary tables filled by COPY. DuckDB: Parquet files in a temporary folder, then
    views over them: DuckDB would hold rows appended in an open transaction in memory, Parquet
    streams to disk, so memory stays flat whatever the size of the files."""

    def __init__(self, conn: Connection):
        self.conn = conn
        self.duckdb = is_duckdb(conn)
        self._folder = tempfile.TemporaryDirectory(prefix=scratch.prefix("import")) if self.duckdb else None
        self._writers: dict[tuple[Kind, int], pq.ParquetWriter] = {}
        self._views: set[str] = set()
        if not self.duckdb:
            for kind in _TABLES:
                _empty_table(conn, kind)

    def add(self, kind: Kind, import_id: int, data: pa.Table) -> None:
        data = data.append_column("import_id", pa.array([import_id] * data.num_rows, pa.int64()))
        if not self.duckdb:
            insert_arrow(self.conn, _TABLES[kind], data)
            return
        writer = self._writers.get((kind, import_id))
        if writer is None:
            writer = pq.ParquetWriter(self._path(kind, import_id), data.schema, compression="lz4")
            self._writers[(kind, import_id)] = writer
        writer.write_table(data)

    def forget(self, kind: Kind, import_id: int) -> None:
        """Drop what was staged for one file (before reading it again)."""
        if not self.duckdb:
            self.conn.execute(sa.text(f"DELETE FROM {_TABLES[kind]} WHERE import_id = :i"), {"i": import_id})
        elif (writer := self._writers.pop((kind, import_id), None)) is not None:
            writer.close()
            Path(self._path(kind, import_id)).unlink()

    def close(self) -> None:
        """Every file read: make `stg_ae` and `stg_cp` queryable (DuckDB: views over the files)."""
        if not self.duckdb:
            return
        for writer in self._writers.values():
            writer.close()
        for kind, name in _TABLES.items():
            files = [self._path(k, i) for k, i in self._writers if k == kind]
            if files:
                listing = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
                self.conn.exec_driver_sql(
                    f"CREATE TEMPORARY VIEW {name} AS SELECT * FROM read_parquet([{listing}])"
                )
                self._views.add(name)
            else:
                _empty_table(self.conn, kind)

    def drop(self) -> None:
        """Remove the staging objects (a rollback already did) and the Parquet files."""
        if self.conn.in_transaction():
            try:
                for name in _TEMP:
                    kind = "VIEW" if name in self._views else "TABLE"
                    self.conn.exec_driver_sql(f"DROP {kind} IF EXISTS {name}")
            except sa.exc.DBAPIError:
                pass  # a failed transaction (rolled back next) must not hide the error that failed it
        if self._folder is not None:
            self._folder.cleanup()

    def _path(self, kind: Kind, import_id: int) -> str:
        assert self._folder is not None
        return str(Path(self._folder.name) / f"{kind.value}-{import_id}.parquet")


def _empty_table(conn: Connection, kind: Kind) -> None:
    columns = [sa.Column(c, _sa_type(t)) for c, t in STAGING[kind].items()]
    table = sa.Table(
        _TABLES[kind], sa.MetaData(), *columns, sa.Column("import_id", sa.BigInteger), prefixes=["TEMPORARY"]
    )
    table.create(conn)


_AE_KEY = "data_source, source_region, n_ej, n_poste_ej, annee"
# Same EJ/poste twice in a file (same feed and year): amounts summed, first line's attributes;
# a poste whose sum (`total`) is 0 is dropped.
DEDUPED_AE = f"""
    SELECT * FROM (
        SELECT s.*, SUM(montant) OVER (PARTITION BY {_AE_KEY}) AS total,
               ROW_NUMBER() OVER (PARTITION BY {_AE_KEY} ORDER BY import_id, ligne) AS rn
        FROM stg_ae s) x
    WHERE rn = 1 AND total <> 0"""


# DECIMAL(18, 2): what a sum stored in the base (an EJ/poste, a line, a file's total) can hold.
MAX_MONTANT = Decimal("9999999999999999.99")


def oversized_sums(conn: Connection) -> list[tuple[int, str, int, Decimal, str]]:
    """Sums the base could not hold: (import_id, kind, first line, sum, what is summed) of every
    EJ/poste (AE per feed and year, CP together) and every file whose amounts add up beyond
    DECIMAL(18, 2). Each would fail (or be hidden behind a failed transaction) in the merge."""
    found = []
    limit = str(MAX_MONTANT)
    for kind, key in ((Kind.AE, _AE_KEY), (Kind.CP, "n_ej, n_poste_ej")):
        table = _TABLES[kind]
        rows = conn.exec_driver_sql(
            f"""SELECT MIN(import_id), MIN(ligne), SUM(montant), MIN(n_ej), MIN(n_poste_ej), COUNT(*)
                FROM {table} WHERE n_ej IS NOT NULL GROUP BY {key}
                HAVING ABS(SUM(montant)) > {limit} ORDER BY 1, 2 LIMIT 100"""
        ).all()
        for import_id, line, total, n_ej, poste, count in rows:
            what = f"de l'EJ {n_ej} poste {poste} ({count} lignes)"
            found.append((import_id, kind.value, line, total, what))
        files = conn.exec_driver_sql(
            f"""SELECT import_id, MIN(ligne), SUM(montant) FROM {table} GROUP BY import_id
                HAVING ABS(SUM(montant)) > {limit} ORDER BY 1"""
        ).all()
        for import_id, line, total in files:
            if any(f[0] == import_id for f in found):
                continue  # already refused for one of its EJ/postes
            found.append((import_id, kind.value, line, total, "du fichier"))
    return found


def collect_touched(conn: Connection, replace_ids: list[int]) -> None:
    """What this import replaces and which EJ/poste lines may change.

    Full exercice files (`replace_ids`) replace their feeds (data_source, région, year); daily
    extracts replace only the rows they bring again (same EJ/poste and year, same DP and poste).
    Temp tables: current_imports, ae_feeds, cp_feeds, cp_deleted (ids of CP rows to delete) and
    touched (every EJ/poste whose line must be rebuilt)."""
    ids = ", ".join(str(int(i)) for i in replace_ids) or "NULL"
    conn.exec_driver_sql(
        "CREATE TEMPORARY TABLE current_imports AS SELECT DISTINCT import_id FROM stg_ae "
        "UNION SELECT DISTINCT import_id FROM stg_cp"
    )
    conn.exec_driver_sql(
        f"CREATE TEMPORARY TABLE ae_feeds AS SELECT DISTINCT data_source, source_region, annee FROM stg_ae "
        f"WHERE import_id IN ({ids})"
    )
    conn.exec_driver_sql(
        f"CREATE TEMPORARY TABLE cp_feeds AS SELECT DISTINCT data_source, source_region, annee FROM stg_cp "
        f"WHERE import_id IN ({ids})"
    )
    conn.exec_driver_sql(
        """CREATE TEMPORARY TABLE cp_deleted AS
           SELECT c.id, c.n_ej, c.n_poste_ej FROM cp c WHERE EXISTS (SELECT 1 FROM cp_feeds f
               WHERE f.data_source = c.data_source AND f.source_region = c.source_region AND f.annee = c.annee)
           OR EXISTS (SELECT 1 FROM stg_cp s WHERE s.n_poste_dp IS NOT NULL AND s.data_source = c.data_source
               AND s.n_dp = c.n_dp AND s.n_poste_dp = c.n_poste_dp AND s.annee = c.annee)"""
    )
    conn.exec_driver_sql(
        """CREATE TEMPORARY TABLE touched AS
           SELECT n_ej, n_poste_ej FROM stg_ae
           UNION SELECT e.n_ej, e.n_poste_ej FROM engagement e
                 JOIN ae_annee a ON a.engagement_id = e.id
                 JOIN ae_feeds f ON f.data_source = a.data_source AND f.source_region = e.source_region AND f.annee = a.annee
           UNION SELECT n_ej, n_poste_ej FROM stg_cp WHERE n_ej IS NOT NULL
           UNION SELECT n_ej, n_poste_ej FROM cp_deleted WHERE n_ej IS NOT NULL"""
    )
    if not is_duckdb(conn):  # PostgreSQL never analyses temporary tables by itself
        conn.exec_driver_sql("CREATE INDEX ON touched (n_ej, n_poste_ej)")
        for name in ("stg_ae", "stg_cp", "current_imports", "ae_feeds", "cp_feeds", "cp_deleted", "touched"):
            conn.exec_driver_sql(f"ANALYZE {name}")


def analyze_merged(conn: Connection) -> None:
    """PostgreSQL: fresh statistics of the tables an import just wrote, when it wrote a good part of
    them (a tenth or more, autovacuum's own threshold, which it applies only after the commit).
    Without them the planner takes a freshly filled `engagement` for a few rows, and the read-model
    refresh picked nested loops over thousands of keys: 20,000 lines took minutes."""
    if is_duckdb(conn):
        return
    written = dict(
        conn.exec_driver_sql(
            "SELECT 'ae', COUNT(*) FROM stg_ae UNION ALL SELECT 'cp', COUNT(*) FROM stg_cp"
        ).all()
    )
    for table, kind in (("engagement", "ae"), ("ae_annee", "ae"), ("cp", "cp")):
        known = conn.exec_driver_sql(
            f"SELECT reltuples FROM pg_class WHERE oid = '{table}'::regclass"
        ).scalar()
        if written[kind] and (known is None or known < 10 * written[kind]):
            conn.exec_driver_sql(f"ANALYZE {table}")


def unknown_codes(conn: Connection, limit: int = 1000) -> dict[int, dict[str, list[str]]]:
    """Codes of the staged rows missing from their referential, per import and referential."""
    found: dict[int, dict[str, list[str]]] = {}
    for column, ref, name in REFERENTIAL_CODES:
        condition = "AND substr(s.code, 1, 1) <> 'N'" if column == "localisation_interministerielle" else ""
        for stg in _TABLES.values():
            rows = conn.exec_driver_sql(
                f"""SELECT import_id, code FROM (SELECT DISTINCT import_id, {column} AS code FROM {stg}) s
                    WHERE s.code IS NOT NULL {condition}
                    AND NOT EXISTS (SELECT 1 FROM {ref} r WHERE r.code = s.code)
                    ORDER BY import_id, code LIMIT {int(limit)}"""
            ).all()
            for import_id, code in rows:
                found.setdefault(import_id, {}).setdefault(name, []).append(code)
    return found


def totals(conn: Connection) -> dict[int, tuple[int, Decimal]]:
    rows = conn.exec_driver_sql(
        """SELECT import_id, COUNT(*), COALESCE(SUM(montant), 0) FROM stg_ae GROUP BY import_id
           UNION ALL SELECT import_id, COUNT(*), COALESCE(SUM(montant), 0) FROM stg_cp GROUP BY import_id"""
    ).all()
    return {r[0]: (r[1], Decimal(r[2])) for r in rows}


def feeds_of(conn: Connection, import_id: int) -> list[tuple[str, str, int]]:
    rows = conn.execute(
        sa.text(
            """SELECT DISTINCT data_source, source_region, annee FROM stg_ae WHERE import_id = :i
               UNION SELECT DISTINCT data_source, source_region, annee FROM stg_cp WHERE import_id = :i"""
        ),
        {"i": import_id},
    ).all()
    return [tuple(r) for r in rows]
