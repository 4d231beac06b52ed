"""The demo data generator: INF-BUD-53 format, determinism, realism features, SIRENE coherence."""

from __future__ import annotations

import csv
import hashlib
import sys
from collections import defaultdict
from pathlib import Path

import polars as pl
import pytest

try:
    import dataetat  # noqa: F401
except ImportError:  # not installed in the venv: use the src layout directly
    sys.path.insert(0, str(Path(__file__).parents[2] / "src"))

from tests.conftest import TEST_DATA

from dataetat.demo import catalog as catalog_module
from dataetat.demo import generate
from dataetat.demo.names import luhn_valid

SAMPLES = TEST_DATA / "chorus" / "regional"
N = 3_000


def _fallback_referentiels() -> dict[str, pl.DataFrame]:
    """A tiny stand-in for the bundled referentials, built from tests/data."""
    cog = pl.read_csv(TEST_DATA / "cog" / "2026" / "communes.csv", infer_schema=False).filter(
        pl.col("TYPECOM") == "COM"
    )
    commune = cog.select(
        code="COM",
        label="LIBELLE",
        code_departement="DEP",
        code_region="REG",
        code_arrondissement="ARR",
        code_epci=pl.lit(""),
    )
    prog = pl.read_csv(TEST_DATA / "chorus" / "referentiels" / "code_programme_theme.csv", infer_schema=False)
    cats = pl.read_csv(
        TEST_DATA / "chorus" / "referentiels" / "categorie_juridique_type.csv", infer_schema=False
    )
    return {
        "commune": commune,
        "programme": prog.select(code="code_programme", label="titre_programme"),
        "domaine_fonctionnel": pl.DataFrame({"code": ["0103-01-01", "0149-22"]}),
        "referentiel_programmation": pl.DataFrame({"code": ["010300000108"]}),
        "centre_couts": pl.DataFrame(
            {
                "code": [f"DREETS00{d}" for d in ("22", "29", "35", "56", "75")],
                "code_departement": ["22", "29", "35", "56", "75"],
            }
        ),
        "groupe_marchandise": pl.DataFrame({"code": ["09.02.01", "36.01.01"]}),
        "categorie_juridique": cats.select(code="code_categorie_juridique", type="type_beneficiaire"),
    }


@pytest.fixture(scope="module")
def referentiels():
    try:
        return catalog_module.load_referentiels()
    except (FileNotFoundError, ImportError):
        return _fallback_referentiels()


@pytest.fixture(scope="module")
def generated(tmp_path_factory, referentiels):
    patch = pytest.MonkeyPatch()
    patch.setattr(catalog_module, "load_referentiels", lambda: referentiels)
    seen: list[int] = []
    out = tmp_path_factory.mktemp("demo")
    result = generate(N, out, progress=seen.append)
    again = generate(N, tmp_path_factory.mktemp("demo_again"), progress=None)
    other = generate(N, tmp_path_factory.mktemp("demo_seed"), seed=7)
    patch.undo()
    return result, again, other, seen


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def _data(path: Path) -> list[list[str]]:
    return _rows(path)[8:]


def _amount(text: str) -> float:
    return float(text.replace(",", "."))


def _digest(paths) -> list[str]:
    return [hashlib.sha256(Path(p).read_bytes()).hexdigest() for p in paths]


def _all_files(result) -> list[Path]:
    return [*result.ae, *result.cp, result.sirene_etablissements, result.sirene_unites_legales]


def test_files_and_line_count(generated):
    result, _, _, seen = generated
    assert result.exercices == [2021, 2022, 2023, 2024] and result.region == "53"
    assert [p.name for p in result.ae] == [f"chorus_ae_{y}.csv" for y in result.exercices]
    assert all(p.is_file() for p in _all_files(result))
    ae = sum(len(_data(p)) for p in result.ae)
    cp = sum(len(_data(p)) for p in result.cp)
    assert ae + cp == result.lignes
    assert abs(result.lignes - N) <= N * 0.05
    assert 0.35 < ae / (ae + cp) < 0.55
    assert seen and seen[-1] == result.lignes and seen == sorted(seen)


