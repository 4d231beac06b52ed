"""`generate()`: write a region's Chorus AE/CP files (one per exercice) and the SIRENE extracts."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from dataetat.demo import catalog as catalog_module
from dataetat.demo import chorus_format as fmt
from dataetat.demo.beneficiaires import attach_fournisseurs, build_beneficiaires
from dataetat.demo.engagements import Context, Tables, amounts, build_context, build_tables, draw_attributes
from dataetat.demo.referentiels_demo import demo_referentiels
from dataetat.demo.sirene import write_etablissements, write_unites_legales

BLOCK = 250_000
ATTRIBUTES = ("prog", "df", "ref", "centre", "payee", "compte", "groupe", "cper", "loc")


@dataclass
class GeneratedFiles:
    ae: list[Path]  # one per exercice, oldest first
    cp: list[Path]  # one per exercice
    sirene_etablissements: Path
    sirene_unites_legales: Path
    exercices: list[int]
    region: str
    lignes: int  # AE + CP data lines actually written
    # referential rows of the codes made up for the demo (demo/referentiels_demo.py), kind -> frame
    referentiels: dict[str, pl.DataFrame] = field(default_factory=dict)


def generate(
    lignes: int,
    out_dir: Path,
    *,
    region: str = "53",
    exercices: Sequence[int] = (2021, 2022, 2023, 2024),
    seed: int = 53,
    progress: Callable[[int], None] | None = None,
) -> GeneratedFiles:
    """Write about `lignes` AE + CP data lines (exactly `lignes` unless very small) to `out_dir`."""
    years = sorted(int(y) for y in exercices)
    if not years or lignes < 1:
        raise ValueError("Il faut au moins un exercice et une ligne")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    refs = catalog_module.load_referentiels()
    cat = catalog_module.build_catalog(refs, region, seed)
    benef = attach_fournisseurs(build_beneficiaires(cat, min(300_000, max(150, lignes // 25)), seed), seed)
    ctx = build_context(cat, benef, years, seed)
    tables = build_tables(ctx, lignes, seed)
    written = _Counter(progress)
    result = GeneratedFiles(
        [],
        [],
        out_dir / "StockEtablissement_utf8.csv",
        out_dir / "StockUniteLegale_utf8.csv",
        years,
        region,
        0,
    )
    for index, year in enumerate(years):
        result.ae.append(
            _write(
                out_dir / f"chorus_ae_{year}.csv",
                "ae",
                year,
                _ae_lines(ctx, tables, index, seed),
                ctx,
                written,
            )
        )
        result.cp.append(
            _write(
                out_dir / f"chorus_cp_{year}.csv",
                "cp",
                year,
                _cp_lines(ctx, tables, index, seed),
                ctx,
                written,
            )
        )
    write_etablissements(benef, cat, result.sirene_etablissements, seed)
    write_unites_legales(benef, result.sirene_unites_legales)
    result.lignes = written.total
    result.referentiels = demo_referentiels(refs, cat, ctx.localisations)
    return result


class _Counter:
    def __init__(self, progress: Callable[[int], None] | None) -> None:
        self.total, self.progress = 0, progress

    def add(self, n: int) -> None:
        self.total += n
        if self.progress is not None:
            self.progress(self.total)


def _year_bounds(year: int) -> tuple[np.datetime64, np.datetime64]:
    return np.datetime64(f"{year}-01-01"), np.datetime64(f"{year}-12-31")


def _ae_lines(ctx: Context, t: Tables, index: int, seed: int) -> dict[str, np.ndarray]:
    """The AE lines of one exercice: first-year postes (split or cancelled ones on two lines) and
    older postes restated with their new amount (a complement) or corrected (a negative amount)."""
    rng = np.random.default_rng([seed, 10, index])
    p, start, end = t.poste, *_year_bounds(ctx.exercices[index])
    first = np.flatnonzero(p["year0"] == index)
    twice = p["dup"][first] | p["cancelled"][first]
    rows = np.repeat(first, 1 + twice)
    second = np.zeros(rows.size, dtype=bool)
    second[1:] = rows[1:] == rows[:-1]
    base = p["base"][rows]
    part = np.round(base * p["split"][rows]).astype(np.int64)
    cents = np.where(
        p["cancelled"][rows],
        np.where(second, -base, base),
        np.where(p["dup"][rows], np.where(second, base - part, part), base),
    )
    repl = t.ej["repl"][p["ej"][rows]]
    modif = np.minimum(repl + rng.integers(0, 45, rows.size).astype("timedelta64[D]"), end)
    offset = index - p["year0"]
    later = np.flatnonzero((p["year0"] >= 0) & (offset >= 1) & (offset <= p["ext"]))
    # The reference's rule (docs/import.md): a later exercice restates the poste's current positive
    # amount, or brings a negative correction; the poste's AE is base + ext1 + ext2 either way.
    base1, ext1, ext2 = p["base"][later], p["ext1"][later], p["ext2"][later]
    positive1 = np.where(ext1 > 0, base1 + ext1, base1)  # the positive amount after the 2nd exercice
    later_cents = np.where(
        offset[later] == 1, np.where(ext1 > 0, base1 + ext1, ext1), np.where(ext2 > 0, positive1 + ext2, ext2)
    )
    later_modif = start + rng.integers(0, 365, later.size).astype("timedelta64[D]")
    postes = np.concatenate([rows, later])
    lines = _from_ej(t, postes)
    lines.update(cents=np.concatenate([cents, later_cents]), modif=np.concatenate([modif, later_modif]))
    return _sorted(lines)


def _from_ej(t: Tables, postes: np.ndarray) -> dict[str, np.ndarray]:
    ej = t.poste["ej"][postes]
    lines = {key: t.ej[key][ej] for key in ATTRIBUTES}
    lines.update(n_ej=t.ej["number"][ej], poste=t.poste["no"][postes], repl=t.ej["repl"][ej])
    return lines


def _sorted(lines: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    order = np.lexsort((lines["poste"], lines["n_ej"], lines["prog"]))
    return {key: value[order] for key, value in lines.items()}


def _cp_lines(ctx: Context, t: Tables, index: int, seed: int) -> dict[str, np.ndarray]:
    """The CP (one per DP) of one exercice, with orphan DPs (EJ `#`) mixed in."""
    rng = np.random.default_rng([seed, 20, index])
    start, end = _year_bounds(ctx.exercices[index])
    mine = np.flatnonzero(t.dp["year"] == index)
    lines = _from_ej(t, t.dp["poste"][mine])
    n_cp = mine.size
    other = rng.random(n_cp) < 0.03
    lines["payee"] = np.where(other, rng.choice(ctx.weight.size, size=n_cp, p=ctx.weight), lines["payee"])
    lines["cents"] = t.dp["cents"][mine]
    orphans = _orphans(
        ctx,
        rng,
        t.orphans // len(ctx.exercices) + (index < t.orphans % len(ctx.exercices)),
        ctx.exercices[index],
    )
    lines = {key: np.concatenate([lines[key], orphans[key]]) for key in orphans}
    lines = _sorted(lines)
    n = lines["prog"].size
    base = start - 25 + rng.integers(0, 390, n).astype("timedelta64[D]")
    base = np.clip(np.maximum(base, lines["repl"]), start - 25, end)
    lines["base"] = base
    lines["last_op"] = np.clip(base + rng.integers(0, 40, n).astype("timedelta64[D]"), start, end)
    lines["n_dp"] = 100_000_000 + 4_000_000 * index + np.cumsum(rng.integers(1, 4, n))
    has_sf = rng.random(n) < 0.35
    lines["n_sf"] = np.where(has_sf, 7_000_000_000 + rng.integers(0, 999_999_999, n), -1)
    sf_date = np.minimum(base + rng.integers(0, 10, n).astype("timedelta64[D]"), end)
    lines["sf_date"] = np.where(has_sf, sf_date, np.datetime64("NaT"))
    return lines


def _orphans(ctx: Context, rng: np.random.Generator, n: int, year: int) -> dict[str, np.ndarray]:
    """Payments without any EJ (`#`), such as aids to particuliers paid without engagement."""
    lines = draw_attributes(ctx, rng, np.full(n, year))
    lines.update(
        n_ej=np.full(n, -1),
        poste=np.full(n, -1),
        cents=amounts(rng, n, median=400.0),
        repl=np.full(n, np.datetime64(f"{year - 1}-01-01")),
    )
    return lines


def _write(
    path: Path, kind: str, year: int, lines: dict[str, np.ndarray], ctx: Context, written: _Counter
) -> Path:
    n = lines["prog"].size
    with path.open("wb") as handle:
        handle.write(fmt.preamble(kind, year))
        for low in range(0, n, BLOCK):
            block = {key: value[low : low + BLOCK] for key, value in lines.items()}
            fmt.write_block(handle, _ae_columns(ctx, block) if kind == "ae" else _cp_columns(ctx, block))
            written.add(block["prog"].size)
    return path


def _imputation(ctx: Context, b: dict[str, np.ndarray]) -> list:
    cat = ctx.cat
    return [
        fmt.gather(cat.programmes, b["prog"]),
        fmt.gather(cat.domaines.values, b["df"]),
        fmt.gather(cat.centres.values, b["centre"], "BG00/"),
        fmt.gather(cat.referentiels.values, b["ref"], "BG00/"),
        fmt.numbers(b["n_ej"]),
    ]


def _tail(ctx: Context, b: dict[str, np.ndarray]) -> list:
    return [
        fmt.gather(ctx.siret, b["payee"]),
        fmt.gather(ctx.compte_general, b["compte"], "PCE/"),
        fmt.gather(ctx.compte_budgetaire, b["compte"]),
        fmt.gather(ctx.cat.groupes, b["groupe"]),
        fmt.gather(ctx.cper_code, b["cper"]),
        fmt.gather(ctx.cper_label, b["cper"], empty="Non affecté"),
        fmt.gather(ctx.localisations, b["loc"]),
        fmt.amounts(b["cents"]),
    ]


def _ae_columns(ctx: Context, b: dict[str, np.ndarray]) -> list:
    return [
        *_imputation(ctx, b),
        fmt.dates(b["repl"]),
        fmt.numbers(b["poste"]),
        fmt.dates(b["modif"]),
        fmt.gather(ctx.fournisseur, b["payee"]),
        fmt.gather(ctx.label, b["payee"]),
        *_tail(ctx, b),
    ]


def _cp_columns(ctx: Context, b: dict[str, np.ndarray]) -> list:
    return [
        *_imputation(ctx, b),
        fmt.numbers(b["poste"]),
        fmt.numbers(b["n_dp"]),
        fmt.dates(b["base"]),
        fmt.dates(b["last_op"]),
        fmt.numbers(b["n_sf"]),
        fmt.dates(b["sf_date"]),
        fmt.gather(ctx.fournisseur, b["payee"]),
        fmt.gather(ctx.label, b["payee"]),
        *_tail(ctx, b),
    ]
