"""The French sentence of a search's filters names the codes of the referentials (« département
Ille-et-Vilaine (35) »), for the financial lines and the marchés, in one query, on both databases
(bundled COG referentials; a QPV added by the test)."""

from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from dataetat.query import filters, lookups, marches
from dataetat.query.params import SearchParams
from dataetat.store.schema import ref_qpv


@contextmanager
def counted(engine):
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


@pytest.fixture
def base(engine):
    with engine.begin() as conn:
        conn.execute(
            ref_qpv.insert(),
            [{"code": "QN03501I", "label": "Maurepas", "annee_decoupage": 2024, "code_commune": "35238"}],
        )
    return engine


@pytest.mark.parametrize(
    ("niveau", "codes", "expected"),
    [
        ("departement", ["35"], "département Ille-et-Vilaine (35)"),
        ("departement", ["35", "29"], "département Ille-et-Vilaine (35), Finistère (29)"),
        ("region", ["53"], "région Bretagne (53)"),
        ("commune", ["35238"], "commune Rennes (35238)"),
        ("epci", ["243500139"], "EPCI Rennes Métropole (243500139)"),
        ("qpv24", ["QN03501I"], "QPV Maurepas (QN03501I)"),
        # A code its referential does not know stays as it is.
        ("departement", ["35", "999"], "département Ille-et-Vilaine (35), 999"),
    ],
)
def test_zone_named_in_lines_sentence(base, niveau, codes, expected):
    p = SearchParams(niveau_geo=niveau, code_geo=codes)
    with base.connect() as conn:
        assert lookups.phrases(conn, filters.build(p)) == [expected]


def test_every_code_of_a_sentence_named_in_one_query(base):
    p = SearchParams(
        niveau_geo="departement",
        code_geo=["35"],
        critere_geo=["beneficiaire"],
        source_region=["53", "inconnue"],
        annee=[2023],
    )
    with base.connect() as conn, counted(base) as statements:
        sentence = lookups.phrases(conn, filters.build(p))
    assert sentence == [
        "département Ille-et-Vilaine (35) (par commune du bénéficiaire)",
        "année 2023",
        "région de l'import Bretagne (53), inconnue (bénéficiaire non géolocalisé)",
    ]
    assert len(statements) == 1
    # Without a code to name, no query at all.
    with base.connect() as conn, counted(base) as statements:
        assert lookups.phrases(conn, filters.build(SearchParams(annee=[2023]))) == ["année 2023"]
    assert statements == []


@pytest.mark.parametrize(
    ("niveau", "code", "expected"),
    [
        ("region", "53", "exécutés en région Bretagne (53)"),
        ("departement", "35", "exécutés en département Ille-et-Vilaine (35)"),
        ("commune", "35238", "exécutés en commune Rennes (35238)"),
    ],
)
def test_zone_named_in_marches_sentence(base, niveau, code, expected):
    p = marches.MarchesParams(niveau_geo=niveau, code_geo=[code], nature=["Marché"]).check()
    with base.connect() as conn:
        assert lookups.phrases(conn, marches.build(p)) == ["nature Marché", expected]