def test_format_matches_the_real_samples(generated):
    result = generated[0]
    ae_header = (SAMPLES / "chorus_ae.csv").read_bytes().split(b"\n")[7]
    cp_header = (SAMPLES / "financial_cp.csv").read_bytes().split(b"\n")[7]
    for kind, paths, header, width, measure in (
        ("ae", result.ae, ae_header, 18, "Engagement"),
        ("cp", result.cp, cp_header, 21, "Montant payé"),
    ):
        for year, path in zip(result.exercices, paths, strict=True):
            raw = path.read_bytes().split(b"\n")
            assert raw[7] == header, kind
            rows = _rows(path)
            assert rows[0][0].startswith("INF-BUD-53 : Pilotage de la gestion")
            assert rows[1][0] == "Dernière MàJ des données :"
            assert rows[5][-2:] == ["Exercice comptable", str(year)]
            assert rows[6][-1] == measure
            assert all(len(row) == width for row in rows[8:])
            for row in rows[8:]:
                assert row[2].startswith("BG00/") and row[3].startswith("BG00/")
                assert row[-1].replace(",", "").lstrip("-").isdigit()
    text = result.ae[0].read_text(encoding="utf-8")
    assert ',"' in text and "\r" not in text  # decimal-comma amounts are quoted


def test_deterministic(generated):
    result, again, other, _ = generated
    assert _digest(_all_files(result)) == _digest(_all_files(again))
    assert _digest(result.ae) != _digest(other.ae)


def test_programme_coherence(generated):
    for path in [*generated[0].ae, *generated[0].cp]:
        for row in _data(path):
            programme = row[0]
            assert len(programme) == 3 and programme.isdigit()
            assert row[1][1:4] == programme
            assert row[3][len("BG00/") + 1 : len("BG00/") + 4] == programme


def test_realism_features(generated):
    result = generated[0]
    ae_years: dict[tuple[str, str], set[int]] = defaultdict(set)
    ae_total: dict[tuple[str, str], float] = defaultdict(float)
    per_year: dict[tuple[str, str], dict[int, float]] = defaultdict(lambda: defaultdict(float))
    duplicates = zero_sum = negative = 0
    for year, path in zip(result.exercices, result.ae, strict=True):
        per_file: dict[tuple[str, str], list[float]] = defaultdict(list)
        for row in _data(path):
            key = (row[4], row[6])
            per_file[key].append(_amount(row[17]))
            ae_years[key].add(year)
            ae_total[key] += _amount(row[17])
            per_year[key][year] += _amount(row[17])
        duplicates += sum(len(v) > 1 for v in per_file.values())
        zero_sum += sum(len(v) > 1 and abs(sum(v)) < 0.005 for v in per_file.values())
        negative += sum(any(a < 0 for a in v) for v in per_file.values())
    assert duplicates and zero_sum and negative
    assert sum(len(y) > 1 for y in ae_years.values()) > 20  # multi-year postes
    postes_per_ej = defaultdict(set)
    for ej, poste in ae_total:
        postes_per_ej[ej].add(poste)
    assert max(len(p) for p in postes_per_ej.values()) >= 3

    ae_ejs = {ej for ej, _ in ae_total}
    cp_total: dict[tuple[str, str], float] = defaultdict(float)
    cp_years: dict[tuple[str, str], set[int]] = defaultdict(set)
    orphans_without_ej = orphans_unknown_ej = cp_negative = 0
    for year, path in zip(result.exercices, result.cp, strict=True):
        for row in _data(path):
            if row[4] == "#":
                assert row[5] == "#"
                orphans_without_ej += 1
                continue
            orphans_unknown_ej += row[4] not in ae_ejs
            cp_total[(row[4], row[5])] += _amount(row[20])
            cp_years[(row[4], row[5])].add(year)
            cp_negative += _amount(row[20]) < 0
    assert orphans_without_ej and orphans_unknown_ej and cp_negative
    assert any(len(y) > 1 for y in cp_years.values())  # DP over several years
    partial = [k for k, v in cp_total.items() if k in ae_total and 0 < v < ae_total[k] - 1]
    assert len(partial) > 10
    # The files follow the reference's AE rule (latest exercice's positive amount + every negative
    # correction): payments never exceed the engagement so counted (summing the exercices did).
    by_rule = {key: _by_rule(per_year[key]) for key in per_year}
    restated = [k for k, v in per_year.items() if sum(a > 0 for a in v.values()) > 1]
    assert len(restated) > 20
    assert all(cp_total.get(k, 0) <= by_rule[k] + 0.01 for k in by_rule if by_rule[k] > 0)


