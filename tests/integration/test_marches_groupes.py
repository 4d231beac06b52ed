"""Pre-aggregated groups (store/marches_groupes.py) on DuckDB and PostgreSQL: the unfiltered national
search grouped by a column of many groups gives exactly the live grouping's groups (codes, labels,
rows, marchés, montants, order, pages), after a first import and after a re-import that changes
the data; any filter, région scope or drill-down reads the live rows."""

from __future__ import annotations

from tests.factories_decp import ACHETEUR_44, TITULAIRE, row, sample_rows, write_decp

from dataetat.query import marches_recherche
from dataetat.query.marches import params_from_query
from dataetat.query.marches_recherche import search
from dataetat.store.marches_groupes import GROUPES
from dataetat.store.marches_import import import_decp

OTHER = "44306184100047"


def grouped(conn, column: str, **query: str) -> list[tuple]:
    """Every group, page after page (two groups a page), and whether each page said more follow."""
    seen, page, region = [], 1, query.pop("_region", None)
    while True:
        params = params_from_query({"grouping": column, "page": str(page), "page_size": "2", **query})
        result = search(conn, params, region)
        seen += [(g["code"], g["label"], g["count"], g["marches"], g["montant"]) for g in result.groupes]
        seen.append(result.has_next)
        if not result.has_next:
            return seen
        page += 1


def live(conn, monkeypatch, column: str) -> list[tuple]:
    with monkeypatch.context() as m:
        m.setattr(marches_recherche, "GROUPES", {})
        return grouped(conn, column)


def check_all(engine, monkeypatch) -> dict[str, list[tuple]]:
    result = {}
    with engine.connect() as conn:
        for column in GROUPES:
            pre = grouped(conn, column)
            assert pre == live(conn, monkeypatch, column), column
            result[column] = pre
    return result


def test_pre_aggregated_groups_are_the_live_ones(engine, tmp_path, monkeypatch):
    assert import_decp(engine, [write_decp(tmp_path / "a.csv", sample_rows())]).written
    first = check_all(engine, monkeypatch)
    assert [g[:5] for g in first["titulaire_id"] if isinstance(g, tuple)] == [
        (OTHER, f"{OTHER} - BUREAU D'ETUDES OUEST", 2, 2, 85000.0),
        (TITULAIRE, f"{TITULAIRE} - ATLAS FORMATION", 2, 2, 41200.0),
    ]
    # Re-import: M2 changes titulaire and montant, M4 and M5 are new (M5 without a commune).
    again = [
        row("M2", titulaire="55208131766522", titulaire_nom="NOUVEAU", montant="30000", acheteur_id=ACHETEUR_44,
            acheteur_nom="Ville de Nantes", lieuExecution_code="44109", dateNotification="2024-03-15"),
        row("M4", montant="300", codeCPV="90910000"),
        row("M5", titulaire=OTHER, titulaire_nom="BUREAU D'ETUDES OUEST", montant="300",
            lieuExecution_code="", lieuExecution_typeCode=""),
    ]  # fmt: skip
    assert import_decp(engine, [write_decp(tmp_path / "b.csv", again)]).written
    second = check_all(engine, monkeypatch)
    assert second != first
    assert (TITULAIRE, f"{TITULAIRE} - ATLAS FORMATION", 2, 2, 1500.0) in second["titulaire_id"]
    assert any(g[0] is None for g in second["lieu_commune_code"] if isinstance(g, tuple))


def test_filters_scope_and_drill_down_read_the_live_rows(engine, tmp_path):
    assert import_decp(engine, [write_decp(tmp_path / "a.csv", sample_rows())]).written
    with engine.connect() as conn:
        assert grouped(conn, "titulaire_id", procedure="Procédure adaptée") == [
            (OTHER, f"{OTHER} - BUREAU D'ETUDES OUEST", 2, 2, 85000.0),
            (TITULAIRE, f"{TITULAIRE} - ATLAS FORMATION", 1, 1, 40000.0),
            False,
        ]
        regional = grouped(conn, "acheteur_id", _region="52")
        assert [g[0] for g in regional[:-1]] == [ACHETEUR_44]
        drill = search(
            conn, params_from_query({"grouping": "procedure,titulaire_id", "grouped": "Procédure adaptée"})
        )
        assert {g["code"]: g["montant"] for g in drill.groupes} == {OTHER: 85000.0, TITULAIRE: 40000.0}


def test_an_import_refused_leaves_the_groups_as_they_were(engine, tmp_path, monkeypatch):
    assert import_decp(engine, [write_decp(tmp_path / "a.csv", sample_rows())]).written
    before = check_all(engine, monkeypatch)
    bad = [row("M9", montant="beaucoup")]
    assert not import_decp(engine, [write_decp(tmp_path / "b.csv", bad)]).written
    assert check_all(engine, monkeypatch) == before
