"""Publishing the open aggregates as resources of a data.gouv.fr dataset (`dataetat publier
data-gouv`): the files (CSV and Parquet of query/ouvert.py's cells: the secrecy rule applies), then
for each, its resource replaced when the dataset already has one of that title, else created; then
its description and its schema declared (`schema: {url}` — our Table Schema is not one of
schema.data.gouv.fr's, so it is given by URL, as udata takes an unknown schema).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection

from dataetat.catalog import fichiers_ouverts
from dataetat.connectors.data_gouv import DataGouv
from dataetat.connectors.errors import ServiceIndisponible
from dataetat.query import ouvert

JEU = re.compile(r"^(?P<famille>[a-z0-9-]+?)-(?P<region>\d{2}|sans-region)$")
MEDIA = {"csv": "text/csv", "parquet": "application/vnd.apache.parquet"}


@dataclass(frozen=True)
class Fichier:
    chemin: Path
    format: str
    titre: str
    description: str
    lignes: int


@dataclass(frozen=True)
class Publie:
    titre: str
    resource: str
    action: str  # « créée » | « remplacée »
    lignes: int


def filtres(jeu: str | None) -> dict[str, Any]:
    """The filters of `ouvert.toutes_cellules` for a jeu of the catalogue (None: every cell)."""
    if jeu is None:
        return {}
    found = JEU.match(jeu)
    if found is None or found["famille"] not in (*ouvert.FAMILLES, "qpv"):
        raise ValueError(
            f"Jeu « {jeu[:40]} » inconnu : un identifiant du catalogue, ex. chorus-region-53, ademe-53, qpv-53."
        )
    region = "" if found["region"] == "sans-region" else found["region"]
    if found["famille"] == "qpv":
        return {"niveaux": ["qpv"], "region": region}
    return {"familles": [found["famille"]], "region": region}


def fichiers(conn: Connection, seuil: int, jeu: str | None, dossier: Path) -> list[Fichier]:
    """Write the CSV and Parquet files of the open aggregates (of one jeu) into `dossier`."""
    f = filtres(jeu)
    niveaux = f.pop("niveaux", list(ouvert.NIVEAUX))
    cells = [c for c in ouvert.toutes_cellules(conn, seuil, **f) if c.niveau in niveaux]
    stem = "agregats-ouverts" + (f"-{jeu}" if jeu else "")
    about = f"du jeu {jeu} de Data-État" if jeu else "de Data-État"
    description = (
        f"Agrégats ouverts {about} : Σ AE, Σ CP et nombre de lignes par zone, exercice et programme. "
        f"Secret statistique : une cellule de moins de {seuil} bénéficiaires n'est pas publiée telle quelle "
        "(ligne « autres »)."
    )
    csv_path, parquet_path = dossier / f"{stem}.csv", dossier / f"{stem}.parquet"
    with csv_path.open("wb") as out:
        for chunk in fichiers_ouverts.csv_chunks(cells):
            out.write(chunk)
    fichiers_ouverts.write_parquet(cells, parquet_path)
    return [
        Fichier(csv_path, "csv", csv_path.name, description, len(cells)),
        Fichier(parquet_path, "parquet", parquet_path.name, description, len(cells)),
    ]


def _by_title(api: DataGouv, dataset: str) -> dict[str, str]:
    return {r.get("title"): r["id"] for r in api.jeu(dataset).get("resources", []) if "id" in r}


def publier(
    api: DataGouv, dataset: str, files: list[Fichier], schema_url: str, dire: Callable[[str], None] = print
) -> list[Publie]:
    """Upload each file as a resource of `dataset` (replacing the one of the same title)."""
    existing = _by_title(api, dataset)
    done = []
    for f in files:
        rid = existing.get(f.titre)
        if rid is not None:
            api.remplacer(dataset, rid, f.chemin, MEDIA[f.format])
            action = "remplacée"
        else:
            try:
                rid = api.envoyer(dataset, f.chemin, MEDIA[f.format])["id"]
            except ServiceIndisponible:  # the answer may be lost: look before sending it again
                rid = (
                    _by_title(api, dataset).get(f.titre)
                    or api.envoyer(dataset, f.chemin, MEDIA[f.format])["id"]
                )
            action = "créée"
        api.decrire(
            dataset,
            rid,
            {
                "title": f.titre,
                "description": f.description,
                "format": f.format,
                "schema": {"url": schema_url},
            },
        )
        dire(f"{f.titre} : ressource {rid} {action} ({f.lignes} cellules)")
        done.append(Publie(f.titre, rid, action, f.lignes))
    return done
