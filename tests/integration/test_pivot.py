"""Pivot table ("tableau dynamique", issue 3): every cell and total equals the matching search, over the
same filters and region scope, on DuckDB and on PostgreSQL."""

from __future__ import annotations

import json

import pytest
from tests.conftest import imported_database
from tests.factories import ae_row, cp_row, write_ae, write_cp

from dataetat.query.params import QueryError, SearchParams
from dataetat.query.pivot import pivot
from dataetat.query.search import search
from dataetat.store.chorus_import import ImportOptions, import_chorus

PROGRAMMES = ["103", "113", "119", "181"]
ANNEES = [2022, 2023]


def _import(engine, paths, region):
    result = import_chorus(engine, paths, ImportOptions(region=region))
    assert result.written, [p.describe() for r in result.reports for p in r.errors]


def build_dataset(engine, tmp):
    # Localisation N53 and N52 have no département: the null value of the column dimension.
    ae53_2023 = [
        ae_row("1001", 1, "100"),
        ae_row("1002", 1, "40", loc="N53"),
        ae_row("1003", 1, "200", programme="113", loc="N5329019"),
        ae_row("1004", 1, "400", programme="181", loc="N53"),
    ]
    cp53_2023 = [cp_row("1001", 1, "9000001", "30"), cp_row("9999", 1, "9000002", "7")]  # 9999: orphan CP
    _import(
        engine, [write_ae(tmp / "ae53_23.csv", ae53_2023), write_cp(tmp / "cp53_23.csv", cp53_2023)], "53"
    )
    ae53_2022 = [ae_row("2001", 1, "50"), ae_row("2002", 1, "70", programme="113")]
    _import(engine, [write_ae(tmp / "ae53_22.csv", ae53_2022, exercice=2022)], "53")
    _import(engine, [write_ae(tmp / "ae52_23.csv", [ae_row("5201", 1, "1000", loc="N5244109")])], "52")
    ae52_2022 = [ae_row("5202", 1, "300", programme="119", loc="N52")]
    _import(engine, [write_ae(tmp / "ae52_22.csv", ae52_2022, exercice=2022)], "52")


@pytest.fixture(scope="module", params=["duckdb", "postgresql"])
def db(request, tmp_path_factory):
    """One imported dataset per backend, shared by the read-only tests of this module."""
    tmp = tmp_path_factory.mktemp(f"pivot-{request.param}")
    with imported_database(request.param, tmp, build_dataset) as engine:
        yield engine


def run_pivot(engine, lignes="programme_code", colonnes="annee", valeur="montant_ae", region=None, **kw):
    with engine.connect() as conn:
        return pivot(conn, SearchParams(**kw), lignes, colonnes, valeur, region=region)


def total(engine, valeur, region=None, **kw):
    with engine.connect() as conn:
        t = search(conn, SearchParams(page_size=1, **kw), region=region).total
    return t.count if valeur == "count" else getattr(t, valeur)


def as_grid(result) -> dict[tuple, float | None]:
    return {
        (r["code"], e["code"]): v
        for r in result.as_dict()["rangs"]
        for e, v in zip(result.as_dict()["entetes"], r["cellules"], strict=True)
    }


@pytest.mark.parametrize("valeur", ["montant_ae", "montant_cp", "count"])
def test_cells_and_totals_equal_the_searches(db, valeur):
    result = run_pivot(db, valeur=valeur)
    d = result.as_dict()
    assert json.loads(json.dumps(d)) == d
    assert [r["code"] for r in d["rangs"]] == PROGRAMMES
    assert [e["code"] for e in d["entetes"]] == ANNEES
    grid = as_grid(result)
    for p in PROGRAMMES:
        for y in ANNEES:
            expected = total(db, valeur, code_programme=[p], annee=[y])
            assert (grid[p, y] or 0) == expected, (p, y)
    for r in d["rangs"]:
        assert r["total"] == total(db, valeur, code_programme=[r["code"]])
        assert r["total"] == pytest.approx(sum(v or 0 for v in r["cellules"]))
    for y, col_total in zip(ANNEES, d["totaux_colonnes"], strict=True):
        assert col_total == total(db, valeur, annee=[y])
    assert d["total"] == total(db, valeur) == pytest.approx(sum(d["totaux_colonnes"]))
    assert grid["119", 2023] is None  # no line: an empty cell, not a zero
    if valeur == "count":
        assert all(isinstance(v, int) for v in [d["total"], *d["totaux_colonnes"]])
    else:
        assert all(isinstance(v, float) for v in [d["total"], *d["totaux_colonnes"]])


