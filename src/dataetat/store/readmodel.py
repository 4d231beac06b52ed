"""The flat read model `ligne`: one row per financial line, every code with its label and place.

Rebuilt by the importer inside the import transaction, for what the import touched (temp tables
`touched` (n_ej, n_poste_ej), `cp_deleted` (ids) and `current_imports`), or whole after a referential or SIRENE import. Rules:
- an AE line per engagement (EJ/poste in a région); when both feeds hold it, NATION wins;
- montant AE, over the accounting years of the winning feed (the reference's rule): the latest
  year's positive amount plus the negative corrections of every year; attributes from its latest
  year; the line's année is the latest year with a positive amount (else the latest year);
- montant CP = sum of the CP joined to the line by the rule of `store/cp_link.py` (a REGION CP
  joins its own région's line only; a NATION CP joins NATION's AE, else its région's REGION AE);
  NATION's CP when the line has any, else REGION's. Each CP is counted at most once;
- a CP joined to no line is a line of its own (montant AE 0, tag cp-orphelin); among the orphans of
  one région and EJ/poste, NATION's win;
- an operator's aid (table `aide`: ADEME, France 2030) is a line of its own: montant AE = the aid,
  montant CP 0 (payments are not published); its région is the file's (France 2030) or the
  beneficiary's (ADEME), NULL when unknown (« région inconnue »: national users only, see
  query/filters.region_scope);
- QPV: the beneficiary's QPV 2015 and 2024 come from `siret_qpv`; a line whose EJ has rows in
  `qpv_lieu_action` is split (see store/readmodel_qpv.py): one part per QPV of its lieu d'action
  carrying the split amount (`partie` 1..n), the rest stays on part 0. Sums over a line's parts
  equal the line's amounts, so no total anywhere counts an euro twice.
"""

from __future__ import annotations

import pyarrow as pa
from sqlalchemy.engine import Connection

from dataetat.store.engine import insert_arrow
from dataetat.store.ouvert_schema import invalider
from dataetat.store.readmodel_decoration import COLUMNS, DECORATE
from dataetat.store.readmodel_parts import BASE_COLUMNS, aide_part, chorus_parts
from dataetat.store.readmodel_qpv import split_lieu_action
from dataetat.store.schema import SOURCE_CP


def insert_lines(parts: dict[str, str]) -> str:
    """INSERT of the decorated lines of `parts` (CTE name of the lines -> CTE text)."""
    union = " UNION ALL ".join(f"SELECT {BASE_COLUMNS} FROM {name}" for name in parts)
    return f"""
    INSERT INTO ligne ({COLUMNS})
    WITH {", ".join(parts.values())},
    base AS ({union}),
    decorated AS ({DECORATE})
    SELECT {COLUMNS} FROM decorated
    """


def refresh_touched(conn: Connection) -> None:
    """Replace the lines of the keys and feeds an import touched (temp tables touched, cp_feeds)."""
    invalider(conn)  # the stored open cells, until the import's refresh
    # An EJ split across QPVs is split as a whole: every poste of it is rebuilt.
    conn.exec_driver_sql(
        """INSERT INTO touched SELECT DISTINCT e.n_ej, e.n_poste_ej FROM engagement e
        WHERE EXISTS (SELECT 1 FROM qpv_lieu_action q WHERE q.n_ej = e.n_ej)
        AND EXISTS (SELECT 1 FROM touched t WHERE t.n_ej = e.n_ej)
        AND NOT EXISTS (SELECT 1 FROM touched t WHERE t.n_ej = e.n_ej AND t.n_poste_ej = e.n_poste_ej)"""
    )
    conn.exec_driver_sql(
        """DELETE FROM ligne WHERE EXISTS (SELECT 1 FROM touched t
            WHERE t.n_ej = ligne.n_ej AND t.n_poste_ej = ligne.n_poste_ej)"""
    )
    conn.exec_driver_sql(
        f"DELETE FROM ligne WHERE source = '{SOURCE_CP}' AND id IN (SELECT id FROM cp_deleted)"
    )
    conn.exec_driver_sql(insert_lines(chorus_parts(scoped=True)))
    split_lieu_action(conn, "SELECT DISTINCT n_ej FROM touched")
    _analyze(conn)


