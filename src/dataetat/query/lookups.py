"""Look-ups for the search form: referential codes matching what the user types.

Every function takes a connection and returns at most `limite` items `{"code", "label"}`, exact code
first, then codes starting with the text, then labels starting with it, then labels containing it.

Text matching is case- and accent-insensitive through a normalisation written in portable SQL
(`lower(translate(...))`, the same on DuckDB and PostgreSQL, no `unaccent` extension needed) mirrored
by `normalise()` in Python. Limits: only the Latin accented letters of French are folded (not
ligatures such as œ/æ), and hyphens and apostrophes count as spaces ("saint malo" finds Saint-Malo).
Zones follow the reference's fuzzy rules: at commune level, 5 digits are first a postal code
(`ref_code_postal`: « 35000 » finds Rennes 35238, a code shared by several communes finds them all),
then an INSEE code; 1 or 2 digits, or 2A/2B, are a département (its communes); any text is also an
INSEE code prefix or a name. At the other levels, 5 digits also find the zones of the communes of
that postal code (« 35000 » finds Ille-et-Vilaine, Rennes Métropole).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dataetat.model.tags import label as tag_label
from dataetat.query import filters
from dataetat.query.params import QueryError
from dataetat.store.schema import (
    ligne,
    ref_arrondissement,
    ref_categorie_juridique,
    ref_centre_couts,
    ref_code_postal,
    ref_commune,
    ref_departement,
    ref_domaine_fonctionnel,
    ref_epci,
    ref_programme,
    ref_qpv,
    ref_referentiel_programmation,
    ref_region,
)

INCONNU = "libellé inconnu"  # label of a code found in the lines but not in its referential
LIMITE = 50
LIMITE_MAX = 500
BENEFICIAIRE_MIN = 3

_FROM = "àáâãäåçèéêëìíîïñòóôõöùúûüýÿÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖÙÚÛÜÝ-'’"
_TO = "aaaaaaceeeeiiiinooooouuuuyyaaaaaaceeeeiiiinooooouuuuy   "
assert len(_FROM) == len(_TO)

ZONES = {
    "region": ref_region,
    "departement": ref_departement,
    "arrondissement": ref_arrondissement,
    "epci": ref_epci,
    "commune": ref_commune,
}
# Quartiers prioritaires: one table, two divisions (the zone levels qpv and qpv24 of NiveauGeo).
QPV_DECOUPAGES = {"qpv24": 2024, "qpv": 2015}

Item = dict[str, str]


def normalise(text: str) -> str:
    """Python twin of `_norm`: accents folded, lower case, hyphens and apostrophes as spaces."""
    text = text.translate(str.maketrans(_FROM, _TO))
    text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    return " ".join(text.lower().split()) if text.strip() else ""


def _norm(column: sa.ColumnElement) -> sa.ColumnElement[str]:
    return sa.func.lower(sa.func.translate(sa.func.coalesce(column, ""), _FROM, _TO))


def check_limite(limite: int | None) -> int:
    if limite is None:
        return LIMITE
    if not 1 <= limite <= LIMITE_MAX:
        raise QueryError(f"limite doit être entre 1 et {LIMITE_MAX}.")
    return limite


def _label(code: str | None, label: str | None) -> str:
    return f"{code} - {label}" if label else str(code)


def _match(
    conn: Connection,
    code: sa.ColumnElement,
    label: sa.ColumnElement,
    q: str | None,
    limite: int | None,
    *,
    codes: list[str] | None = None,
    also: tuple[sa.ColumnElement, ...] = (),
    where: Sequence[sa.ColumnElement[bool]] = (),
    first: sa.ColumnElement[bool] | None = None,
    group: bool = False,
) -> list[Item]:
    """The shared look-up: `codes` are the code forms of `q` to try as prefixes; `also` are more text
    columns to search; rows meeting `first` are found too, and ranked first. With `group`, rows are
    grouped by code (label = max)."""
    limite = check_limite(limite)
    q = (q or "").strip()
    label_expr = sa.func.max(label) if group else label
    clauses = [code.is_not(None), *where]
    rank: sa.ColumnElement | None = None
    if q:
        forms = codes if codes is not None else [q]
        text = normalise(q)
        prefix = sa.or_(*(code.startswith(f, autoescape=True) for f in forms))
        found = [prefix] if first is None else [first, prefix]
        if text:
            found += [_norm(c).contains(text, autoescape=True) for c in (label, *also)]
        clauses.append(sa.or_(*found))
        starts = _norm(label_expr).startswith(text, autoescape=True) if text else sa.false()
        ranks = [] if first is None else [(first, 0)]
        rank = sa.case(*ranks, (code.in_(forms), 1), (prefix, 2), (starts, 3), else_=4)
    query = sa.select(code.label("code"), label_expr.label("label")).where(*clauses)
    if group:
        query = query.group_by(code)
    order = [rank, code] if q else [code]
    rows = conn.execute(query.order_by(*order).limit(limite)).all()
    return [{"code": str(c), "label": _label(c, lab)} for c, lab in rows]


def _present(
    conn: Connection,
    items: list[Item],
    column: sa.ColumnElement,
    referential: sa.ColumnElement,
    q: str | None,
    limite: int | None,
    region: str | None,
    *,
    forms: list[str] | None = None,
    where: Sequence[sa.ColumnElement[bool]] = (),
) -> list[Item]:
    """`items` (found in the referential), then the codes of the lines the user may see (région scope
    of query/filters.py) that the referential lacks — the bundled referentials are samples — by code
    prefix, labelled « libellé inconnu »."""
    room = check_limite(limite) - len(items)
    if room <= 0:
        return items
    text = (q or "").strip()
    clauses = [
        column.is_not(None),
        column.not_in(sa.select(referential).where(referential.is_not(None))),
        *where,
    ]
    scope = filters.region_scope(region)
    if scope is not None:
        clauses.append(scope)
    if text:
        clauses.append(sa.or_(*(column.startswith(f, autoescape=True) for f in (forms or [text]))))
    query = sa.select(column).where(*clauses).group_by(column).order_by(column).limit(room)
    return items + [{"code": str(c), "label": f"{c} - {INCONNU}"} for (c,) in conn.execute(query)]


def _programme_forms(q: str) -> list[str]:
    """Programme 0103 is programme 103 (Chorus writes programmes on 4 digits)."""
    q = q.strip()
    return list(dict.fromkeys([q, q.lstrip("0")] if len(q) == 4 and q.startswith("0") else [q]))


def programmes(
    conn: Connection, q: str | None = None, limite: int | None = None, region: str | None = None
) -> list[Item]:
    t = ref_programme
    forms = _programme_forms(q or "")
    found = _match(conn, t.c.code, t.c.label, q, limite, codes=forms, also=(t.c.theme,))
    return _present(conn, found, ligne.c.programme_code, t.c.code, q, limite, region, forms=forms)


def referentiels_programmation(
    conn: Connection,
    q: str | None = None,
    programmes: list[str] | None = None,
    limite: int | None = None,
    region: str | None = None,
) -> list[Item]:
    """Activities; narrowed by programmes: characters 2 to 4 of an activity code are its programme."""
    t = ref_referentiel_programmation
    where = []
    if programmes:
        wanted = []
        for p in programmes:
            p = p.strip()
            if not p.isdigit() or len(p) > 4:
                raise QueryError(f"code_programme : « {p} » n'est pas un code de programme.")
            wanted.append(p.lstrip("0").zfill(3)[-3:])
        where.append(sa.func.substr(t.c.code, 2, 3).in_(wanted))
    found = _match(conn, t.c.code, t.c.label, q, limite, where=where)
    column = ligne.c.referentiel_programmation_code
    in_data = [sa.func.substr(column, 2, 3).in_(wanted)] if programmes else []
    return _present(conn, found, column, t.c.code, q, limite, region, where=in_data)


# The column of ref_commune holding a commune's zone of each level.
_ZONE_OF_COMMUNE = {
    "region": ref_commune.c.code_region,
    "departement": ref_commune.c.code_departement,
    "arrondissement": ref_commune.c.code_arrondissement,
    "epci": ref_commune.c.code_epci,
    "commune": ref_commune.c.code,
}


def _zone_first(niveau: str, table: sa.Table, q: str) -> sa.ColumnElement[bool] | None:
    """The zones found by the reference's rules beyond code prefix and name: a 5-digit postal code
    (zones of its communes), or at commune level a département code (its communes)."""
    if len(q) == 5 and q.isdigit():
        communes = sa.select(ref_code_postal.c.code_commune).where(ref_code_postal.c.code_postal == q)
        if niveau == "commune":
            return table.c.code.in_(communes)
        zone = _ZONE_OF_COMMUNE[niveau]
        return table.c.code.in_(sa.select(zone).where(ref_commune.c.code.in_(communes), zone.is_not(None)))
    departement = q.upper()
    if niveau == "commune" and ((departement.isdigit() and len(q) <= 2) or departement in ("2A", "2B")):
        return table.c.code_departement == departement.zfill(2)
    return None


def zones(conn: Connection, niveau: str, q: str | None = None, limite: int | None = None) -> list[Item]:
    """Régions, départements, arrondissements, EPCI, communes or QPV by code prefix, name, postal code
    or (communes, QPV) département code."""
    if niveau.lower() in QPV_DECOUPAGES:
        return qpvs(conn, QPV_DECOUPAGES[niveau.lower()], q, limite)
    table = ZONES.get(niveau.lower())
    if table is None:
        niveaux = [*ZONES, *QPV_DECOUPAGES]
        raise QueryError(f"Niveau « {niveau} » inconnu : niveaux possibles {', '.join(niveaux)}.")
    first = _zone_first(niveau.lower(), table, (q or "").strip())
    return _match(conn, table.c.code, table.c.label, q, limite, first=first)


def qpvs(conn: Connection, annee: int, q: str | None = None, limite: int | None = None) -> list[Item]:
    """Quartiers prioritaires of one division (2015 or 2024) by code prefix, name, the name or INSEE
    code of their commune, a 5-digit postal code or a département code."""
    t = ref_qpv
    commune = sa.select(ref_commune.c.label).where(ref_commune.c.code == t.c.code_commune).scalar_subquery()
    text = (q or "").strip()
    first = None
    if len(text) == 5 and text.isdigit():
        communes = sa.select(ref_code_postal.c.code_commune).where(ref_code_postal.c.code_postal == text)
        first = sa.or_(t.c.code_commune == text, t.c.code_commune.in_(communes))
    elif (text.isdigit() and len(text) <= 3) or text.upper() in ("2A", "2B"):
        first = t.c.code_departement == (text.upper().zfill(2) if len(text) < 3 else text)
    where = [t.c.annee_decoupage == annee]
    return _match(conn, t.c.code, t.c.label, q, limite, also=(commune,), where=where, first=first)


def beneficiaires(
    conn: Connection, q: str | None, region: str | None = None, limite: int | None = None
) -> list[Item]:
    """Beneficiaries seen in the lines the user may see, by SIRET prefix or name (≥ 3 characters)."""
    if len((q or "").strip()) < BENEFICIAIRE_MIN:
        raise QueryError(f"Tapez au moins {BENEFICIAIRE_MIN} caractères pour chercher un bénéficiaire.")
    scope = filters.region_scope(region)
    c = ligne.c
    where = [scope] if scope is not None else []
    return _match(conn, c.beneficiaire_code, c.beneficiaire_denomination, q, limite, where=where, group=True)


def tags(
    conn: Connection, q: str | None = None, region: str | None = None, limite: int | None = None
) -> list[Item]:
    """The tags found on the lines the user may see (a line's `tags` is a space-separated list)."""
    limite = check_limite(limite)
    scope = filters.region_scope(region)
    query = sa.select(ligne.c.tags).where(ligne.c.tags.is_not(None)).distinct()
    if scope is not None:
        query = query.where(scope)
    found = {t for (value,) in conn.execute(query) for t in value.split()}
    text = normalise(q or "")
    chosen = sorted(t for t in found if text in normalise(t) or text in normalise(tag_label(t)))
    chosen.sort(key=lambda t: (normalise(t) != text, not normalise(t).startswith(text)))
    return [{"code": t, "label": tag_label(t)} for t in chosen[:limite]]


def centres_couts(
    conn: Connection, q: str | None = None, limite: int | None = None, region: str | None = None
) -> list[Item]:
    t = ref_centre_couts
    label = sa.func.coalesce(t.c.label, t.c.description)
    found = _match(conn, t.c.code, label, q, limite, also=(t.c.description, t.c.ville))
    return _present(conn, found, ligne.c.centre_couts_code, t.c.code, q, limite, region)


def domaines_fonctionnels(
    conn: Connection, q: str | None = None, limite: int | None = None, region: str | None = None
) -> list[Item]:
    t = ref_domaine_fonctionnel
    found = _match(conn, t.c.code, t.c.label, q, limite)
    return _present(conn, found, ligne.c.domaine_fonctionnel_code, t.c.code, q, limite, region)


_CHOSEN = {
    "programmes": (ref_programme.c.code, ref_programme.c.label),
    "referentiels-programmation": (
        ref_referentiel_programmation.c.code,
        ref_referentiel_programmation.c.label,
    ),
    "domaines-fonctionnels": (ref_domaine_fonctionnel.c.code, ref_domaine_fonctionnel.c.label),
    "centres-couts": (
        ref_centre_couts.c.code,
        sa.func.coalesce(ref_centre_couts.c.label, ref_centre_couts.c.description),
    ),
    **{f"zones/{niveau}": (table.c.code, table.c.label) for niveau, table in ZONES.items()},
    **{f"zones/{niveau}": (ref_qpv.c.code, ref_qpv.c.label) for niveau in QPV_DECOUPAGES},
    "categories-juridiques": (ref_categorie_juridique.c.code, ref_categorie_juridique.c.label),
}


def chosen(conn: Connection, kind: str, codes: Sequence[str]) -> list[Item]:
    """The codes a search holds, with their labels, in the given order (to show a search's choices);
    a code absent from its referential keeps its code as label. Beneficiaries: `chosen_beneficiaires`."""
    if not codes:
        return []
    if kind == "tags":
        return [{"code": c, "label": tag_label(c)} for c in codes]
    code, label = _CHOSEN[kind]
    found = dict(conn.execute(sa.select(code, label).where(code.in_(list(codes)))).all())
    return [{"code": c, "label": _label(c, found.get(c))} for c in codes]


def names(conn: Connection, wanted: Sequence[tuple[str, Sequence[str]]]) -> dict[tuple[str, str], str]:
    """The labels of codes of several referentials (kinds of `chosen`) in one query:
    {(kind, code): label}; a code absent from its referential (or without label) is left out."""
    selects = []
    for kind, codes in wanted:
        if kind not in _CHOSEN or not codes:
            continue
        code, label = _CHOSEN[kind]
        selects.append(
            sa.select(
                sa.cast(sa.literal(kind), sa.String).label("kind"),
                sa.cast(code, sa.String).label("code"),
                sa.cast(label, sa.String).label("label"),
            ).where(code.in_(list(dict.fromkeys(codes))), label.is_not(None))
        )
    if not selects:
        return {}
    query = selects[0] if len(selects) == 1 else sa.union_all(*selects)
    return {(k, c): lab for k, c, lab in conn.execute(query)}


def phrases(conn: Connection, built: Sequence[filters.Filter]) -> list[str]:
    """The French sentences of a search's filters, codes named from their referentials
    (« département Ille-et-Vilaine (35) »), in one query; a code without a name stays alone. The one
    place where both searches (lines, marchés) and what shows them (pages, saved searches, exports)
    name the codes of their filters."""
    wanted = [(f.named.kind, f.named.codes) for f in built if f.named]
    found = names(conn, wanted) if wanted else {}
    out = []
    for f in built:
        if f.named is None:
            out.append(f.description)
            continue
        n = f.named
        shown = [f"{found[(n.kind, code)]} ({code})" if (n.kind, code) in found else code for code in n.codes]
        out.append(n.before + ", ".join(shown) + n.after)
    return out


def chosen_beneficiaires(conn: Connection, codes: Sequence[str], region: str | None) -> list[Item]:
    """The SIRETs a search holds with the names the user may see: from the lines in their région's
    scope, as the look-up `beneficiaires` (a SIRET funded only elsewhere keeps its code as label)."""
    if not codes:
        return []
    scope = filters.region_scope(region)
    query = (
        sa.select(ligne.c.beneficiaire_code, sa.func.max(ligne.c.beneficiaire_denomination))
        .where(ligne.c.beneficiaire_code.in_(list(codes)), *([] if scope is None else [scope]))
        .group_by(ligne.c.beneficiaire_code)
    )
    found = dict(conn.execute(query).all())
    return [{"code": c, "label": _label(c, found.get(c))} for c in codes]
