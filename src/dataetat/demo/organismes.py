"""The other organisations of the demo's beneficiary pool: entreprises (some with a second
établissement), associations, services of the État, and others (entrepreneurs individuels, CCAS,
hospitals, universities, foundations).
"""

from __future__ import annotations

import numpy as np

from dataetat.demo.catalog import Catalog, ascii_upper
from dataetat.demo.etablissements import Rows, dates, draw_communes, pick, unique_payloads
from dataetat.demo.names import (
    ACTIVITIES,
    ASSOCIATION_NAMES,
    COMPANY_FORMS,
    FIRST_NAMES,
    STATE_SERVICES,
    SURNAMES,
    with_check_digit,
)


def add_entreprises(rows: Rows, rng, cat: Catalog, n: int) -> None:
    n_units = max(1, int(n * 0.9))
    siren = with_check_digit(unique_payloads(rng, n_units, 30_000_000, 70_000_000), 8)
    weights = np.array([f[2] for f in COMPANY_FORMS])
    drawn = rng.choice(len(COMPANY_FORMS), size=n_units, p=weights / weights.sum())
    forms = [COMPANY_FORMS[i] for i in drawn]
    acts = pick(rng, ACTIVITIES, n_units)
    surnames = pick(rng, SURNAMES, n_units)
    communes = draw_communes(rng, cat, n_units)
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
    created = dates(rng, n_units, 1970, 2022)
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
        draw_communes(rng, cat, second.size),
        False,
        dates(rng, second.size, 2000, 2023),
    )


def add_associations(rows: Rows, rng, cat: Catalog, n: int) -> None:
    communes = draw_communes(rng, cat, n)
    town = cat.communes["label"].to_list()
    kinds = pick(rng, ASSOCIATION_NAMES, n)
    rows.add(
        with_check_digit(unique_payloads(rng, n, 70_000_000, 90_000_000), 8),
        rng.integers(1, 30, size=n),
        "9220",
        [k[1] for k in kinds],
        [f"{k[0]} {ascii_upper(town[c])}" for k, c in zip(kinds, communes, strict=True)],
        "",
        "",
        communes,
        True,
        dates(rng, n, 1950, 2022),
    )


def add_etat(rows: Rows, rng, cat: Catalog, n: int) -> None:
    communes = draw_communes(rng, cat, n)
    town = cat.communes["label"].to_list()
    services = pick(rng, STATE_SERVICES, n)
    codes = cat.communes["code"].to_list()
    region = ascii_upper(cat.region_label or cat.region)
    names = [
        _state_name(s, ascii_upper(cat.departement_labels.get(codes[c][:2], town[c])), region)
        for s, c in zip(services, communes, strict=True)
    ]
    rows.add(
        with_check_digit(unique_payloads(rng, n, 11_000_000, 18_999_999), 8),
        rng.integers(1, 99, size=n),
        [s[0] for s in services],
        ["8411Z" if s[0] != "4110" else "6820B" for s in services],
        names,
        "",
        "",
        communes,
        True,
        dates(rng, n, 1960, 2015),
    )


def _state_name(service: tuple[str, str], departement: str, region: str) -> str:
    categorie, name = service
    if categorie == "7120":
        return name
    if categorie == "4110" or "REGIONALE" in name or "ACADEMIE" in name:
        return f"{name} {region}"
    return f"{name} {departement}"


def add_autres(rows: Rows, rng, cat: Catalog, n: int) -> None:
    n_ei = max(1, int(n * 0.6))
    acts = pick(rng, ACTIVITIES, n_ei)
    rows.add(
        with_check_digit(unique_payloads(rng, n_ei, 90_000_000, 98_000_000), 8),
        np.ones(n_ei, np.int64),
        "1000",
        [a[1] for a in acts],
        "",
        pick(rng, SURNAMES, n_ei),
        pick(rng, FIRST_NAMES, n_ei),
        draw_communes(rng, cat, n_ei),
        True,
        dates(rng, n_ei, 1985, 2023),
    )
    rest = max(1, n - n_ei)
    town = cat.communes["label"].to_list()
    communes = draw_communes(rng, cat, rest)
    kinds = pick(
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
    payload = low + unique_payloads(rng, rest, 0, 500_000)
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
        dates(rng, rest, 1960, 2015),
    )