def refresh_ejs(conn: Connection, n_ejs: list[str]) -> None:
    """Rebuild the lines of these EJs (after their QPV lieu d'action rows changed)."""
    if not n_ejs:
        return
    conn.exec_driver_sql("CREATE TEMPORARY TABLE refresh_ej (n_ej VARCHAR)")
    insert_arrow(conn, "refresh_ej", pa.table({"n_ej": pa.array(sorted(set(n_ejs)), pa.string())}))
    conn.exec_driver_sql(
        """CREATE TEMPORARY TABLE touched AS
           SELECT DISTINCT e.n_ej, e.n_poste_ej FROM engagement e JOIN refresh_ej r ON r.n_ej = e.n_ej
           UNION SELECT DISTINCT c.n_ej, c.n_poste_ej FROM cp c JOIN refresh_ej r ON r.n_ej = c.n_ej"""
    )
    conn.exec_driver_sql("CREATE TEMPORARY TABLE cp_deleted (id BIGINT)")
    conn.exec_driver_sql("CREATE TEMPORARY TABLE current_imports (import_id BIGINT)")
    try:
        refresh_touched(conn)
    finally:
        for name in ("refresh_ej", "touched", "cp_deleted", "current_imports"):
            conn.exec_driver_sql(f"DROP TABLE {name}")


def refresh_aides(conn: Connection, source: str, annees: list[int]) -> None:
    """Replace the lines of an operator's aid (ADEME, FRANCE_2030) for these years from table `aide`."""
    invalider(conn)  # the stored open cells, until the import's refresh
    conn.exec_driver_sql("CREATE TEMPORARY TABLE aide_scope (source VARCHAR, annee INTEGER)")
    try:
        years = sorted(set(annees))
        insert_arrow(
            conn,
            "aide_scope",
            pa.table({"source": [source] * len(years), "annee": pa.array(years, pa.int32())}),
        )
        conn.exec_driver_sql(
            "DELETE FROM ligne WHERE EXISTS (SELECT 1 FROM aide_scope s "
            "WHERE s.source = ligne.source AND s.annee = ligne.annee)"
        )
        if annees:
            conn.exec_driver_sql(insert_lines({"aide_lines": aide_part(scoped=True)}))
        _analyze(conn)
    finally:
        conn.exec_driver_sql("DROP TABLE aide_scope")


def rebuild_all(conn: Connection) -> None:
    """Rebuild every line (after a referential, SIRENE or QPV import changed labels or places)."""
    invalider(conn)  # the stored open cells, until the import's refresh
    conn.exec_driver_sql("DELETE FROM ligne")
    postgresql = conn.dialect.name == "postgresql"
    if postgresql:
        # The planner cannot estimate the grouped CTEs (it assumes 200 rows) and picks nested loops
        # over every engagement: a 75,000-line rebuild took minutes instead of 1.4 s. Every table is
        # read whole here, hash joins are always the right plan.
        conn.exec_driver_sql("SET LOCAL enable_nestloop = off")
    conn.exec_driver_sql(insert_lines(chorus_parts(scoped=False) | {"aide_lines": aide_part(scoped=False)}))
    if postgresql:
        conn.exec_driver_sql("RESET enable_nestloop")
    split_lieu_action(conn, "SELECT DISTINCT n_ej FROM qpv_lieu_action")
    _analyze(conn)


def _analyze(conn: Connection) -> None:
    """PostgreSQL: fresh statistics of the read model in the import's transaction. Without them,
    after a big import, the planner takes a table of 1 M lines for a few hundred (until autovacuum
    passes) and picks slow plans: searches went from 250 ms to 500 ms. DuckDB keeps its own."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("ANALYZE ligne")
