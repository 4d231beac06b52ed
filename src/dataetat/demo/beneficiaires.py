"""The pool of beneficiaries (one row per établissement) and its SIRENE extracts.

Every type is represented: entreprises, collectivités (communes with their real-shaped SIREN
21+dep+0+commune, EPCI with their real SIREN, départements, région, EPLE), associations, services
of the État, others (entrepreneurs individuels, CCAS, hospitals, universities, foundations) and a few
payees without SIRET (particuliers). Every SIREN and SIRET is Luhn-valid.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from dataetat.demo.catalog import Catalog, ascii_upper
from dataetat.demo.names import (
    ACTIVITIES,
    ASSOCIATION_NAMES,
    COMPANY_FORMS,
    FIRST_NAMES,
    SCHOOL_NAMES,
    STATE_SERVICES,
    SURNAMES,
    luhn_valid,
    with_check_digit,
)

# Payee kinds, used to pick comptes (index into generator.COMPTES_BY_KIND).
ENTREPRISE, COLLECTIVITE, ASSOCIATION, ETAT, AUTRE, PARTICULIER = range(6)
KIND_BY_TYPE = {
    "Entreprise": ENTREPRISE,
    "Collectivité": COLLECTIVITE,
    "Association": ASSOCIATION,
    "Etat": ETAT,
}
EPCI_CATEGORIE = {"CC": "7346", "CA": "7348", "CU": "7343", "METRO": "7344", "ME": "7344"}


class _Rows:
    """Column lists of the établissements being built."""

    def __init__(self) -> None:
        self.cols: dict[str, list] = {
            k: []
            for k in (
                "siren",
                "nic",
                "categorie",
                "naf",
                "denomination",
                "nom",
                "prenom",
                "commune",
                "siege",
                "creation",
            )
        }

    def add(self, siren, nic, categorie, naf, denomination, nom, prenom, commune, siege, creation):
        n = len(siren)
        values = (siren, nic, categorie, naf, denomination, nom, prenom, commune, siege, creation)
        for key, value in zip(self.cols, values, strict=True):
            self.cols[key].extend(list(value) if not isinstance(value, str | bool | int) else [value] * n)


def _unique_payloads(rng: np.random.Generator, n: int, low: int, high: int) -> np.ndarray:
    return low + rng.choice(high - low, size=n, replace=False).astype(np.int64)


def _dates(rng: np.random.Generator, n: int, first: int, last: int) -> list[str]:
    start = np.datetime64(f"{first}-01-01")
    days = rng.integers(0, (np.datetime64(f"{last}-12-31") - start).astype(int), size=n)
    return (start + days).astype(str).tolist()


def _pick(rng: np.random.Generator, words, n: int) -> list:
    return [words[i] for i in rng.integers(0, len(words), size=n)]


def _draw_communes(rng, cat: Catalog, n: int) -> np.ndarray:
    return rng.choice(cat.communes.height, size=n, p=cat.commune_weight)


def _collectivites(rows: _Rows, rng, cat: Catalog, n: int) -> None:
    codes = cat.communes["code"].to_list()
    labels = cat.communes["label"].to_list()
    chosen = np.sort(
        rng.choice(len(codes), size=min(len(codes), max(3, n)), replace=False, p=cat.commune_weight)
    )
    payload = np.array(
        [int(f"21{codes[i][:2]}0{codes[i][2:]}".replace("A", "0").replace("B", "0")) for i in chosen],
        dtype=np.int64,
    )
    rows.add(
        with_check_digit(payload, 8),
        np.ones(chosen.size, np.int64),
        "7210",
        "8411Z",
        [f"COMMUNE DE {ascii_upper(labels[i])}" for i in chosen],
        "",
        "",
        chosen,
        True,
        "1983-03-01",
    )
    _epci(rows, rng, cat, max(1, n // 5))
    index = {c: i for i, c in enumerate(codes)}
    for dep in cat.departements:
        first = next(i for i, c in enumerate(codes) if c.startswith(dep))
        label = ascii_upper(cat.departement_labels.get(dep, dep))
        payload = np.array([int(f"22{dep}0001".replace("A", "0").replace("B", "0"))])
        rows.add(
            with_check_digit(payload, 8),
            [1],
            "7220",
            "8411Z",
            [f"DEPARTEMENT {label}"],
            "",
            "",
            [first],
            True,
            "1983-03-01",
        )
    hub = max(cat.departements, key=lambda d: sum(c.startswith(d) for c in codes))
    payload = np.array([int(f"23{hub}0001".replace("A", "0").replace("B", "0"))])
    region = ascii_upper(cat.region_label or cat.region)
    rows.add(
        with_check_digit(payload, 8),
        [1],
        "7230",
        "8411Z",
        [f"REGION {region}"],
        "",
        "",
        [index[next(c for c in codes if c.startswith(hub))]],
        True,
        "1983-03-01",
    )
    size = max(2, n // 4)
    schools = _pick(rng, SCHOOL_NAMES, size)
    kinds = _pick(rng, (("COLLEGE", "8531Z"), ("LYCEE", "8532Z")), size)
    rows.add(
        with_check_digit(_unique_payloads(rng, size, 19_000_000, 19_500_000), 8),
        np.ones(size, np.int64),
        "7331",
        [k[1] for k in kinds],
        [f"{k[0]} {s}" for k, s in zip(kinds, schools, strict=True)],
        "",
        "",
        _draw_communes(rng, cat, size),
        True,
        _dates(rng, size, 1965, 2005),
    )


def _epci(rows: _Rows, rng, cat: Catalog, n: int) -> None:
    epci = cat.epci.filter(pl.col("code").map_elements(luhn_valid, return_dtype=pl.Boolean))
    epci = epci.head(n)
    members = cat.communes["code_epci"].to_list()
    labels = cat.communes["label"].to_list()
    for code, label, nature in epci.iter_rows():
        member = members.index(code)
        name = ascii_upper(label) or f"COMMUNAUTE DE COMMUNES DE {ascii_upper(labels[member])}"
        rows.add(
            np.array([int(code)]),
            [1],
            EPCI_CATEGORIE.get(nature, "7346"),
            "8411Z",
            [name],
            "",
            "",
            [member],
            True,
            _dates(rng, 1, 1993, 2017),
        )


def _entreprises(rows: _Rows, rng, cat: Catalog, n: int) -> None:
    n_units = max(1, int(n * 0.9))
    siren = with_check_digit(_unique_payloads(rng, n_units, 30_000_000, 70_000_000), 8)
    weights = np.array([f[2] for f in COMPANY_FORMS])
    drawn = rng.choice(len(COMPANY_FORMS), size=n_units, p=weights / weights.sum())
    forms = [COMPANY_FORMS[i] for i in drawn]
    acts = _pick(rng, ACTIVITIES, n_units)
    surnames = _pick(rng, SURNAMES, n_units)
    communes = _draw_communes(rng, cat, n_units)
    town = cat.communes["label"].to_list()
    style = rng.integers(0, 3, size=n_units)
    names = [
        f"{f[1]} {s} {a[0]}"
        if k == 0
        else f"{f[1]} {a[0]} {ascii_upper(town[c])}"
        if k == 1
        else f"{f[1]} {s} ET FILS"
        for f, a, s, c, k in zip(forms, acts, surnames, communes, style, strict=True)
    ]
    created = _dates(rng, n_units, 1970, 2022)
    rows.add(
        siren,
        rng.integers(1, 30, size=n_units),
        [f[0] for f in forms],
        [a[1] for a in acts],
        names,
        "",
        "",
        communes,
        True,
        created,
    )
    second = rng.choice(n_units, size=n - n_units, replace=False)
    rows.add(
        siren[second],
        rng.integers(30, 99, size=second.size),
        [forms[i][0] for i in second],
        [acts[i][1] for i in second],
        [names[i] for i in second],
        "",
        "",
        _draw_communes(rng, cat, second.size),
        False,
        _dates(rng, second.size, 2000, 2023),
    )


def _associations(rows: _Rows, rng, cat: Catalog, n: int) -> None:
    communes = _draw_communes(rng, cat, n)
    town = cat.communes["label"].to_list()
    kinds = _pick(rng, ASSOCIATION_NAMES, n)
    rows.add(
        with_check_digit(_unique_payloads(rng, n, 70_000_000, 90_000_000), 8),
        rng.integers(1, 30, size=n),
        "9220",
        [k[1] for k in kinds],
        [f"{k[0]} {ascii_upper(town[c])}" for k, c in zip(kinds, communes, strict=True)],
        "",
        "",
        communes,
        True,
        _dates(rng, n, 1950, 2022),
    )


def _etat(rows: _Rows, rng, cat: Catalog, n: int) -> None:
    communes = _draw_communes(rng, cat, n)
    town = cat.communes["label"].to_list()
    services = _pick(rng, STATE_SERVICES, n)
    codes = cat.communes["code"].to_list()
    region = ascii_upper(cat.region_label or cat.region)
    names = [
        _state_name(s, ascii_upper(cat.departement_labels.get(codes[c][:2], town[c])), region)
        for s, c in zip(services, communes, strict=True)
    ]
    rows.add(
        with_check_digit(_unique_payloads(rng, n, 11_000_000, 18_999_999), 8),
        rng.integers(1, 99, size=n),
        [s[0] for s in services],
        ["8411Z" if s[0] != "4110" else "6820B" for s in services],
        names,
        "",
        "",
        communes,
        True,
        _dates(rng, n, 1960, 2015),
    )


def _state_name(service: tuple[str, str], departement: str, region: str) -> str:
    categorie, name = service
    if categorie == "7120":
        return name
    if categorie == "4110" or "REGIONALE" in name or "ACADEMIE" in name:
        return f"{name} {region}"
    return f"{name} {departement}"


def _autres(rows: _Rows, rng, cat: Catalog, n: int) -> None:
    n_ei = max(1, int(n * 0.6))
    acts = _pick(rng, ACTIVITIES, n_ei)
    rows.add(
        with_check_digit(_unique_payloads(rng, n_ei, 90_000_000, 98_000_000), 8),
        np.ones(n_ei, np.int64),
        "1000",
        [a[1] for a in acts],
        "",
        _pick(rng, SURNAMES, n_ei),
        _pick(rng, FIRST_NAMES, n_ei),
        _draw_communes(rng, cat, n_ei),
        True,
        _dates(rng, n_ei, 1985, 2023),
    )
    rest = max(1, n - n_ei)
    town = cat.communes["label"].to_list()
    communes = _draw_communes(rng, cat, rest)
    kinds = _pick(
        rng,
        (
            ("7361", "CENTRE COMMUNAL D ACTION SOCIALE DE", "8899B", 26_000_000),
            ("7364", "CENTRE HOSPITALIER DE", "8610Z", 26_500_000),
            ("7383", "UNIVERSITE DE", "8542Z", 19_500_000),
            ("9300", "FONDATION DE", "8899B", 98_000_000),
        ),
        rest,
    )
    low = np.array([k[3] for k in kinds], dtype=np.int64)
    payload = low + _unique_payloads(rng, rest, 0, 500_000)
    rows.add(
        with_check_digit(payload, 8),
        rng.integers(1, 30, size=rest),
        [k[0] for k in kinds],
        [k[2] for k in kinds],
        [f"{k[1]} {ascii_upper(town[c])}" for k, c in zip(kinds, communes, strict=True)],
        "",
        "",
        communes,
        True,
        _dates(rng, rest, 1960, 2015),
    )


def build_beneficiaires(cat: Catalog, size: int, seed: int) -> pl.DataFrame:
    """One row per payee: siret ('#' for particuliers), fournisseur code and label, kind, SIRENE fields."""
    rng = np.random.default_rng([seed, 2])
    rows = _Rows()
    _collectivites(rows, rng, cat, max(3, int(size * 0.12)))
    _entreprises(rows, rng, cat, max(2, int(size * 0.42)))
    _associations(rows, rng, cat, max(1, int(size * 0.18)))
    _etat(rows, rng, cat, max(1, int(size * 0.06)))
    _autres(rows, rng, cat, max(2, int(size * 0.06)))
    frame = _assemble(rows, cat)
    return pl.concat([frame, _particuliers(rng, cat, max(1, int(size * 0.03)), frame.height)], how="diagonal")


def _assemble(rows: _Rows, cat: Catalog) -> pl.DataFrame:
    c = rows.cols
    siren = np.array(c["siren"], dtype=np.int64)
    siret = with_check_digit(siren * 10_000 + np.array(c["nic"], dtype=np.int64), 13)
    frame = pl.DataFrame(
        {
            "siren": pl.Series(siren).cast(pl.Utf8).str.zfill(9),
            "siret": pl.Series(siret).cast(pl.Utf8).str.zfill(14),
            "categorie": c["categorie"],
            "naf": c["naf"],
            "denomination": c["denomination"],
            "nom": c["nom"],
            "prenom": c["prenom"],
            "commune": pl.Series(c["commune"], dtype=pl.Int64),
            "siege": c["siege"],
            "creation": c["creation"],
        }
    )
    frame = frame.unique("siret", keep="first", maintain_order=True)
    kind = [KIND_BY_TYPE.get(cat.categories.get(code, ""), AUTRE) for code in frame["categorie"].to_list()]
    label = (
        pl.when(pl.col("denomination") != "")
        .then(pl.col("denomination"))
        .otherwise(pl.concat_str(["nom", "prenom"], separator=" "))
    )
    return frame.with_columns(kind=pl.Series(kind, dtype=pl.Int8), label=label.str.slice(0, 35))


def _particuliers(rng, cat: Catalog, n: int, offset: int) -> pl.DataFrame:
    civ = _pick(rng, ("M.", "MME"), n)
    names = [
        f"{c} {s} {p}"
        for c, s, p in zip(civ, _pick(rng, SURNAMES, n), _pick(rng, FIRST_NAMES, n), strict=True)
    ]
    kind = pl.Series([PARTICULIER] * n, dtype=pl.Int8)
    return pl.DataFrame(
        {
            "siret": ["#"] * n,
            "label": names,
            "kind": kind,
            "commune": _draw_communes(rng, cat, n).astype(np.int64),
        }
    )


def attach_fournisseurs(benef: pl.DataFrame, seed: int) -> pl.DataFrame:
    """Unique 10-digit Chorus supplier codes and a heavy-tailed weight (a few payees get many EJ)."""
    rng = np.random.default_rng([seed, 3])
    n = benef.height
    codes = _unique_payloads(rng, n, 1_000_000_000, 1_500_000_000)
    weight = 1.0 / (5.0 + rng.permutation(n)) ** 0.9
    return benef.with_columns(fournisseur=pl.Series(codes).cast(pl.Utf8), weight=weight / weight.sum())
