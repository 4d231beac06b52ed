"""The SQL of the enrichment of beneficiaries: which SIRETs to ask about, writing what the services
said into `beneficiaire`, and the read model's beneficiary columns of those SIRETs, in the same
transaction; the geolocation rate (lines whose beneficiary has a commune).

    sirets = a_enrichir(conn, nouveaux=True)                   # never enriched yet
    sirets = a_enrichir(conn, plus_vieux_que=timedelta(30), limite=10_000)   # oldest first
    ecrire(conn, [fiche, ...], {siret_introuvable: source}, quand)       # + ligne updated, + QPV by coordinates
    taux_geolocalisation(conn) -> Taux(lignes, geolocalisees)

A found établissement replaces its row (whatever the source said before); a SIRET no service knows,
or a non-diffusible one, keeps what a SIRENE file or an earlier enrichment gave (only its flags and
refresh date change), so a temporary « inconnu » never erases a known beneficiary.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dataetat.model.geometrie import Zones
from dataetat.store import taches
from dataetat.store.engine import insert_arrow
from dataetat.store.ouvert_schema import invalider
from dataetat.store.readmodel_decoration import geo_joins
from dataetat.store.schema import (
    SOURCE_AE,
    SOURCE_CP,
    beneficiaire,
    ligne,
    ref_categorie_juridique,
    ref_qpv,
    siret_qpv,
)

FIELDS = (
    "siren", "denomination", "enseigne", "categorie_juridique", "naf", "tranche_effectif", "siege", "adresse",
    "code_commune", "latitude", "longitude", "etat_administratif", "date_fermeture", "non_diffusible", "source",
)  # fmt: skip


def valid_siret(value: str | None) -> bool:
    return bool(value) and len(value) == 14 and value.isdigit()


def a_enrichir(
    conn: Connection,
    *,
    sirets: list[str] | None = None,
    nouveaux: bool = False,
    plus_vieux_que: timedelta | None = None,
    limite: int | None = None,
) -> list[str]:
    """SIRETs of the financial lines to ask about, never-enriched first, then the oldest refresh."""
    present = (
        sa.select(ligne.c.beneficiaire_code.label("siret"))
        .where(sa.func.length(ligne.c.beneficiaire_code) == 14)
        .distinct()
        .subquery()
    )
    query = sa.select(present.c.siret).outerjoin(beneficiaire, beneficiaire.c.siret == present.c.siret)
    if sirets is not None:
        query = query.where(present.c.siret.in_(sorted(set(sirets))))
    if nouveaux:
        query = query.where(beneficiaire.c.siret.is_(None))
    if plus_vieux_que is not None:
        query = query.where(
            sa.or_(
                beneficiaire.c.updated_at.is_(None),
                beneficiaire.c.updated_at < datetime.now() - plus_vieux_que,
            )
        )
    query = query.order_by(beneficiaire.c.updated_at.is_not(None), beneficiaire.c.updated_at, present.c.siret)
    found = [s for (s,) in conn.execute(query) if valid_siret(s)]
    return found[:limite] if limite is not None else found


def ecrire(
    conn: Connection, fiches: list[dict[str, Any]], introuvables: dict[str, str], quand: datetime
) -> None:
    """Write what the services said (`introuvables`: SIRET → the service that did not know it), then the read model's beneficiary columns of these SIRETs."""
    complete = [f for f in fiches if not f.get("non_diffusible")]
    if complete:
        conn.execute(beneficiaire.delete().where(beneficiaire.c.siret.in_([f["siret"] for f in complete])))
        conn.execute(
            beneficiaire.insert(),
            [
                {
                    "siret": f["siret"],
                    **{k: f.get(k) for k in FIELDS},
                    "introuvable": False,
                    "updated_at": quand,
                }
                for f in complete
            ],
        )
    libelles_categories(conn, complete)
    hidden = [f for f in fiches if f.get("non_diffusible")]
    _flag(conn, {f["siret"]: f["source"] for f in hidden}, quand, non_diffusible=True, introuvable=False)
    _flag(conn, introuvables, quand, non_diffusible=False, introuvable=True)
    _qpv_from_coordinates(conn, complete)
    refresh_lignes(conn, [f["siret"] for f in fiches] + list(introuvables))


