"""Open aggregates (anonymous, no account) and THE statistical secrecy rule.

    cellules(conn, "departement", seuil=3)                  # every published cell of that level
    cellules(conn, "commune", seuil=3, code="35238")        # one commune's cells

A cell is (jeu, niveau, zone, exercice, programme) with Σ AE, Σ CP and its number of lines, where a
« jeu » is a source of the catalogue and the région of its files (chorus-region 53, ademe 53…), so
that the cells of one dataset are exactly a subset of the whole and never computed two ways.

Each line lands in ONE zone per level, so that cells add up: its beneficiary's commune (and that
commune's EPCI, département, région), else its localisation interministérielle; for QPVs, the QPV
where it lands (`qpv_code`: its lieu d'action, else its beneficiary's). This differs from the
internal territory page, where a line is in every zone one of its places is in.

The secrecy rule — nothing else in the package publishes open figures:
1. a cell with fewer than `seuil` distinct beneficiaries (SIRET; lines without one count for none)
   is not published as such: its lines go into the cell « autres » of its (jeu, zone, exercice);
2. when that « autres » cell itself has fewer than `seuil` beneficiaries (but lines), the smallest
   published cell of the group joins it (it has `seuil` or more, so the union has too); when there
   is no published cell left to join, the whole group is withheld;
3. what is published (the thèmes, the years, the territory's key figures) is only sums of published
   cells: no figure lets a withheld cell be computed back by subtraction within a level.
Known limit (docs/ouvert.md): the levels are published independently, so a département's cell minus
its communes' published cells gives the sum of its communes' withheld cells of that programme.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

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


def _zone(niveau: str) -> tuple[sa.ColumnElement[str], sa.ColumnElement[str]]:
    if niveau == "qpv":
        return c.qpv_code, c.qpv_label
    return (
        sa.func.coalesce(c[f"beneficiaire_{niveau}_code"], c[f"localisation_{niveau}_code"]),
        sa.func.coalesce(c[f"beneficiaire_{niveau}_label"], c[f"localisation_{niveau}_label"]),
    )


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


def zones_dans(niveau: str, parent: str, code: str) -> sa.Select | list[str]:
    """The zones of `niveau` in (or containing) the zone `parent` `code`, by the communes of the COG
    referential (an EPCI over two départements is in both)."""
    if niveau == parent:
        return [code]
    columns = {"commune": ref_commune.c.code, "departement": ref_commune.c.code_departement,
               "region": ref_commune.c.code_region, "epci": ref_commune.c.code_epci}  # fmt: skip
    if niveau not in columns or parent not in columns:
        raise ValueError(f"pas de zones {niveau} dans un {parent}")
    return sa.select(columns[niveau]).where(columns[parent] == code).distinct()


def _query(
    niveau: str, seuil: int, code: str | None, familles: list[str] | None, region: str | None,
    dans: tuple[str, str] | None = None,
) -> sa.Select:  # fmt: skip
    zone, zone_label = _zone(niveau)
    filters = [zone.is_not(None), c.annee.is_not(None)]
    if code is not None:
        filters.append(zone == code)
    if dans is not None:  # whole zones only: a zone's cells are those of the unfiltered level
        filters.append(zone.in_(zones_dans(niveau, *dans)))
    if familles:
        filters.append(famille_expr().in_(familles))
    if region is not None:
        filters.append(sa.func.coalesce(c.source_region, "") == region)
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
        .where(*filters)
        .cte("ouvert_base")
    )
    b = base.c
    keys = (b.famille, b.region, b.zone, b.annee, b.programme)
    cells = (
        sa.select(*keys, sa.func.count(sa.distinct(b.beneficiaire_code)).label("n")).group_by(*keys)
    ).cte("ouvert_cellules")
    shown = cells.c.n >= seuil
    groupe = sa.case((shown, b.programme), else_=sa.literal(AUTRES)).label("groupe")
    joined = base.join(cells, sa.and_(*(k == cells.c[k.name] for k in keys)))
    marked = (
        sa.select(
            b.famille,
            b.region,
            b.zone,
            b.zone_libelle,
            b.annee,
            groupe,
            sa.case((shown, b.programme_label)).label("programme_libelle"),
            sa.case((shown, b.programme_theme)).label("theme"),
            b.beneficiaire_code,
            b.montant_ae,
            b.montant_cp,
        )
        .select_from(joined)
        .cte("ouvert_marque")
    )
    m = marked.c
    group = (m.famille, m.region, m.zone, m.annee, m.groupe)
    return (
        sa.select(
            *group,
            sa.func.max(m.zone_libelle),
            sa.func.max(m.programme_libelle),
            sa.func.max(m.theme),
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(m.montant_ae), 0),
            sa.func.coalesce(sa.func.sum(m.montant_cp), 0),
            sa.func.count(sa.distinct(m.beneficiaire_code)),
        )
        .group_by(*group)
        .order_by(*group)
    )


def _protect(niveau: str, rows: Iterable, seuil: int) -> Iterator[Cellule]:
    """Steps 2 and 3 of the rule on the rows of step 1, one (jeu, zone, exercice) group at a time."""
    groups: dict[tuple, list[Cellule]] = defaultdict(list)
    for fam, reg, zone, annee, groupe, zlab, plab, theme, n, ae, cp, benef in rows:
        groups[(fam, reg, zone, annee)].append(
            Cellule(
                fam,
                reg,
                niveau,
                zone,
                zlab,
                int(annee),
                groupe,
                plab,
                theme,
                int(n),
                Decimal(ae),
                Decimal(cp),
                int(benef),
            )  # fmt: skip
        )
    for cells in groups.values():
        shown = [x for x in cells if x.programme_code != AUTRES]
        autres = next((x for x in cells if x.programme_code == AUTRES), None)
        if autres is not None and autres.beneficiaires < seuil:
            if not shown:
                continue  # the whole group has fewer than `seuil` beneficiaries: withheld
            smallest = min(shown, key=lambda x: (x.beneficiaires, x.montant_ae, x.programme_code))
            shown.remove(smallest)
            autres = replace(
                autres,
                lignes=autres.lignes + smallest.lignes,
                montant_ae=autres.montant_ae + smallest.montant_ae,
                montant_cp=autres.montant_cp + smallest.montant_cp,
                beneficiaires=max(autres.beneficiaires, smallest.beneficiaires),
            )
        yield from shown
        if autres is not None:
            yield replace(autres, programme_libelle=AUTRES_LIBELLE, theme=None)


def cellules(
    conn: Connection,
    niveau: str,
    seuil: int,
    *,
    code: str | None = None,
    familles: list[str] | None = None,
    region: str | None = None,
    dans: tuple[str, str] | None = None,
) -> list[Cellule]:
    """The published cells of a level (one zone with `code`, or the zones `dans` (niveau, code) of
    another zone; some families; one jeu région). A filter on zones keeps or drops whole
    (jeu, zone, exercice) groups, so the cells kept are exactly those of the whole level."""
    if niveau not in NIVEAUX:
        raise ValueError(f"niveau inconnu : {niveau}")
    rows = conn.execute(_query(niveau, max(seuil, 1), code, familles, region, dans))
    return list(_protect(niveau, rows, max(seuil, 1)))


def toutes_cellules(
    conn: Connection, seuil: int, *, familles: list[str] | None = None, region: str | None = None
) -> Iterator[Cellule]:
    """Every published cell of every level (the open export of a jeu, or of the whole instance)."""
    for niveau in NIVEAUX:
        yield from cellules(conn, niveau, seuil, familles=familles, region=region)