def test_labels_and_a_null_column_value(db):
    result = run_pivot(db, colonnes="localisation_departement_code")
    d = result.as_dict()
    assert [e["code"] for e in d["entetes"]] == ["29", "35", "44", None]
    assert d["entetes"][-1]["label"] == "Non renseigné"
    assert d["rangs"][0]["label"].startswith("103 - Accompagnement des mutations")
    grid = as_grid(result)
    for p in PROGRAMMES:
        # The null column is the opened group "None" of a search grouped by that column.
        expected = total(
            db, "montant_ae", code_programme=[p], grouping=["localisation_departement_code"], grouped=["None"]
        )
        assert (grid[p, None] or 0) == expected
    assert (grid["103", None], grid["181", None], grid["119", None]) == (40.0, 400.0, 300.0)
    assert d["total"] == total(db, "montant_ae")
    swapped = run_pivot(db, lignes="localisation_departement_code", colonnes="programme_code").as_dict()
    assert swapped["rangs"][-1]["label"] == "Non renseigné"
    assert swapped["rangs"][-1]["total"] == 740.0
    assert swapped["entetes"][1]["label"] == "113 - Paysages, eau et biodiversité"


def test_region_scope_applies(db):
    d = run_pivot(db, region="53", colonnes="localisation_departement_code").as_dict()
    assert [r["code"] for r in d["rangs"]] == ["103", "113", "181"]  # 119 only in région 52
    assert "44" not in [e["code"] for e in d["entetes"]]
    assert d["total"] == total(db, "montant_ae", region="53") == 860.0
    counts = run_pivot(db, region="52", valeur="count").as_dict()
    assert counts["total"] == total(db, "count", region="52") == 2


def test_filters_and_grouping_path_apply(db):
    d = run_pivot(db, code_programme=["103"], annee=[2023], valeur="montant_cp").as_dict()
    assert [r["code"] for r in d["rangs"]] == ["103"] and [e["code"] for e in d["entetes"]] == [2023]
    assert d["total"] == 37.0
    programme = "programme Accompagnement des mutations économiques et développement de l'emploi (103)"
    assert d["description"] == [programme, "année 2023"]
    opened = run_pivot(db, grouping=["programme_code"], grouped=["113"]).as_dict()
    assert [r["code"] for r in opened["rangs"]] == ["113"] and opened["total"] == 270.0


@pytest.mark.parametrize(
    ("lignes", "colonnes", "valeur", "message"),
    [
        ("programme_code", "annee", "montant", "valeur « montant » inconnue"),
        ("inconnue", "annee", "count", "« inconnue » en lignes"),
        ("programme_code", "n_ej", "count", "« n_ej » en colonnes"),
        ("programme_code", "montant_ae", "count", "« montant_ae » en colonnes"),
        ("annee", "annee", "count", "deux colonnes différentes"),
    ],
)
def test_invalid_pivots_are_refused_in_french(db, lignes, colonnes, valeur, message):
    with pytest.raises(QueryError, match=message):
        run_pivot(db, lignes=lignes, colonnes=colonnes, valeur=valeur)


def test_too_many_columns_says_which_and_how_many(db):
    with db.connect() as conn:
        with pytest.raises(
            QueryError, match=r"« Programme » \(programme_code\) prend 4 valeurs distinctes, 3 au"
        ):
            pivot(conn, SearchParams(), "annee", "programme_code", "count", max_colonnes=3)
        assert (
            len(pivot(conn, SearchParams(), "annee", "programme_code", "count", max_colonnes=4).entetes) == 4
        )
        with pytest.raises(QueryError, match="page doit être"):
            pivot(conn, SearchParams(page=0), "programme_code", "annee", "count")