def libelles_categories(conn: Connection, fiches: list[dict[str, Any]]) -> None:
    """The exact labels of catégories juridiques the services gave (API Entreprise's
    `forme_juridique.libelle`, « Département » for 7220) into `ref_categorie_juridique.label`: they
    replace what was there (the bundled referential has none) and a code it lacks is added (type
    unknown). A full reload of that referential keeps them (store/referentiels.py)."""
    found: dict[str, str] = {}
    for f in fiches:
        code, libelle = (
            (f.get("categorie_juridique") or "").strip(),
            (f.get("categorie_juridique_libelle") or "").strip(),
        )
        if code and libelle:
            found[code] = libelle
    if not found:
        return
    t = ref_categorie_juridique
    known = dict(conn.execute(sa.select(t.c.code, t.c.label).where(t.c.code.in_(sorted(found)))).all())
    for code, libelle in sorted(found.items()):
        if code not in known:
            conn.execute(t.insert().values(code=code, label=libelle))
        elif known[code] != libelle:
            conn.execute(t.update().where(t.c.code == code).values(label=libelle))


def _flag(conn: Connection, sirets: dict[str, str | None], quand: datetime, **flags: bool) -> None:
    """Unknown or non-diffusible: keep what is known of them (a SIRENE file…), change the flags."""
    if not sirets:
        return
    existing = {
        s
        for (s,) in conn.execute(
            sa.select(beneficiaire.c.siret).where(beneficiaire.c.siret.in_(list(sirets)))
        )
    }
    if existing:
        conn.execute(
            beneficiaire.update()
            .where(beneficiaire.c.siret.in_(sorted(existing)))
            .values(**flags, updated_at=quand)
        )
    new = [
        {"siret": s, "siren": s[:9], "source": src, **flags, "updated_at": quand}
        for s, src in sirets.items()
        if s not in existing
    ]
    if new:
        conn.execute(beneficiaire.insert(), new)


def _qpv_from_coordinates(conn: Connection, fiches: list[dict[str, Any]]) -> None:
    """The QPV 2015 and 2024 of the établissements with coordinates, when QPV contours are loaded and
    the SIRET → QPV file did not place them."""
    placed = [f for f in fiches if f.get("latitude") is not None and f.get("longitude") is not None]
    if not placed:
        return
    known = {
        s
        for (s,) in conn.execute(
            sa.select(siret_qpv.c.siret).where(siret_qpv.c.siret.in_([f["siret"] for f in placed]))
        )
    }
    placed = [f for f in placed if f["siret"] not in known]
    if not placed:
        return
    zones = {
        year: Zones(
            [
                (code, json.loads(geo))
                for code, geo in conn.execute(
                    sa.select(ref_qpv.c.code, ref_qpv.c.geometrie).where(
                        ref_qpv.c.annee_decoupage == year, ref_qpv.c.geometrie.is_not(None)
                    )
                )
            ]
        )
        for year in (2015, 2024)
    }
    if not any(len(z) for z in zones.values()):
        return
    rows = []
    for f in placed:
        q15 = zones[2015].containing(f["longitude"], f["latitude"])
        q24 = zones[2024].containing(f["longitude"], f["latitude"])
        if q15 or q24:
            rows.append(
                {"siret": f["siret"], "code_qpv15": (q15 or [None])[0], "code_qpv24": (q24 or [None])[0]}
            )
    if rows:
        conn.execute(siret_qpv.insert(), rows)


