"""The exercices of the search page (issue 11.10): non-consecutive years, the reference's range."""

from __future__ import annotations

from datetime import date

from dataetat.web.formulaire import Recherche
from dataetat.web.formulaire_choix import year_choices


def read(**query):
    return Recherche.from_query({k: [v] for k, v in query.items()})


def test_non_consecutive_exercices_are_kept_and_searched():
    r, errors = read(annees="2024,2021")
    assert errors == []
    assert r.years() == [2021, 2024]
    assert r.to_params().annee == [2021, 2024]
    assert ("annees", "2021,2024") in r.query_items()


def test_consecutive_exercices_become_the_range_of_the_reference():
    r, _ = read(annees="2023,2022")
    assert (r.annee_min, r.annee_max, r.annees) == (2022, 2023, [])
    assert r.to_params().annee == [2022, 2023]


def test_range_deep_link_still_works_and_the_api_list_is_read():
    r, _ = read(annee_min="2021", annee_max="2023")
    assert r.years() == [2021, 2022, 2023]
    r, _ = read(annee="2021,2024")
    assert r.years() == [2021, 2024]


def test_refused_years_are_named():
    r, errors = read(annees=f"2021,{date.today().year + 1}")
    assert r.years() == [2021]
    assert errors == [f"annees ne peut pas dépasser l'année en cours ({date.today().year})."]
    r, errors = read(annees="deux-mille")
    assert r.years() == [] and "n'est pas une liste d'années" in errors[0]


def test_year_choices_reach_this_year():
    this_year = date.today().year
    assert year_choices([2021, 2024]) == list(range(this_year, 2020, -1))
    assert year_choices([]) == [this_year]
