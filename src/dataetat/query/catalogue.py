"""The catalogue of what the instance holds: one « jeu » (dataset) per source family × région of the
files (query/ouvert.py's FAMILLES), plus the lines landing in a QPV per région, with its exercices,
number of lines, Σ AE, Σ CP (read model `ligne`) and its first and last import dates (import
history `import_fichier`).

    jeux(conn)        # every jeu, ordered by identifier

Other sources add theirs through JEUX_EXTRA (a function conn → list[Jeu]), e.g. the DECP marchés
once their tables exist.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dataetat.query.ouvert import FAMILLES
from dataetat.store.marches_schema import marche_ligne
from dataetat.store.schema import SOURCE_AE, SOURCE_CP, import_fichier, ligne, ref_region

c = ligne.c
f = import_fichier.c
QPV = "qpv"
DECP = "decp"
# Import kinds (import_fichier.kind) that bring each family's lines.
KINDS = {
    "chorus-region": ("chorus-ae", "chorus-cp"),
    "chorus-nation": ("chorus-ae", "chorus-cp"),
    "ademe": ("ademe",),
    "france2030": ("france2030",),
    QPV: ("qpv", "siret-qpv", "qpv-lieu-action", "chorus-ae", "chorus-cp", "ademe", "france2030"),
    DECP: ("decp",),
}
TITRES = {**FAMILLES, QPV: "Financements dans les quartiers prioritaires", DECP: "Marchés publics (DECP)"}


@dataclass
class Jeu:
    famille: str
    region: str  # "" when unknown
    region_libelle: str | None
    annees: list[int]
    lignes: int
    montant_ae: Decimal
    montant_cp: Decimal
    premier_import: datetime | None = None
    dernier_import: datetime | None = None
    # Query of the internal search pre-filtered on the jeu (the search page; the line exports, but
    # for the QPV jeux, whose page query groups by QPV).
    recherche: dict[str, str] = field(default_factory=dict)
    # Filters of the open aggregates' files of the jeu (/api/v1/ouvert/agregats.{csv,parquet}); none
    # for the DECP marchés (no open aggregates of them).
    ouvert: dict[str, str] = field(default_factory=dict)
    page: str = "/"  # the search page of the jeu (with `recherche`)
    export: str = "/api/v1/exports/lignes.csv"  # the internal export of its lines (with `recherche`)
    schema: str | None = "lignes"  # the Table Schema of that export (/schemas/NAME.json)
    montant_marches: Decimal | None = None  # DECP: Σ montant of the marchés

    @property
    def identifiant(self) -> str:
        return f"{self.famille}-{self.region or 'sans-region'}"

    @property
    def titre(self) -> str:
        where = f"{self.region_libelle or 'région'} ({self.region})" if self.region else "région inconnue"
        return f"{TITRES.get(self.famille, self.famille)} — {where}"

    def age_jours(self, now: datetime) -> int | None:
        return None if self.dernier_import is None else (now - self.dernier_import).days


def _search_of(famille: str, region: str) -> dict[str, str]:
    query = {"source_region": region} if region else {}
    if famille.startswith("chorus-"):
        return query | {"data_source": famille.removeprefix("chorus-").upper()}
    if famille == QPV:  # the search has no « in any QPV » filter: the région's lines, by QPV
        return query | {"grouper_par": "qpv_code"}
    return query | {"source": {"ademe": "ADEME", "france2030": "FRANCE_2030"}[famille]}


def _ouvert_of(famille: str, region: str) -> dict[str, str]:
    if famille == QPV:
        return {"niveau": "qpv", "region": region}
    return {"source": famille, **({"region": region} if region else {})}


def _imports(conn: Connection) -> list[tuple[str, str, str, datetime]]:
    rows = conn.execute(
        sa.select(
            f.kind, sa.func.coalesce(f.data_source, ""), sa.func.coalesce(f.source_region, ""), f.imported_at
        )
    )
    return [tuple(r) for r in rows]  # type: ignore[misc]


def _dates(imports, famille: str, region: str) -> tuple[datetime | None, datetime | None]:
    """First and last import of files that bring the jeu's lines."""
    found = []
    for kind, data_source, regions, at in imports:
        if kind not in KINDS[famille]:
            continue
        if kind.startswith("chorus-"):
            if famille != QPV and famille.removeprefix("chorus-").upper() not in data_source.split(","):
                continue
            if region and region not in regions.split(","):
                continue
        found.append(at)
    return (min(found), max(found)) if found else (None, None)


