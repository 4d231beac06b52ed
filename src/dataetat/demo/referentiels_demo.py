"""The referential rows of the codes the demo generator makes up, so that the demo ships every code
it uses and a newcomer's import report has no « code absent du référentiel » (issue 11 item 12).

The bundled referentials are samples (2 domaines fonctionnels, 2 référentiels de programmation, no
site): the catalog completes them with well-formed codes of each programme (`0103-01`,
`010301010101`), two groupes de marchandises and 30 sites (`S…`). `dataetat demo` loads these rows
(`demo.charger.load_demo_referentiels`) before the Chorus files, through `store.referentiels.load`.
"""

from __future__ import annotations

import polars as pl

from dataetat.demo.catalog import Catalog

_LABEL = "(code de démonstration)"


def demo_referentiels(
    refs: dict[str, pl.DataFrame], cat: Catalog, localisations: pl.Series
) -> dict[str, pl.DataFrame]:
    """Kind → rows to load: the codes the generator draws that `refs` lack, with a label."""
    programmes = dict(
        zip(
            [c.strip().lstrip("0").zfill(3) for c in refs["programme"]["code"].to_list()],
            refs["programme"]["label"].to_list(),
            strict=True,
        )
    )

    def of_programme(code: str) -> str:
        label = programmes.get(code[1:4]) or f"Programme {code[1:4]}"
        return f"{label} {_LABEL}"

    frames = {}
    for kind, codes in (
        ("domaine_fonctionnel", cat.domaines.values),
        ("referentiel_programmation", cat.referentiels.values),
    ):
        missing = sorted(set(codes.to_list()) - set(refs[kind]["code"].to_list()))
        if missing:
            # code and label are every column of these tables: the frame replaces the table, so it
            # keeps the bundled rows too
            added = pl.DataFrame({"code": missing, "label": [of_programme(c) for c in missing]})
            frames[kind] = pl.concat([refs[kind].select("code", "label"), added])
    groupes = sorted(set(cat.groupes.to_list()) - set(refs["groupe_marchandise"]["code"].to_list()))
    if groupes:
        frames["groupe_marchandise"] = pl.DataFrame(
            {"code": groupes, "label": [f"Groupe de marchandises {g} {_LABEL}" for g in groupes]}
        )
    known = set(refs["localisation_interministerielle"]["code"].to_list())
    sites = sorted(c for c in localisations.to_list() if not c.startswith("N") and c not in known)
    if sites:
        frames["localisation_interministerielle"] = pl.DataFrame(
            {
                "code": sites,
                "label": [f"Site {s[1:]} {_LABEL}" for s in sites],
                "niveau": ["SITE"] * len(sites),
            }
        )
    return frames
