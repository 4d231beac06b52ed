"""The secondary suppression of the open aggregates (query/ouvert_secret.py), on both databases:
cases where a parent's published cell minus its children's gave a lone company before, and a reader
who subtracts published figures (parent − published children, by programme and by zone total, then
« autres » − what that gave) finds no cell of fewer than `seuil` beneficiaries. The reader here is
written from the lines, independently of the rule's code."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import pytest
import sqlalchemy as sa
from tests.conftest import imported_database
from tests.ouvert_donnees import LONE_AMOUNT, _line, lines

from dataetat.query import ouvert
from dataetat.store.schema import ligne

BRUZ_177 = Decimal("4444.44")  # the lone company of Bruz, programme 177, 2022
BRUZ_149 = Decimal("9999.77")  # the lone company of Bruz, programme 149, 2023 (tests/ouvert_donnees.py)
PAIRS = (("region", "departement"), ("departement", "commune"), ("epci", "commune"))


def rows() -> list[dict]:
    found = lines()
    # 2022, département 35, programme 177: Rennes 5 companies (published), Bruz ONE (masked). The
    # département's 177 (6 companies) minus Rennes' 177 was Bruz's company: the one-child case.
    for i in range(5):
        found.append(_line(f"9100000000000{i}", "177", 2022, "2000.00"))
    found.append(_line("92000000000001", "177", 2022, BRUZ_177, commune="35047"))
    for i in range(4):  # both have other aid that year, so that neither group is withheld whole
        found.append(_line(f"9300000000000{i}", "103", 2022, "300.00", commune="35047"))
        found.append(_line(f"9400000000000{i}", "103", 2022, "310.00"))
    return found


@pytest.fixture(scope="module", params=["duckdb", "postgresql"])
def base(request, tmp_path_factory):
    data = rows()

    def fill(engine, _):
        with engine.begin() as conn:
            conn.execute(ligne.insert(), data)

    with imported_database(
        request.param, tmp_path_factory.mktemp(f"ouvert2-{request.param}"), fill
    ) as engine:
        yield engine, data


def _zone(row: dict, niveau: str) -> str:
    return row[f"beneficiaire_{niveau}_code"]


def _jeu(row: dict) -> str:
    fam = (
        "ademe"
        if row["source"] == "ADEME"
        else ("chorus-nation" if row["data_source"] == "NATION" else "chorus-region")
    )
    return f"{fam}-{row['source_region']}"


def _differences(cells: list[ouvert.Cellule], data: list[dict], seuil: int) -> tuple[set[Decimal], list]:
    """What one subtraction gives (parent − its published children, by programme and by zone total),
    then « autres » of a child minus that; and the sets of lines a parent − children leaves when they
    are one child's cell of fewer than `seuil` beneficiaries (the leaks)."""
    pub = {(c.jeu, c.niveau, c.zone_code, c.annee, c.programme_code): c.montant_ae for c in cells}
    totals: dict[tuple, Decimal] = defaultdict(Decimal)
    for (jeu, niveau, zone, annee, _), ae in pub.items():
        totals[(jeu, niveau, zone, annee)] += ae
    known, leaks = set(pub.values()), []
    for parent, child in PAIRS:
        lines_of = defaultdict(list)
        for r in data:
            lines_of[(_jeu(r), _zone(r, parent), r["annee"])].append(r)
        for (jeu, zone, annee), group in lines_of.items():
            kids = {_zone(r, child) for r in group}
            for prog in {r["programme_code"] for r in group} | {None}:  # None: the zone's total
                whole = (
                    totals.get((jeu, parent, zone, annee))
                    if prog is None
                    else pub.get((jeu, parent, zone, annee, prog))
                )
                if whole is None:
                    continue
                part = [
                    pub.get((jeu, child, k, annee, prog)) if prog else totals.get((jeu, child, k, annee))
                    for k in kids
                ]
                diff = whole - sum((p for p in part if p is not None), Decimal(0))
                known.add(diff)
                hidden = [k for k, p in zip(kids, part, strict=True) if p is None]
                left = [
                    r
                    for r in group
                    if _zone(r, child) in hidden and (prog is None or r["programme_code"] == prog)
                ]
                if (
                    len({_zone(r, child) for r in left}) == 1
                    and len({r["beneficiaire_code"] for r in left} - {None}) < seuil
                ):
                    leaks.append((parent, child, jeu, zone, annee, prog, diff))
                for k in kids:  # « autres » of a child minus what the subtraction gave
                    if (a := pub.get((jeu, child, k, annee, ouvert.AUTRES))) is not None:
                        known.add(a - diff)
    return known, leaks


