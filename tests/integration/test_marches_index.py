"""The « Commande publique » search on its indexes (migration 0018) and pre-aggregates, on DuckDB and
PostgreSQL: a base at 0017 with marchés upgrades (PostgreSQL: every search index, the trigram
index of the objet words, the groups' index; both: the groups of the new columns), and every kind
of search gives the same rows, groups and totals as without them (PostgreSQL: the indexes dropped in
a transaction rolled back; both: the groups and totals read live instead of pre-aggregated)."""

from __future__ import annotations

import sqlalchemy as sa
from tests.factories_decp import ACHETEUR_44, TITULAIRE, row, sample_rows, write_decp

from dataetat.query import marches_recherche
from dataetat.query.marches import params_from_query
from dataetat.query.marches_recherche import search
from dataetat.store import migrate
from dataetat.store.engine import make_engine
from dataetat.store.marches_groupes import GROUPES
from dataetat.store.marches_import import import_decp
from dataetat.store.marches_schema import INDEX_RECHERCHE, TRIGRAMMES

SEARCHES = [
    {},
    {"objet": "rénovation"},
    {"objet": "ŒUVRE pont"},
    {"objet": "bureau"},
    {"objet": "ab"},  # shorter than a trigram
    {"objet": "100%_"},  # LIKE's special characters, escaped
    {"cpv": "45"},
    {"cpv": "7,3019"},
    {"montant_min": "1000", "montant_max": "50000"},
    {"date_min": "2024-03-01", "date_max": "2024-09-30"},
    {"procedure": "Procédure adaptée"},
    {"niveau_geo": "region", "code_geo": "52,53"},
    {"niveau_geo": "departement", "code_geo": "44"},
    {"niveau_geo": "commune", "code_geo": "44109"},
    {"acheteur": ACHETEUR_44},
    {"titulaire": TITULAIRE},
    {"sort_by": "montant", "sort_order": "desc"},
    {"page_size": "1", "page": "2"},
    *({"grouping": column} for column in GROUPES),
    {"grouping": "annee,procedure", "grouped": "2024"},
]
OLD_GROUPES = ("titulaire_id", "acheteur_id", "cpv_code", "lieu_commune_code", "titulaire_commune_code")


def rows() -> list[dict[str, str]]:
    return [
        *sample_rows(),
        row(
            "M4",
            montant="300",
            codeCPV="90910000",
            objet="Nettoyage 100%_ des locaux",
            dateNotification="2022-01-10",
        ),
        row("M5", montant="2000", objet="AB travaux", lieuExecution_code="", lieuExecution_typeCode=""),
    ]


def results(conn) -> list:
    seen = []
    for query in SEARCHES:
        result = search(conn, params_from_query(dict(query)))
        seen.append((query, result.total, result.lignes, result.groupes, result.has_next))
    return seen


def test_upgrade_from_0017_and_same_results_without_indexes(settings, tmp_path, monkeypatch):
    engine = make_engine(settings)
    try:
        migrate.upgrade(engine, "ouvert")
        assert import_decp(engine, [write_decp(tmp_path / "a.csv", rows())]).written
        with engine.begin() as conn:  # the groups a base at 0017 had
            conn.execute(
                sa.text("DELETE FROM marche_groupe WHERE colonne NOT IN :old").bindparams(
                    sa.bindparam("old", expanding=True)
                ),
                {"old": list(OLD_GROUPES)},
            )
        migrate.upgrade(engine)
        postgres = engine.dialect.name == "postgresql"
        with engine.connect() as conn:
            if postgres:  # (DuckDB: no index on the big tables, store/schema.py)
                names = {i["name"] for i in sa.inspect(conn).get_indexes("marche_ligne")}
                assert {i.name for i in (*INDEX_RECHERCHE, TRIGRAMMES)} <= names
            columns = set(conn.execute(sa.text("SELECT DISTINCT colonne FROM marche_groupe")).scalars())
            assert columns == set(GROUPES)
            fast = results(conn)
        assert fast[0][1] == marches_recherche.Totaux(6, 5, 128500.0)
        assert [fast[i][1].marches for i in (1, 2, 3)] == [1, 1, 1]  # objet words (M2: two rows)
        assert [r["objet"] for r in fast[4][2]] == ["AB travaux"]
        assert [r["objet"] for r in fast[5][2]] == ["Nettoyage 100%_ des locaux"]
        with monkeypatch.context() as m, engine.connect() as conn:
            m.setattr(marches_recherche, "GROUPES", {})  # groups and totals read live
            with conn.begin() as transaction:
                if postgres:
                    for index in (*INDEX_RECHERCHE, TRIGRAMMES):
                        conn.exec_driver_sql(f"DROP INDEX {index.name}")
                    conn.exec_driver_sql("SET LOCAL enable_indexscan = off")
                    conn.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
                plain = results(conn)
                transaction.rollback()
        for got, want in zip(fast, plain, strict=True):
            assert got == want, got[0]
        if postgres:  # the plans do use the indexes
            with engine.connect() as conn:
                conn.exec_driver_sql("SET enable_seqscan = off")
                for where, pattern, index in (
                    ("objet_plie LIKE :p", "%renovation%", TRIGRAMMES.name),
                    ("cpv_code LIKE :p", "45%", "ix_marche_ligne_cpv"),
                ):
                    sql = f"EXPLAIN SELECT sum(montant_part) FROM marche_ligne WHERE {where}"
                    assert index in "\n".join(conn.execute(sa.text(sql), {"p": pattern}).scalars())
    finally:
        engine.dispose()
