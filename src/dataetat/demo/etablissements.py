"""The établissements of the demo's beneficiary pool being built, column by column (`Rows`), and
the random draws their builders share: unique SIREN payloads, dates, words, communes (weighted by
population).
"""

from __future__ import annotations

import numpy as np

from dataetat.demo.catalog import Catalog


class Rows:
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


def unique_payloads(rng: np.random.Generator, n: int, low: int, high: int) -> np.ndarray:
    return low + rng.choice(high - low, size=n, replace=False).astype(np.int64)


def dates(rng: np.random.Generator, n: int, first: int, last: int) -> list[str]:
    start = np.datetime64(f"{first}-01-01")
    days = rng.integers(0, (np.datetime64(f"{last}-12-31") - start).astype(int), size=n)
    return (start + days).astype(str).tolist()


def pick(rng: np.random.Generator, words, n: int) -> list:
    return [words[i] for i in rng.integers(0, len(words), size=n)]


def draw_communes(rng, cat: Catalog, n: int) -> np.ndarray:
    return rng.choice(cat.communes.height, size=n, p=cat.commune_weight)