_BENEFICIARY = f"""
    SELECT be.siret, be.denomination, be.categorie_juridique, cj.type AS cj_type, be.naf,
        bc.code AS commune_code, bc.label AS commune_label,
        bc_ar.code AS arrondissement_code, bc_ar.label AS arrondissement_label,
        bc_ep.code AS epci_code, bc_ep.label AS epci_label,
        bd.code AS departement_code, bd.label AS departement_label,
        br.code AS region_code, br.label AS region_label,
        sq.code_qpv15, q15.label AS qpv15_label, sq.code_qpv24, q24.label AS qpv24_label
    FROM beneficiaire be JOIN enrichis e ON e.siret = be.siret
    LEFT JOIN ref_categorie_juridique cj ON cj.code = be.categorie_juridique
    {geo_joins("bc", "be.code_commune")}
    LEFT JOIN ref_departement bd ON bd.code = bc.code_departement
    LEFT JOIN ref_region br ON br.code = bc.code_region
    LEFT JOIN siret_qpv sq ON sq.siret = be.siret
    LEFT JOIN ref_qpv q15 ON q15.code = sq.code_qpv15
    LEFT JOIN ref_qpv q24 ON q24.code = sq.code_qpv24
"""
_SET = {
    "beneficiaire_denomination": "COALESCE(x.denomination, ligne.beneficiaire_denomination)",
    "beneficiaire_categorie_juridique": "COALESCE(x.categorie_juridique, ligne.beneficiaire_categorie_juridique)",
    "beneficiaire_categorie_juridique_type": "COALESCE(x.cj_type, ligne.beneficiaire_categorie_juridique_type)",
    "beneficiaire_naf": "COALESCE(x.naf, ligne.beneficiaire_naf)",
    **{
        f"beneficiaire_{level}_{part}": f"x.{level}_{part}"
        for level in ("commune", "arrondissement", "epci", "departement", "region")
        for part in ("code", "label")
    },
    # An operator's aid without a région of its own lands in its beneficiary's (readmodel_decoration.DECORATE).
    "source_region": f"CASE WHEN ligne.source NOT IN ('{SOURCE_AE}', '{SOURCE_CP}') AND ligne.source_region IS NULL "
    "THEN x.region_code ELSE ligne.source_region END",
    "beneficiaire_qpv_code": "x.code_qpv15",
    "beneficiaire_qpv_label": "x.qpv15_label",
    "beneficiaire_qpv24_code": "x.code_qpv24",
    "beneficiaire_qpv24_label": "x.qpv24_label",
    "qpv_code": "CASE WHEN ligne.partie > 0 THEN ligne.qpv_code ELSE COALESCE(x.code_qpv24, x.code_qpv15) END",
    "qpv_label": "CASE WHEN ligne.partie > 0 THEN ligne.qpv_label "
    "WHEN x.code_qpv24 IS NOT NULL THEN x.qpv24_label ELSE x.qpv15_label END",
}


def refresh_lignes(conn: Connection, sirets: list[str]) -> None:
    """The beneficiary columns of the lines of these SIRETs, from `beneficiaire` and the referentials
    (the same joins as the read model's full rebuild, readmodel_decoration.DECORATE)."""
    if not sirets:
        return
    invalider(conn)  # the stored open cells, until the refresh that follows (apres)
    conn.exec_driver_sql("CREATE TEMPORARY TABLE enrichis (siret VARCHAR)")
    try:
        insert_arrow(conn, "enrichis", pa.table({"siret": pa.array(sorted(set(sirets)), pa.string())}))
        assignments = ", ".join(f"{column} = {value}" for column, value in _SET.items())
        conn.exec_driver_sql(
            f"UPDATE ligne SET {assignments} FROM ({_BENEFICIARY}) x WHERE ligne.beneficiaire_code = x.siret"
        )
    finally:
        conn.exec_driver_sql("DROP TABLE enrichis")


@dataclass(frozen=True)
class Taux:
    lignes: int
    geolocalisees: int

    @property
    def pourcentage(self) -> float:
        return round(100 * self.geolocalisees / self.lignes, 1) if self.lignes else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"lignes": self.lignes, "geolocalisees": self.geolocalisees, "pourcentage": self.pourcentage}


def taux_geolocalisation(conn: Connection) -> Taux:
    """Lines whose beneficiary has a commune, among all lines (parts of a split line counted once)."""
    total, placed = conn.execute(
        sa.select(
            sa.func.count(),
            sa.func.count(ligne.c.beneficiaire_commune_code),
        ).where(ligne.c.partie == 0)
    ).one()
    return Taux(int(total), int(placed))


@dataclass(frozen=True)
class Etat:
    """What the « Référentiels » page says of the beneficiaries: per source, and the oldest refresh."""

    par_source: dict[str, int]
    non_diffusibles: int
    introuvables: int
    plus_ancien: datetime | None


def etat(conn: Connection) -> Etat:
    rows = conn.execute(
        sa.select(beneficiaire.c.source, sa.func.count())
        .where(sa.or_(beneficiaire.c.introuvable.is_(None), beneficiaire.c.introuvable.is_(False)))
        .group_by(beneficiaire.c.source)
    ).all()
    counts = conn.execute(
        sa.select(
            sa.func.count().filter(beneficiaire.c.non_diffusible.is_(True)),
            sa.func.count().filter(beneficiaire.c.introuvable.is_(True)),
            sa.func.min(beneficiaire.c.updated_at),
        )
    ).one()
    return Etat({s or "inconnue": int(n) for s, n in rows}, int(counts[0]), int(counts[1]), counts[2])


def resume(conn: Connection, taches_max: int = 5) -> dict[str, Any]:
    """What the « Référentiels » page shows of the enrichment: the geolocation rate, the beneficiaries
    per source, and the latest enrichment jobs (progress, report)."""
    return {
        "taux": taux_geolocalisation(conn),
        "etat": etat(conn),
        "taches": taches.recent_of_type(conn, "enrichissement", taches_max),
    }
