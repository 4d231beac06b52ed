"""The collectivités of the demo's beneficiary pool: communes (their real-shaped SIREN
21+dep+0+commune), EPCI (their real SIREN), départements, the région and EPLE (collèges, lycées).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from dataetat.demo.catalog import Catalog, ascii_upper
from dataetat.demo.etablissements import Rows, dates, draw_communes, pick, unique_payloads
from dataetat.demo.names import SCHOOL_NAMES, luhn_valid, with_check_digit

EPCI_CATEGORIE = {"CC": "7346", "CA": "7348", "CU": "7343", "METRO": "7344", "ME": "7344"}


def add_collectivites(rows: Rows, rng, cat: Catalog, n: int) -> None:
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
    schools = pick(rng, SCHOOL_NAMES, size)
    kinds = pick(rng, (("COLLEGE", "8531Z"), ("LYCEE", "8532Z")), size)
    rows.add(
        with_check_digit(unique_payloads(rng, size, 19_000_000, 19_500_000), 8),
        np.ones(size, np.int64),
        "7331",
        [k[1] for k in kinds],
        [f"{k[0]} {s}" for k, s in zip(kinds, schools, strict=True)],
        "",
        "",
        draw_communes(rng, cat, size),
        True,
        dates(rng, size, 1965, 2005),
    )


def _epci(rows: Rows, rng, cat: Catalog, n: int) -> None:
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
            dates(rng, 1, 1993, 2017),
        )
