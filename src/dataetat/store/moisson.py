"""SQL of the harvest of DECP catalogues: the register, harvests, distributions, and the views of
the pages (each producer's last harvest and conformity, the national coverage by zone)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dataetat.store.moisson_schema import decp_catalogue, decp_distribution, decp_moisson

STATUTS_TRAITES = ("valide", "invalide")  # a file validated once is never harvested again


class CatalogueDejaInscrit(ValueError):
    pass


def ajouter_catalogue(conn: Connection, url: str, *, now: datetime, **champs: Any) -> int:
    if conn.execute(sa.select(decp_catalogue.c.id).where(decp_catalogue.c.url == url)).first():
        raise CatalogueDejaInscrit(f"Catalogue déjà inscrit : {url}")
    values = {k: (v or None) for k, v in champs.items()}
    return conn.execute(
        decp_catalogue.insert().values(url=url, ajoute_le=now, **values).returning(decp_catalogue.c.id)
    ).scalar_one()


def catalogue_par_url(conn: Connection, url: str) -> dict | None:
    row = conn.execute(sa.select(decp_catalogue).where(decp_catalogue.c.url == url)).mappings().first()
    return dict(row) if row else None


def catalogue(conn: Connection, ident: int) -> dict | None:
    row = conn.execute(sa.select(decp_catalogue).where(decp_catalogue.c.id == ident)).mappings().first()
    return dict(row) if row else None


def catalogues(conn: Connection) -> list[dict]:
    """Every catalogue with its last finished harvest (None when never harvested)."""
    last = (
        sa.select(decp_moisson.c.catalogue_id, sa.func.max(decp_moisson.c.id).label("mid"))
        .where(decp_moisson.c.fin.is_not(None))
        .group_by(decp_moisson.c.catalogue_id)
        .subquery()
    )
    m = decp_moisson
    query = (
        sa.select(
            decp_catalogue,
            m.c.id.label("moisson_id"),
            m.c.fin.label("derniere_moisson"),
            m.c.statut,
            m.c.fichiers,
            m.c.fichiers_deja_vus,
            m.c.enregistrements,
            m.c.valides,
            m.c.importes,
            m.c.erreurs,
        )
        .select_from(
            decp_catalogue.outerjoin(last, last.c.catalogue_id == decp_catalogue.c.id).outerjoin(
                m, m.c.id == last.c.mid
            )
        )
        .order_by(decp_catalogue.c.id)
    )
    out = []
    for row in conn.execute(query).mappings():
        item = dict(row)
        item["erreurs"] = json.loads(item["erreurs"]) if item["erreurs"] else []
        out.append(item)
    return out


def debut_moisson(conn: Connection, catalogue_id: int, now: datetime) -> int:
    return conn.execute(
        decp_moisson.insert()
        .values(catalogue_id=catalogue_id, debut=now, statut="en-cours")
        .returning(decp_moisson.c.id)
    ).scalar_one()


def fin_moisson(
    conn: Connection, moisson_id: int, now: datetime, statut: str, erreurs: list[str], **compteurs: int
) -> None:
    conn.execute(
        decp_moisson.update()
        .where(decp_moisson.c.id == moisson_id)
        .values(
            fin=now,
            statut=statut,
            erreurs=json.dumps(erreurs, ensure_ascii=False) if erreurs else None,
            **compteurs,
        )
    )


def empreinte_connue(conn: Connection, empreinte: str) -> bool:
    query = sa.select(decp_distribution.c.id).where(
        decp_distribution.c.empreinte == empreinte, decp_distribution.c.statut.in_(STATUTS_TRAITES)
    )
    return conn.execute(query.limit(1)).first() is not None


def enregistrer_distribution(conn: Connection, **values: Any) -> None:
    conn.execute(decp_distribution.insert().values(**values))


def historique(conn: Connection, catalogue_id: int, limite: int = 50) -> list[dict]:
    query = (
        sa.select(decp_moisson)
        .where(decp_moisson.c.catalogue_id == catalogue_id)
        .order_by(decp_moisson.c.id.desc())
        .limit(limite)
    )
    return [
        dict(r) | {"erreurs": json.loads(r["erreurs"]) if r["erreurs"] else []}
        for r in conn.execute(query).mappings()
    ]


def distributions(conn: Connection, moisson_id: int) -> list[dict]:
    cols = [c for c in decp_distribution.c if c.name != "rapport"]
    query = (
        sa.select(*cols).where(decp_distribution.c.moisson_id == moisson_id).order_by(decp_distribution.c.id)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def couverture(conn: Connection) -> list[dict]:
    """Per zone (code, level): catalogues, those harvested, records and valid records of their
    last harvests — the national coverage view."""
    rows = catalogues(conn)
    zones: dict[tuple, dict] = {}
    for c in rows:
        key = (c["zone_niveau"] or "non renseigné", c["zone_code"] or "")
        z = zones.setdefault(
            key,
            {
                "niveau": key[0],
                "code": key[1],
                "catalogues": 0,
                "moissonnes": 0,
                "enregistrements": 0,
                "valides": 0,
            },
        )
        z["catalogues"] += 1
        if c["derniere_moisson"] is not None:
            z["moissonnes"] += 1
            z["enregistrements"] += c["enregistrements"] or 0
            z["valides"] += c["valides"] or 0
    return sorted(zones.values(), key=lambda z: (z["niveau"], z["code"]))


def couverture_departements(conn: Connection) -> dict[str, dict]:
    """Département code → what the register covers there: catalogues (a région's catalogue covers
    its départements, a commune's its département), producers, records and valid records of their
    last harvests. National and EPCI catalogues are not placed on the map."""
    from dataetat.store.schema import ref_departement

    regions: dict[str, list[str]] = {}
    for code, region in conn.execute(sa.select(ref_departement.c.code, ref_departement.c.code_region)):
        regions.setdefault(region, []).append(code)
    out: dict[str, dict] = {}
    for c in catalogues(conn):
        code, niveau = c["zone_code"] or "", c["zone_niveau"] or ""
        if niveau == "departement":
            deps = [code]
        elif niveau == "region":
            deps = regions.get(code, [])
        elif niveau == "commune" and len(code) == 5:
            deps = [code[:3] if code.startswith("97") else code[:2]]
        else:
            deps = []
        for dep in deps:
            z = out.setdefault(
                dep, {"catalogues": 0, "moissonnes": 0, "enregistrements": 0, "valides": 0, "producteurs": []}
            )
            z["catalogues"] += 1
            z["producteurs"].append(c["producteur_nom"] or c["url"])
            if c["derniere_moisson"] is not None:
                z["moissonnes"] += 1
                z["enregistrements"] += c["enregistrements"] or 0
                z["valides"] += c["valides"] or 0
    return out
