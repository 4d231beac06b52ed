"""The statistical secrecy rule of the open aggregates (query/ouvert.py), on both databases: every
published cell — « autres » included — stands for `seuil` beneficiaries or more, recomputed here
from the lines themselves; a lone company's amount never appears; sums add up."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import pytest
from tests.conftest import imported_database
from tests.ouvert_donnees import LONE_AMOUNT, fill

from dataetat.query import ouvert


@pytest.fixture(scope="module", params=["duckdb", "postgresql"])
def base(request, tmp_path_factory):
    found = {}
    with imported_database(
        request.param, tmp_path_factory.mktemp(f"ouvert-{request.param}"),
        lambda engine, _: found.setdefault("rows", fill(engine)),
    ) as engine:  # fmt: skip
        yield engine, found["rows"]


@pytest.fixture
def engine(base):
    return base[0]


@pytest.fixture
def rows(base):
    return base[1]


def _zone_of(row: dict, niveau: str) -> str | None:
    return row["qpv_code"] if niveau == "qpv" else row[f"beneficiaire_{niveau}_code"]


def _famille(row: dict) -> str:
    if row["source"] == "ADEME":
        return "ademe"
    return "chorus-nation" if row["data_source"] == "NATION" else "chorus-region"


def check_secrecy(cells: list[ouvert.Cellule], rows: list[dict], niveau: str, seuil: int) -> None:
    """THE test of the rule: fails when a published cell stands for fewer than `seuil` distinct
    beneficiaries (a cell « autres » stands for the lines of its group not in a published cell)."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for row in rows:
        if (zone := _zone_of(row, niveau)) is not None:
            groups[(_famille(row), row["source_region"], zone, row["annee"])].append(row)
    published = defaultdict(set)
    for cell in cells:
        if cell.programme_code != ouvert.AUTRES:
            published[(cell.famille, cell.region, cell.zone_code, cell.annee)].add(cell.programme_code)
    for cell in cells:
        group = groups[(cell.famille, cell.region, cell.zone_code, cell.annee)]
        shown = published[(cell.famille, cell.region, cell.zone_code, cell.annee)]
        if cell.programme_code == ouvert.AUTRES:
            lines = [r for r in group if r["programme_code"] not in shown]
        else:
            lines = [r for r in group if r["programme_code"] == cell.programme_code]
        sirets = {r["beneficiaire_code"] for r in lines if r["beneficiaire_code"]}
        assert len(sirets) >= seuil, (niveau, cell)
        assert cell.montant_ae == sum((r["montant_ae"] for r in lines), Decimal(0)), cell
        assert cell.lignes == len(lines)


@pytest.mark.parametrize("seuil", [1, 3, 5])
def test_no_published_cell_stands_for_fewer_than_seuil_beneficiaries(engine, rows, seuil):
    for niveau in ouvert.NIVEAUX:
        with engine.connect() as conn:
            cells = ouvert.cellules(conn, niveau, seuil)
        assert cells or (seuil == 5 and niveau == "commune"), niveau  # (5: see test_ouvert_secondaire)
        check_secrecy(cells, rows, niveau, seuil)
        if seuil > 1:
            amounts = {c.montant_ae for c in cells}
            assert LONE_AMOUNT not in amounts and Decimal("9999.77") not in amounts


def test_the_rule_step_by_step(engine, rows):
    with engine.connect() as conn:
        communes = ouvert.cellules(conn, "commune", 3, familles=["chorus-region"])
    by_zone = defaultdict(dict)
    for cell in communes:
        by_zone[(cell.zone_code, cell.annee)][cell.programme_code] = cell
    rennes = by_zone[("35238", 2023)]
    # 103 has 5 companies, 149 (1) and 181 (2) make « autres » (3 companies); Bruz: « autres » (1
    # company) would be the lone company: the smallest cell (103) joins it. Then the secondary rule:
    # département 35's 103 minus Rennes' 103 would give Bruz's 103, and Bruz's « autres » minus that
    # its lone company: Rennes' 103 joins its « autres » too (tests/integration/test_ouvert_secondaire.py).
    assert set(rennes) == {ouvert.AUTRES}
    assert rennes[ouvert.AUTRES].montant_ae == Decimal("5000.00") + LONE_AMOUNT + Decimal("1100.00")
    assert rennes[ouvert.AUTRES].programme_libelle == ouvert.AUTRES_LIBELLE
    assert set(by_zone[("35047", 2023)]) == {ouvert.AUTRES}
    assert by_zone[("35047", 2023)][ouvert.AUTRES].montant_ae == Decimal("10599.77")
    # Brest 2024 (2 companies) and Rennes 2024 (lines without SIRET): withheld.
    assert ("29019", 2024) not in by_zone and ("35238", 2024) not in by_zone
    # With a threshold of 1 every cell with a SIRET is published as such; lines without one never.
    with engine.connect() as conn:
        tout = ouvert.cellules(conn, "commune", 1, familles=["chorus-region"], code="35238")
    assert {(c.annee, c.programme_code) for c in tout} == {(2023, "103"), (2023, "149"), (2023, "181")}


def test_jeux_are_separate_and_a_jeu_is_a_subset_of_the_whole(engine, rows):
    with engine.connect() as conn:
        whole = ouvert.cellules(conn, "departement", 3)
        nation = ouvert.cellules(conn, "departement", 3, familles=["chorus-nation"], region="53")
    assert {c.jeu for c in whole} == {"chorus-region-53", "chorus-nation-53", "ademe-53"}
    assert nation == [c for c in whole if c.jeu == "chorus-nation-53"]