def _totals(conn: Connection, qpv: bool) -> list[tuple]:
    """(famille, région, exercice, lines, Σ AE, Σ CP) of the read model (of its lines in a QPV)."""
    keys = [c.source_region, c.annee] if qpv else [c.source, c.data_source, c.source_region, c.annee]
    query = sa.select(
        *keys,
        sa.func.count(),
        sa.func.coalesce(sa.func.sum(c.montant_ae), 0),
        sa.func.coalesce(sa.func.sum(c.montant_cp), 0),
    ).group_by(*keys)
    if qpv:
        query = query.where(c.qpv_code.is_not(None))
        return [(QPV, region or "", *rest) for region, *rest in conn.execute(query)]
    return [(_famille(s, d), region or "", *rest) for s, d, region, *rest in conn.execute(query)]


def _famille(source: str, data_source: str | None) -> str:
    """query/ouvert.py's famille_expr, for a row."""
    if source in (SOURCE_AE, SOURCE_CP):
        return "chorus-nation" if data_source == "NATION" else "chorus-region"
    return "ademe" if source == "ADEME" else "france2030"


def jeux(conn: Connection) -> list[Jeu]:
    """Every jeu of the instance, ordered by identifier."""
    labels = dict(conn.execute(sa.select(ref_region.c.code, ref_region.c.label)).all())
    imports = _imports(conn)
    found: dict[tuple[str, str], Jeu] = {}
    for qpv in (False, True):
        for famille, region, annee, n, ae, cp in _totals(conn, qpv):
            jeu = found.get((famille, region))
            if jeu is None:
                jeu = found[(famille, region)] = Jeu(
                    famille, region, labels.get(region), [], 0, Decimal(0), Decimal(0),
                    *_dates(imports, famille, region),
                    recherche=_search_of(famille, region), ouvert=_ouvert_of(famille, region),
                )  # fmt: skip
            if annee is not None:
                jeu.annees.append(int(annee))
            jeu.lignes += int(n)
            jeu.montant_ae += Decimal(ae)
            jeu.montant_cp += Decimal(cp)
    result = list(found.values())
    for extra in JEUX_EXTRA:
        result += extra(conn)
    for jeu in result:
        jeu.annees.sort()
    return sorted(result, key=lambda j: j.identifiant)


def jeux_decp(conn: Connection) -> list[Jeu]:
    """One jeu per région of the marchés (marche_ligne.region_code); lignes = marchés."""
    m = marche_ligne.c
    rows = conn.execute(
        sa.select(
            m.region_code, m.annee, sa.func.count(sa.distinct(m.num)), sa.func.sum(m.montant_part)
        ).group_by(m.region_code, m.annee)
    ).all()
    if not rows:
        return []
    labels = dict(conn.execute(sa.select(ref_region.c.code, ref_region.c.label)).all())
    imports = _imports(conn)
    found: dict[str, Jeu] = {}
    for region, annee, n, montant in rows:
        region = region or ""
        jeu = found.get(region)
        if jeu is None:
            query = {"niveau_geo": "region", "code_geo": region} if region else {}
            jeu = found[region] = Jeu(
                DECP, region, labels.get(region), [], 0, Decimal(0), Decimal(0), *_dates(imports, DECP, region),
                recherche=query, page="/marches", export="/api/v1/marches/export.csv", schema=None,
                montant_marches=Decimal(0),
            )  # fmt: skip
        if annee is not None:
            jeu.annees.append(int(annee))
        jeu.lignes += int(n)
        jeu.montant_marches = (jeu.montant_marches or Decimal(0)) + Decimal(montant or 0)
    return list(found.values())


JEUX_EXTRA: list[Callable[[Connection], list[Jeu]]] = [jeux_decp]
