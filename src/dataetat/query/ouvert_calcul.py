"""The live computation of the open cells (query/ouvert.py is the API): the raw cells of each level,
the primary rule in each (jeu, zone, exercice) group, then the secondary suppression across the
levels (query/ouvert_secret.py). Everything of one jeu is computed together: the secondary rule
looks at every level at once, so one zone's published cells depend on its parents and children.

Raw cells come from SQL (one GROUP BY a level, with the distinct beneficiaries of each cell and of
the union of its group's small cells); the rest is Python over those rows, so that the stored cells
(ouvert_cellule) and a live computation are the same function of the lines."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dataetat.query import ouvert_secret
from dataetat.query.ouvert_secret import Brute, Groupe
from dataetat.store.schema import SOURCE_AE, SOURCE_CP, ligne, ref_commune

c = ligne.c
AUTRES = "autres"
AUTRES_LIBELLE = "Autres programmes (secret statistique)"
SANS_PROGRAMME = "sans-programme"  # operators' aid: no LOLF programme
NIVEAUX = {
    "region": "Région",
    "departement": "Département",
    "epci": "EPCI",
    "commune": "Commune",
    "qpv": "Quartier prioritaire",
}
# Source families of the catalogue; a « jeu » is a family and the région of its files.
FAMILLES = {
    "chorus-region": "Chorus, fichiers régionaux (INF-BUD)",
    "chorus-nation": "Chorus, extraction nationale (AIFE)",
    "ademe": "Aides de l'ADEME",
    "france2030": "Lauréats France 2030",
}


@dataclass(frozen=True)
class Cellule:
    """A published cell. `programme_code` is AUTRES for the merged small cells."""

    famille: str
    region: str  # région of the jeu's files ("" when unknown: an operator's aid not geolocated)
    niveau: str
    zone_code: str
    zone_libelle: str | None
    annee: int
    programme_code: str
    programme_libelle: str | None
    theme: str | None
    lignes: int
    montant_ae: Decimal
    montant_cp: Decimal
    beneficiaires: int  # for the rule only (a lower bound for « autres »); never published

    @property
    def jeu(self) -> str:
        return f"{self.famille}-{self.region or 'sans-region'}"


def ordre(cell: Cellule) -> tuple:
    """The order of published cells, live or stored: by level, jeu, zone, year, « autres » last."""
    return (list(NIVEAUX).index(cell.niveau), cell.famille, cell.region, cell.zone_code, cell.annee,
            cell.programme_code == AUTRES, cell.programme_code)  # fmt: skip


def famille_expr() -> sa.ColumnElement[str]:
    """The source family of a line (FAMILLES' keys)."""
    return sa.case(
        (
            c.source.in_((SOURCE_AE, SOURCE_CP)),
            sa.case((c.data_source == "NATION", "chorus-nation"), else_="chorus-region"),
        ),
        (c.source == "ADEME", "ademe"),
        else_="france2030",
    )


def zone_expr(niveau: str) -> tuple[sa.ColumnElement[str], sa.ColumnElement[str]]:
    if niveau == "qpv":
        return c.qpv_code, c.qpv_label
    return (
        sa.func.coalesce(c[f"beneficiaire_{niveau}_code"], c[f"localisation_{niveau}_code"]),
        sa.func.coalesce(c[f"beneficiaire_{niveau}_label"], c[f"localisation_{niveau}_label"]),
    )


def _filters(familles: list[str] | None, region: str | None) -> list:
    filters = [c.annee.is_not(None)]
    if familles:
        filters.append(famille_expr().in_(familles))
    if region is not None:
        filters.append(sa.func.coalesce(c.source_region, "") == region)
    return filters


def _raw_query(niveau: str, seuil: int, familles: list[str] | None, region: str | None) -> sa.Select:
    """One row per raw cell (famille, région, zone, exercice, programme): labels, lines, Σ AE, Σ CP,
    distinct beneficiaries, and `nu`, the distinct beneficiaries of the union of its group's cells
    that have fewer than `seuil` (the « autres » of step 1)."""
    zone, zone_label = zone_expr(niveau)
    base = (
        sa.select(
            famille_expr().label("famille"),
            sa.func.coalesce(c.source_region, "").label("region"),
            zone.label("zone"),
            zone_label.label("zone_libelle"),
            c.annee,
            sa.func.coalesce(c.programme_code, SANS_PROGRAMME).label("programme"),
            c.programme_label,
            c.programme_theme,
            c.beneficiaire_code,
            c.montant_ae,
            c.montant_cp,
        )
        .where(zone.is_not(None), *_filters(familles, region))
        .cte("ouvert_base")
    )
    b = base.c
    keys = (b.famille, b.region, b.zone, b.annee, b.programme)
    cells = (
        sa.select(
            *keys,
            sa.func.max(b.zone_libelle).label("zone_libelle"),
            sa.func.max(b.programme_label).label("programme_libelle"),
            sa.func.max(b.programme_theme).label("theme"),
            sa.func.count().label("lignes"),
            sa.func.coalesce(sa.func.sum(b.montant_ae), 0).label("ae"),
            sa.func.coalesce(sa.func.sum(b.montant_cp), 0).label("cp"),
            sa.func.count(sa.distinct(b.beneficiaire_code)).label("n"),
        ).group_by(*keys)
    ).cte("ouvert_cellules")
    k = cells.c
    group = (b.famille, b.region, b.zone, b.annee)
    small = (
        sa.select(*group, sa.func.count(sa.distinct(b.beneficiaire_code)).label("nu"))
        .select_from(base.join(cells, sa.and_(*(x == k[x.name] for x in keys))))
        .where(k.n < seuil)
        .group_by(*group)
    ).cte("ouvert_petites")
    s = small.c
    on = sa.and_(*(k[x.name] == s[x.name] for x in group))
    return sa.select(
        k.famille, k.region, k.zone, k.annee, k.programme, k.zone_libelle, k.programme_libelle,
        k.theme, k.lignes, k.ae, k.cp, k.n, sa.func.coalesce(s.nu, 0),
    ).select_from(cells.outerjoin(small, on))  # fmt: skip


def _residual_query(parent: str, child: str, familles: list[str] | None, region: str | None) -> sa.Select:
    """The lines in a zone of `parent` and in no zone of `child`, per (jeu, parent zone, exercice,
    programme): lines and distinct beneficiaries (the unpublished rest of a parent's cell)."""
    pzone, _ = zone_expr(parent)
    czone, _ = zone_expr(child)
    keys = (
        famille_expr().label("famille"),
        sa.func.coalesce(c.source_region, "").label("region"),
        pzone.label("zone"),
        c.annee,
        sa.func.coalesce(c.programme_code, SANS_PROGRAMME).label("programme"),
    )
    return (
        sa.select(*keys, sa.func.count(), sa.func.count(sa.distinct(c.beneficiaire_code)))
        .where(pzone.is_not(None), czone.is_(None), *_filters(familles, region))
        .group_by(*(getattr(k, "element", k) for k in keys))
    )


def _groups(niveau: str, rows: Iterable, seuil: int) -> dict[tuple, Groupe]:
    groups: dict[tuple, Groupe] = {}
    for fam, reg, zone, annee, prog, zlab, plab, theme, lignes, ae, cp, n, nu in rows:
        key = (fam, reg, niveau, zone, int(annee))
        g = groups.get(key)
        if g is None:
            g = groups[key] = Groupe(key, zlab, {}, int(nu))
        elif zlab is not None and (g.zone_libelle is None or zlab > g.zone_libelle):
            g.zone_libelle = zlab
        g.cellules[prog] = Brute(prog, plab, theme, int(lignes), Decimal(ae), Decimal(cp), int(n))
    for g in groups.values():
        ouvert_secret.primaire(g, seuil)
    return groups


def parents_cog(conn: Connection) -> dict[tuple[str, str], dict[str, str]]:
    """child zone → parent zone for each pair of ouvert_secret.PAIRES, from the COG communes (an
    EPCI over two régions has no région: its lines stay in the région's unpublished rest)."""
    r = ref_commune.c
    found: dict[tuple[str, str], dict[str, set[str]]] = {p: {} for p in ouvert_secret.PAIRES}
    rows = conn.execute(sa.select(r.code, r.code_departement, r.code_epci, r.code_region))
    for commune, dep, epci, reg in rows:
        level = {"commune": commune, "departement": dep, "epci": epci, "region": reg}
        for parent, child in ouvert_secret.PAIRES:
            if level[child] and level[parent]:
                found[(parent, child)].setdefault(level[child], set()).add(level[parent])
    return {p: {z: next(iter(s)) for z, s in m.items() if len(s) == 1} for p, m in found.items()}


def calculer(
    conn: Connection, seuil: int, *, familles: list[str] | None = None, region: str | None = None
) -> list[Cellule]:
    """Every published cell of every level (of some families, of one jeu région), in `ordre`."""
    seuil = max(seuil, 1)
    groups: dict[tuple, Groupe] = {}
    for niveau in NIVEAUX:
        groups.update(_groups(niveau, conn.execute(_raw_query(niveau, seuil, familles, region)), seuil))
    residus: dict[tuple, tuple[int, int]] = {}
    for parent, child in ouvert_secret.PAIRES:
        for fam, reg, zone, annee, prog, lignes, n in conn.execute(
            _residual_query(parent, child, familles, region)
        ):
            residus[(parent, child, fam, reg, zone, int(annee), prog)] = (int(lignes), int(n))
    # In key order: the secondary rule's choices must not depend on the order SQL returned rows in.
    groups = {k: groups[k] for k in sorted(groups)}
    for g in groups.values():
        g.cellules = {p: g.cellules[p] for p in sorted(g.cellules)}
    ouvert_secret.secondaire(groups, residus, parents_cog(conn), seuil)
    return sorted(_published(groups.values()), key=ordre)


def _published(groups: Iterable[Groupe]) -> Iterable[Cellule]:
    for g in groups:
        if g.retenu:
            continue
        fam, reg, niveau, zone, annee = g.key
        autres = [b for b in g.cellules.values() if b.programme in g.masque]
        for b in g.cellules.values():
            if b.programme not in g.masque:
                yield Cellule(fam, reg, niveau, zone, g.zone_libelle, annee, b.programme,
                              b.libelle, b.theme, b.lignes, b.ae, b.cp, b.n)  # fmt: skip
        if autres:
            yield Cellule(
                fam, reg, niveau, zone, g.zone_libelle, annee, AUTRES, AUTRES_LIBELLE, None,
                sum(b.lignes for b in autres), sum((b.ae for b in autres), Decimal(0)),
                sum((b.cp for b in autres), Decimal(0)), g.autres_beneficiaires,
            )  # fmt: skip