@pytest.mark.parametrize("seuil", [2, 3, 4])
def test_no_cell_is_recoverable_by_subtraction(base, seuil):
    engine, data = base
    with engine.connect() as conn:
        cells = ouvert.calculer(conn, seuil)
    known, leaks = _differences(cells, data, seuil)
    assert leaks == []
    assert LONE_AMOUNT not in known and BRUZ_149 not in known and BRUZ_177 not in known


def test_the_cases_that_leaked_before(base):
    engine, data = base
    with engine.connect() as conn:
        cells = ouvert.calculer(conn, 3)
    pub = {(c.jeu, c.niveau, c.zone_code, c.annee, c.programme_code): c for c in cells}
    jeu = "chorus-region-53"
    # The primary rule alone published département 35's 177 and Rennes' 177: their difference was
    # Bruz's lone company. Rennes' 177 (the smallest published sibling) is masked now, with the next
    # smallest cell of Rennes (103), else « autres » would be Rennes' 177 alone; the département's 177
    # is still published.
    assert (jeu, "departement", "35", 2022, "177") in pub
    assert {k[4] for k in pub if k[:4] == (jeu, "commune", "35238", 2022)} == {ouvert.AUTRES}
    assert pub[(jeu, "commune", "35238", 2022, ouvert.AUTRES)].beneficiaires >= 3
    # 2023: département 35's 103 − Rennes' 103 gave Bruz's 103, and Bruz's « autres » − that its
    # lone company of programme 149.
    assert (jeu, "departement", "35", 2023, "103") in pub and (
        jeu,
        "commune",
        "35238",
        2023,
        "103",
    ) not in pub
    # Every published cell still stands for 3 beneficiaries or more (recomputed from the lines).
    for c in cells:
        if c.programme_code != ouvert.AUTRES:
            sirets = {r["beneficiaire_code"] for r in data if _jeu(r) == c.jeu and r["annee"] == c.annee
                      and r["programme_code"] == c.programme_code and r.get(f"beneficiaire_{c.niveau}_code", r.get("qpv_code")) == c.zone_code}  # fmt: skip
            assert len(sirets - {None}) >= 3, c


def test_the_primary_rule_alone_leaked(base):
    """The same reader on the cells of the primary rule only finds the lone companies: it can fail."""
    engine, data = base
    with engine.connect() as conn:
        primary = _primary_only(conn, 3)
    known, leaks = _differences(primary, data, 3)
    assert leaks and BRUZ_177 in known and BRUZ_149 in known


def _primary_only(conn, seuil: int) -> list[ouvert.Cellule]:
    from dataetat.query import ouvert_calcul, ouvert_secret

    saved = ouvert_secret.secondaire
    ouvert_calcul.ouvert_secret.secondaire = lambda *a, **k: 0
    try:
        return ouvert_calcul.calculer(conn, seuil)
    finally:
        ouvert_calcul.ouvert_secret.secondaire = saved


def test_cog_nesting_is_known(base):
    """The rule nests zones by the COG referential: the test's communes are in it."""
    engine, _ = base
    with engine.connect() as conn:
        from dataetat.query.ouvert_calcul import parents_cog

        nesting = parents_cog(conn)
        assert conn.execute(sa.text("SELECT count(*) FROM ref_commune")).scalar_one() > 0
    assert nesting[("departement", "commune")]["35047"] == "35"
    assert nesting[("epci", "commune")]["35047"] == "243500139"
