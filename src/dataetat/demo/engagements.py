"""The engagement model behind the demo files: EJ → postes → yearly AE amounts → DP payments.

Realism built in: multi-year EJs (complementary or negative AE in later exercices), several postes
per EJ, split (duplicate) EJ/poste lines inside one file, postes cancelled within the year (lines
summing to 0), heavy-tailed amounts with cents, partial payments, several DP per poste over the
years, EJs created before the first exercice (their CP are orphans: no AE in any file).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from dataetat.demo.beneficiaires import ASSOCIATION, COLLECTIVITE
from dataetat.demo.catalog import Catalog

# (compte général, compte budgétaire label, is a transfer)
COMPTES = (
    ("6522800000", "Transferts aux entreprises", True),
    ("6113110000", "Dépenses de fonctionnement autres que celles de personnel", False),
    ("2135000000", "Dépenses pour immobilisations corporelles de l'État", False),
    ("6531200000", "Transferts aux collectivités territoriales", True),
    ("6631200000", "Transferts aux collectivités territoriales", True),
    ("6541100000", "Transferts aux autres collectivités", True),
    ("6571200000", "Subventions pour charges de service public", True),
    ("6512300000", "Transferts aux ménages", True),
    ("6522100000", "Transferts aux entreprises", True),
    ("6132000000", "Dépenses de fonctionnement autres que celles de personnel", False),
)
# per payee kind (ENTREPRISE, COLLECTIVITE, ASSOCIATION, ETAT, AUTRE, PARTICULIER): comptes, weights
COMPTES_BY_KIND = (
    ((0, 8, 1, 9, 2), (0.35, 0.15, 0.25, 0.10, 0.15)),
    ((3, 4, 1), (0.5, 0.4, 0.1)),
    ((5, 1), (0.9, 0.1)),
    ((6, 1, 2), (0.5, 0.4, 0.1)),
    ((5, 7, 1), (0.5, 0.2, 0.3)),
    ((7,), (1.0,)),
)
CPER_VOLETS = (
    "Mobilité multimodale",
    "Enseignement supérieur, recherche et innovation",
    "Transition écologique",
    "Numérique",
    "Cohésion des territoires",
    "Emploi, formation et orientation",
    "Culture et patrimoine",
)
CPER_PERIODS = ((2015, 2020), (2021, 2027))


@dataclass(frozen=True)
class Context:
    cat: Catalog
    exercices: list[int]
    kind: np.ndarray  # per payee
    commune: np.ndarray  # per payee, index into cat.communes
    weight: np.ndarray  # per payee
    fournisseur: pl.Series
    label: pl.Series
    siret: pl.Series
    localisations: pl.Series  # N<reg>, N<reg><dep>…, N<reg><commune>…, S<site>…, N
    compte_general: pl.Series
    compte_budgetaire: pl.Series
    cper_code: pl.Series
    cper_label: pl.Series
    transfer: np.ndarray


def build_context(cat: Catalog, benef: pl.DataFrame, exercices: list[int], seed: int) -> Context:
    rng = np.random.default_rng([seed, 4])
    reg = cat.region
    sites = np.sort(rng.choice(900_000, size=30, replace=False)) + 100_000
    locs = (
        [f"N{reg}"]
        + [f"N{reg}{d}" for d in cat.departements]
        + [f"N{reg}{c}" for c in cat.communes["code"].to_list()]
        + [f"S{s}" for s in sites]
        + ["N"]
    )
    cper = [
        (f"CPER{a % 100:02d}{b % 100:02d}-{i + 1:02d}", f"CPER {a}-{b} - {v}")
        for a, b in CPER_PERIODS
        for i, v in enumerate(CPER_VOLETS)
    ]
    return Context(
        cat=cat,
        exercices=list(exercices),
        kind=benef["kind"].to_numpy(),
        commune=benef["commune"].to_numpy(),
        weight=benef["weight"].to_numpy(),
        fournisseur=benef["fournisseur"],
        label=benef["label"],
        siret=benef["siret"],
        localisations=pl.Series(locs, dtype=pl.Utf8),
        compte_general=pl.Series([c[0] for c in COMPTES]),
        compte_budgetaire=pl.Series([c[1][:20] for c in COMPTES]),
        cper_code=pl.Series([c[0] for c in cper]),
        cper_label=pl.Series([c[1] for c in cper]),
        transfer=np.array([c[2] for c in COMPTES]),
    )


def draw_attributes(ctx: Context, rng: np.random.Generator, years: np.ndarray) -> dict[str, np.ndarray]:
    """Programme-coherent imputation, payee, comptes, CPER and localisation for n EJs (or lines)."""
    cat, n = ctx.cat, years.size
    prog = rng.choice(cat.programmes.len(), size=n, p=cat.programme_weight)
    payee = rng.choice(ctx.kind.size, size=n, p=ctx.weight)
    compte = np.zeros(n, dtype=np.int64)
    kinds = ctx.kind[payee]
    for kind, (choices, probs) in enumerate(COMPTES_BY_KIND):
        mask = kinds == kind
        compte[mask] = rng.choice(choices, size=int(mask.sum()), p=probs)
    groupe = rng.choice(cat.groupes.len(), size=n, p=_zipf(cat.groupes.len(), rng))
    groupe[ctx.transfer[compte] & (rng.random(n) < 0.4)] = -1
    attrs = {
        "prog": prog,
        "df": cat.domaines.pick(prog, rng),
        "ref": cat.referentiels.pick(prog, rng),
        "centre": cat.centres.pick(prog, rng),
        "payee": payee,
        "compte": compte,
        "groupe": groupe,
        "cper": _cper(rng, kinds, years),
        "loc": _localisation(ctx, rng, payee),
    }
    return {key: value.astype(np.int32) for key, value in attrs.items()}


def _zipf(n: int, rng: np.random.Generator) -> np.ndarray:
    weight = 1.0 / (1.0 + rng.permutation(n)) ** 1.2
    return weight / weight.sum()


def _cper(rng: np.random.Generator, kinds: np.ndarray, years: np.ndarray) -> np.ndarray:
    rate = np.where((kinds == COLLECTIVITE) | (kinds == ASSOCIATION), 0.25, 0.03)
    period = (years >= CPER_PERIODS[1][0]).astype(np.int64)
    volet = rng.integers(0, len(CPER_VOLETS), size=kinds.size)
    return np.where(rng.random(kinds.size) < rate, period * len(CPER_VOLETS) + volet, -1)


def _localisation(ctx: Context, rng: np.random.Generator, payee: np.ndarray) -> np.ndarray:
    n, n_dep, n_com = payee.size, len(ctx.cat.departements), ctx.cat.communes.height
    level = rng.choice(5, size=n, p=(0.30, 0.20, 0.38, 0.10, 0.02))
    own = rng.random(n) < 0.8
    commune = np.where(own, ctx.commune[payee], rng.integers(0, n_com, size=n))
    dep_of = np.searchsorted(
        np.array(ctx.cat.departements), np.array([c[:2] for c in ctx.cat.communes["code"].to_list()])
    )
    index = np.select(
        [level == 0, level == 1, level == 2, level == 3],
        [
            np.zeros(n, np.int64),
            1 + dep_of[commune],
            1 + n_dep + commune,
            1 + n_dep + n_com + rng.integers(0, 30, size=n),
        ],
        default=ctx.localisations.len() - 1,
    )
    return index.astype(np.int64)


def amounts(rng: np.random.Generator, n: int, median: float = 6_000.0) -> np.ndarray:
    """Heavy-tailed amounts in cents: lognormal body (most 500–50,000 €), Pareto tail (millions)."""
    euros = rng.lognormal(np.log(median), 1.3, size=n)
    tail = rng.random(n) < 0.012
    euros[tail] = 150_000 * (1 + rng.pareto(1.1, size=int(tail.sum())))
    euros = np.clip(euros, 20, 40_000_000)
    style = rng.random(n)
    euros = np.where(style < 0.25, np.round(euros, -2), np.where(style < 0.5, np.round(euros), euros))
    return np.maximum(np.round(euros * 100), 100).astype(np.int64)


@dataclass
class Tables:
    ej: dict[str, np.ndarray]  # per EJ: attributes, year0 (-1 = before the first exercice), repl, number
    poste: dict[str, np.ndarray]  # per poste: ej, no, ext, base, ext1, ext2, dup, cancelled
    dp: dict[str, np.ndarray]  # per DP: poste, year, cents
    orphans: int  # CP lines with EJ '#' to add so that the total is the target


def build_tables(ctx: Context, target: int, seed: int) -> Tables:
    n_years = len(ctx.exercices)
    n_ej = max(4, int(target / 5.2) + 8)  # about 5.6 lines per EJ
    while True:
        rng = np.random.default_rng([seed, 5, n_ej])
        ej = _engagements(ctx, rng, n_ej)
        poste = _postes(rng, ej, n_years)
        dp = _payments(rng, poste, n_years)
        per_poste = _ae_lines(poste) + np.bincount(dp["poste"], minlength=poste["ej"].size)
        lines = np.bincount(poste["ej"], weights=per_poste, minlength=n_ej)
        if lines.sum() >= 0.975 * target or n_ej > 4 * target:
            break
        n_ej = int(n_ej * 1.5)
    keep_ej = int(np.searchsorted(np.cumsum(lines), 0.975 * target, side="right"))
    ej = {k: v[:keep_ej] for k, v in ej.items()}
    keep_poste = int(np.searchsorted(poste["ej"], keep_ej))
    poste = {k: v[:keep_poste] for k, v in poste.items()}
    dp = {k: v[dp["poste"] < keep_poste] for k, v in dp.items()}
    ae_lines = int(_ae_lines(poste).sum())
    return Tables(ej, poste, dp, max(0, target - ae_lines - dp["poste"].size))


def _engagements(ctx: Context, rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    n_years, first = len(ctx.exercices), ctx.exercices[0]
    year0 = np.where(rng.random(n) < 0.10, -1, rng.integers(0, n_years, size=n))
    calendar = np.where(
        year0 >= 0, np.array(ctx.exercices)[np.maximum(year0, 0)], first - 1 - rng.integers(0, 2, size=n)
    )
    jan1 = (calendar - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    repl = jan1 + rng.integers(0, 365, size=n).astype("timedelta64[D]")
    attrs = draw_attributes(ctx, rng, calendar)
    prefix = np.where(ctx.transfer[attrs["compte"]], 21, 13).astype(np.int64)
    number = prefix * 100_000_000 + rng.permutation(np.cumsum(rng.integers(1, 40, size=n)))
    n_postes = 1 + np.minimum(rng.geometric(0.55, size=n) - 1, 11)
    return {**attrs, "year0": year0.astype(np.int8), "repl": repl, "number": number, "n_postes": n_postes}


def _postes(rng: np.random.Generator, ej: dict[str, np.ndarray], n_years: int) -> dict[str, np.ndarray]:
    owner = np.repeat(np.arange(ej["year0"].size, dtype=np.int32), ej["n_postes"])
    n = owner.size
    starts = np.cumsum(ej["n_postes"]) - ej["n_postes"]
    no = np.arange(n) - np.repeat(starts, ej["n_postes"]) + 1
    year0 = ej["year0"][owner]
    active = year0 >= 0
    ext = np.minimum(rng.choice(3, size=n, p=(0.55, 0.30, 0.15)), np.where(active, n_years - 1 - year0, 0))
    cancelled = active & (rng.random(n) < 0.008)
    ext[cancelled] = 0
    dup = active & ~cancelled & (rng.random(n) < 0.06)
    base = amounts(rng, n)
    return {
        "ej": owner,
        "year0": year0,
        "no": no.astype(np.int16),
        "ext": ext.astype(np.int8),
        "base": base,
        "ext1": _extension(rng, base),
        "ext2": _extension(rng, base),
        "dup": dup,
        "cancelled": cancelled,
        "split": rng.uniform(0.2, 0.8, size=n),
    }


def _extension(rng: np.random.Generator, base: np.ndarray) -> np.ndarray:
    """A later exercice's change of a poste's AE: mostly a complement (the file restates the poste's
    new amount), sometimes a negative correction (désengagement)."""
    negative = rng.random(base.size) < 0.2
    share = np.where(negative, -rng.uniform(0.05, 0.3, base.size), rng.uniform(0.05, 0.6, base.size))
    return np.round(base * share).astype(np.int64)


def _ae_lines(poste: dict[str, np.ndarray]) -> np.ndarray:
    return (poste["year0"] >= 0) * (1 + poste["dup"] + poste["cancelled"] + poste["ext"])


def _payments(rng, poste: dict[str, np.ndarray], n_years: int) -> dict[str, np.ndarray]:
    year0 = poste["year0"]
    n_dp = np.where(rng.random(year0.size) < 0.12, 0, 1 + np.minimum(rng.geometric(0.55, year0.size) - 1, 7))
    n_dp = np.where(year0 < 0, np.maximum(n_dp, 1), n_dp) * ~poste["cancelled"]
    total = poste["base"] + (poste["ext"] >= 1) * poste["ext1"] + (poste["ext"] >= 2) * poste["ext2"]
    partial = np.round(total * rng.uniform(0.2, 0.95, total.size))
    paid = np.where(rng.random(year0.size) < 0.55, total, partial)
    owner = np.repeat(np.arange(year0.size, dtype=np.int32), n_dp)
    lo = np.maximum(year0, 0)
    hi = np.where(year0 < 0, min(1, n_years - 1), np.minimum(year0 + poste["ext"] + 1, n_years - 1))
    year = lo[owner] + np.floor(rng.random(owner.size) * (hi - lo + 1)[owner]).astype(np.int64)
    weight = rng.exponential(size=owner.size)
    cum = np.cumsum(weight)
    first = np.cumsum(n_dp) - n_dp
    before = np.concatenate([[0.0], cum])[first][owner]
    group = np.bincount(owner, weights=weight, minlength=year0.size)[owner]
    upto = np.floor(paid[owner] * (cum - before) / group)
    cents = np.diff(np.concatenate([[0.0], upto]))
    cents[np.arange(owner.size) == first[owner]] = upto[np.arange(owner.size) == first[owner]]
    negative = rng.random(owner.size) < 0.015
    cents[negative] = -np.round(np.abs(cents[negative]) * rng.uniform(0.05, 0.5, int(negative.sum())))
    return {"poste": owner, "year": year.astype(np.int8), "cents": cents.astype(np.int64)}
