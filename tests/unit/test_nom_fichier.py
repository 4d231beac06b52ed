"""Names of the downloaded files: after the search and the date, plain ASCII."""

from datetime import date

from dataetat.exports.nom import MAX_SLUG, file_name, slug
from dataetat.query.params import SearchParams

DAY = date(2026, 12, 4)


def test_zone_programme_and_years():
    params = SearchParams(niveau_geo="departement", code_geo=["35"])
    assert file_name(params, "xlsx", today=DAY) == "data-etat_2026-12-04_departement-35.xlsx"
    params = SearchParams(
        code_programme=["101"], niveau_geo="commune", code_geo=["35238"], annee=[2024, 2023]
    )
    assert (
        file_name(params, "csv", today=DAY)
        == "data-etat_2026-12-04_commune-35238_programme-101_annee-2023-2024.csv"
    )
    years = SearchParams(annee=[2021, 2022, 2023, 2024])
    assert (
        file_name(years, "ods", "groupes", today=DAY) == "data-etat_2026-12-04_annee-2021-a-2024_groupes.ods"
    )


def test_without_filter_the_date_alone():
    assert file_name(SearchParams(), "csv", today=DAY) == "data-etat_2026-12-04.csv"
    assert file_name(SearchParams(page=3, sort_by="annee", sort_order="asc"), "parquet", today=DAY) == (
        "data-etat_2026-12-04.parquet"
    )


def test_ascii_only_and_short():
    params = SearchParams(
        theme=["Écologie, développement et mobilité durables"],
        beneficiaire_categorieJuridique_type=["Collectivité"],
        source="FINANCIAL_DATA_CP",
        code_programme=[str(p) for p in range(100, 140)],
        tags=["cper:2021-27", 'x"; filename=evil'],
        n_ej=["1" * 60],
    )
    name = file_name(params, "xlsx", today=DAY)
    assert name.isascii() and name.endswith(".xlsx")
    assert set(name) <= set("abcdefghijklmnopqrstuvwxyz0123456789-_.")
    # main filters first; a filter too long for what is left is skipped, shorter ones still named
    assert name == (
        "data-etat_2026-12-04_programme-100-101-102-etc_type-collectivite_tags-cper-2021-27-x-filename-evil_cp.xlsx"
    )
    assert len(name) <= len("data-etat_2026-12-04") + MAX_SLUG + len(".xlsx")
    assert slug("Île-de-France / Hauts-de-Seine") == "ile-de-france-hauts-de-seine"