def _by_rule(years: dict[int, float]) -> float:
    positive = [y for y, a in years.items() if a > 0]
    return (years[max(positive)] if positive else 0) + sum(a for a in years.values() if a < 0)


def test_amounts_are_heavy_tailed(generated):
    amounts = [abs(_amount(row[17])) for path in generated[0].ae for row in _data(path)]
    body = sum(500 <= a <= 50_000 for a in amounts) / len(amounts)
    assert body > 0.6
    assert max(amounts) > 500_000
    assert any(a != int(a) for a in amounts)


def test_every_siret_is_in_sirene(generated):
    result = generated[0]
    etab = pl.read_csv(result.sirene_etablissements, infer_schema=False)
    ul = pl.read_csv(result.sirene_unites_legales, infer_schema=False)
    assert etab.columns[:5] == [
        "siren",
        "nic",
        "siret",
        "statutDiffusionEtablissement",
        "dateCreationEtablissement",
    ]
    assert ul.columns[:2] == ["siren", "statutDiffusionUniteLegale"]
    known = set(etab["siret"].to_list())
    used: set[str] = set()
    for path in result.ae:
        used |= {row[10] for row in _data(path)}
    for path in result.cp:
        used |= {row[13] for row in _data(path)}
    assert "#" in used
    used.discard("#")
    assert used <= known
    assert all(len(s) == 14 and luhn_valid(s) for s in known)
    assert all(luhn_valid(s) for s in ul["siren"].to_list())
    assert set(etab["siren"].to_list()) == set(ul["siren"].to_list())
    assert (etab["siren"] + etab["nic"] == etab["siret"]).all()


def test_every_beneficiary_type_is_present(generated):
    ul = pl.read_csv(generated[0].sirene_unites_legales, infer_schema=False)
    types = pl.read_csv(
        TEST_DATA / "chorus" / "referentiels" / "categorie_juridique_type.csv", infer_schema=False
    )
    mapping = dict(
        zip(types["code_categorie_juridique"], types["type_beneficiaire"].fill_null(""), strict=True)
    )
    present = {mapping.get(c, "") for c in ul["categorieJuridiqueUniteLegale"].to_list()}
    assert {"Entreprise", "Collectivité", "Association", "Etat", ""} <= present
    names = ul["denominationUniteLegale"].drop_nulls().to_list()
    assert any(n.startswith("COMMUNE DE ") for n in names)
    assert any(n.startswith("ASSOCIATION ") for n in names)


def test_communes_and_localisations_are_of_the_region(generated):
    result = generated[0]
    cog = pl.read_csv(TEST_DATA / "cog" / "2026" / "communes.csv", infer_schema=False)
    region = set(cog.filter((pl.col("TYPECOM") == "COM") & (pl.col("REG") == "53"))["COM"].to_list())
    etab = pl.read_csv(result.sirene_etablissements, infer_schema=False)
    assert set(etab["codeCommuneEtablissement"].to_list()) <= region
    locs = {row[16] for path in result.ae for row in _data(path)}
    assert "N53" in locs and any(loc.startswith("S") for loc in locs)
    assert {loc for loc in locs if loc.startswith("N53") and len(loc) == 5} <= {
        "N5322",
        "N5329",
        "N5335",
        "N5356",
    }
    communes = {loc[3:] for loc in locs if loc.startswith("N53") and len(loc) == 8}
    assert communes and communes <= region
    cper = {row[14] for path in result.ae for row in _data(path)}
    assert "#" in cper and len(cper) > 1
