"""« Commande publique » pages of rows on DuckDB and PostgreSQL: whatever the page size, paging
through a search gives every row once, in the search's order, marchés without a notification date
last (DuckDB reads a page's columns within the page's date span: a page that holds rows with and
without a date must keep both)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from tests.factories_decp import ACHETEUR_44, row, sample_rows, write_decp

from dataetat.query.marches import params_from_query
from dataetat.query.marches_recherche import search
from dataetat.store.marches_import import import_decp


@pytest.fixture
def data(engine, tmp_path):
    rows = sample_rows() + [
        row("M4", montant="300", objet="Nettoyage des locaux"),
        row("M5", montant="7", acheteur_id=ACHETEUR_44, acheteur_nom="Ville de Nantes"),
        row("M6", dateNotification="2024-03-15", montant="99", codeCPV="90910000"),
    ]
    assert import_decp(engine, [write_decp(tmp_path / "decp.csv", rows)]).written
    with engine.begin() as conn:  # the import requires a date: a base of older rules may lack some
        conn.execute(sa.text("UPDATE marche_ligne SET date_notification = NULL WHERE id IN ('M4', 'M5')"))
    return engine


def pages(conn, size: int, **query: str) -> list[tuple]:
    seen, page = [], 1
    while True:
        result = search(conn, params_from_query({**query, "page": str(page), "page_size": str(size)}))
        seen += [(r["uid"], r["rang"], r.get("date_notification"), r["objet"]) for r in result.lignes]
        if not result.has_next:
            return seen
        page += 1


@pytest.mark.parametrize(
    "query",
    [{}, {"sort_by": "montant", "sort_order": "asc"}, {"sort_by": "date_notification", "sort_order": "asc"}],
)
def test_every_page_size_gives_the_same_rows_in_order(data, query):
    with data.connect() as conn:
        whole = pages(conn, 100, **query)
        assert len(whole) == 7  # M1, M2 (two titulaires), M3, M4, M5, M6
        for size in (1, 2, 3):
            assert pages(conn, size, **query) == whole
    if not query:
        dates = [d for _, _, d, _ in whole]
        assert dates[-2:] == [None, None] and dates[:5] == sorted(dates[:5], reverse=True)


def test_objet_words_are_literal(data):
    """A plain word is a substring search; %, _ and \\ stay literal (escaped)."""
    with data.connect() as conn:

        def marches(objet: str) -> int:
            return search(conn, params_from_query({"objet": objet})).total.marches

        assert marches("BUREAU") == 1 and marches("d'œuvre") == 1 and marches("locaux nettoyage") == 1
        assert marches("renovation energetique") == 3  # M1, M5, M6: the default objet
        assert marches("%") == marches("_") == marches("d_") == marches("\\") == 0
