"""The statistical secrecy of the open cells, primary and secondary (docs/ouvert.md « Secret
statistique »). Pure Python over the raw cells of query/ouvert_calcul.py.

Primary, in each (jeu, zone, exercice) group: a cell with fewer than `seuil` beneficiaries is masked
(its lines go into « autres »); when « autres » has fewer than `seuil` beneficiaries the smallest
published cell joins it, or the whole group is withheld when none is left.

Secondary, across the levels: the published figures are tied by equations a reader can write,
    « autres » of a group = Σ its masked cells,
    a parent zone's cell of a programme = Σ its child zones' cells of that programme + the rest
    (lines in the parent and in no child zone), for the pairs of PAIRES (COG nesting);
a reader who knows all but one term of an equation gets the last one by subtraction, and may use it
in the next equation. `secondaire` follows those subtractions to the end (each equation with one
unknown term left gives it) and, when they give a cell of fewer than `seuil` beneficiaries (or the
rest of a parent whose beneficiaries are not known), masks one more published term of the equation
that gave it — the smallest child of the same parent, else the parent — and starts again until no
such cell can be obtained. Masking one cell in a group without « autres » masks the next smallest
of the group too (else « autres » would show it), or withholds the group when it has no other.
Limit: only chains of single subtractions are followed (not every linear combination), and the sum
of two masked cells of one equation may be known."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

PAIRES = (("region", "departement"), ("departement", "commune"), ("epci", "commune"), ("region", "epci"))


@dataclass
class Brute:
    """A cell before the rule."""

    programme: str
    libelle: str | None
    theme: str | None
    lignes: int
    ae: Decimal
    cp: Decimal
    n: int  # distinct beneficiaries


@dataclass
class Groupe:
    """A (famille, région, niveau, zone, exercice) group and what the rule masks in it."""

    key: tuple
    zone_libelle: str | None
    cellules: dict[str, Brute]
    nu: int  # distinct beneficiaries of the union of its cells under the threshold
    masque: set[str] = field(default_factory=set)
    retenu: bool = False  # the whole group withheld
    total_sensible: bool = False  # withheld by the primary rule: its total has too few beneficiaries
    autres_beneficiaires: int = 0


def _size(b: Brute) -> tuple:
    return (b.n, b.ae, b.programme)


def primaire(g: Groupe, seuil: int) -> None:
    g.masque = {p for p, b in g.cellules.items() if b.n < seuil}
    if not g.masque:
        return
    g.autres_beneficiaires = g.nu
    if g.nu < seuil:
        shown = [b for b in g.cellules.values() if b.programme not in g.masque]
        if not shown:
            g.retenu = g.total_sensible = True
            return
        smallest = min(shown, key=_size)
        g.masque.add(smallest.programme)
        g.autres_beneficiaires = max(g.nu, smallest.n)


def _mask(g: Groupe, programme: str) -> None:
    """Mask one more cell of the group (a published one: `seuil` beneficiaries or more)."""
    first = not g.masque
    g.masque.add(programme)
    g.autres_beneficiaires = max(g.autres_beneficiaires, g.cellules[programme].n)
    if first:  # « autres » would be that cell alone: the next smallest joins, else no group
        shown = [b for b in g.cellules.values() if b.programme not in g.masque]
        if not shown:
            g.retenu = True
            return
        nxt = min(shown, key=_size)
        g.masque.add(nxt.programme)
        g.autres_beneficiaires = max(g.autres_beneficiaires, nxt.n)


# A term: ("c", group key, programme) a cell, ("t", group key) a group's total, ("r", pair, group key,
# programme) and ("rt", pair, group key) a parent's rest (its lines in no child zone), unpublished.
# An equation: (kind, terms); its first term is the whole, the others its parts.


def _equations(groups: dict[tuple, Groupe], residus: dict, parents: dict, seuil: int):
    """The equations a reader can write, and the terms that must not be obtained. They do not depend
    on what is masked (only which terms are unknown does): built once."""
    sensitive: set[tuple] = set()
    eqs: list[tuple] = []
    by_level: dict[str, list[Groupe]] = {}
    for g in groups.values():
        by_level.setdefault(g.key[2], []).append(g)
        cells = [("c", g.key, p) for p in g.cellules]
        sensitive.update(t for t in cells if g.cellules[t[2]].n < seuil)
        if g.total_sensible:
            sensitive.add(("t", g.key))
        eqs.append(("groupe", [("t", g.key), *cells]))
    for pair in PAIRES:
        mapping = parents.get(pair, {})
        children: dict[tuple, list[Groupe]] = {}
        for k in by_level.get(pair[1], []):
            fam, reg, _, zone, annee = k.key
            if (pz := mapping.get(zone)) is not None:
                children.setdefault((fam, reg, pz, annee), []).append(k)
        for g in by_level.get(pair[0], []):
            fam, reg, _, zone, annee = g.key
            kids = children.get((fam, reg, zone, annee), [])
            by_programme: dict[str, list[Groupe]] = {}
            for k in kids:
                for p in k.cellules:
                    by_programme.setdefault(p, []).append(k)
            rest_all, rest_sensitive, has_rest = sum(b.lignes for b in g.cellules.values()), True, False
            for p, b in g.cellules.items():
                those = by_programme.get(p, [])
                terms = [("c", g.key, p), *(("c", k.key, p) for k in those)]
                rest = b.lignes - sum(k.cellules[p].lignes for k in those)
                found = residus.get((*pair, fam, reg, zone, annee, p))
                if rest or found:
                    term = ("r", pair, g.key, p)
                    terms.append(term)
                    has_rest = True
                    if found is None or found[0] != rest or found[1] < seuil:
                        sensitive.add(term)  # unknown beneficiaries, or too few
                    else:
                        rest_sensitive = False  # the whole rest has this one's beneficiaries
                eqs.append(("niveaux", terms))
            terms = [("t", g.key), *(("t", k.key) for k in kids)]
            rest_all -= sum(b.lignes for k in kids for b in k.cellules.values())
            if rest_all or has_rest:
                terms.append(("rt", pair, g.key))
                if rest_sensitive:
                    sensitive.add(terms[-1])
            eqs.append(("niveaux", terms))
    return eqs, sensitive


def _unknown(term: tuple, groups: dict[tuple, Groupe]) -> bool:
    if term[0] in ("r", "rt"):
        return True
    g = groups[term[1]]
    return g.retenu or (term[0] == "c" and term[2] in g.masque)


def _audit(eqs, unknown: set[tuple], sensitive: set[tuple]) -> tuple[list, dict]:
    """Follow the subtractions: the (equation index, term) giving a sensitive term, and for each
    term obtained the equation that gave it."""
    left = [sum(t in unknown for t in terms) for _, terms in eqs]
    by_term: dict[tuple, list[int]] = {}
    for i, (_, terms) in enumerate(eqs):
        for t in terms:
            if t in unknown:
                by_term.setdefault(t, []).append(i)
    got: dict[tuple, int] = {}
    leaks = []
    queue = [i for i, n in enumerate(left) if n == 1]
    while queue:
        i = queue.pop()
        if left[i] != 1:
            continue
        t = next(t for t in eqs[i][1] if t in unknown and t not in got)
        got[t] = i
        if t in sensitive:
            leaks.append((i, t))
        for j in by_term[t]:
            left[j] -= 1
            if left[j] == 1:
                queue.append(j)
    return leaks, got


def _cell_size(groups, t: tuple) -> tuple:
    b = groups[t[1]].cellules[t[2]]
    return (abs(b.ae) + abs(b.cp), b.n, t[1][3], t[2])


def _fix(i: int, leaked: tuple, eqs, groups, got, seen: set[int]) -> bool:
    """Mask one more term so that equation i no longer gives `leaked`; False when nothing could.
    In order: the smallest published cell among its parts (a sibling), the whole if a cell, one more
    mask in an equation that gave one of its other terms, else withholding a group (a total)."""
    if i in seen:
        return False
    seen.add(i)
    terms = eqs[i][1]
    published = [t for t in terms if t[0] == "c" and not _unknown(t, groups)]
    parts = [t for t in published if t != terms[0]]
    if parts or published:
        t = min(parts, key=lambda t: _cell_size(groups, t)) if parts else terms[0]
        _mask(groups[t[1]], t[2])
        return True
    if any(_fix(got[t], leaked, eqs, groups, got, seen) for t in terms if t != leaked and t in got):
        return True
    totals = [t for t in terms if t[0] == "t" and not _unknown(t, groups)]
    if totals:
        groups[totals[-1][1]].retenu = True  # a part before the whole
        return True
    return False


def secondaire(groups: dict[tuple, Groupe], residus: dict, parents: dict, seuil: int) -> int:
    """Mask more cells until no cell under the threshold can be obtained by subtractions; returns
    how many rounds it took."""
    rounds = 0
    eqs, sensitive = _equations(groups, residus, parents, seuil)
    while True:
        rounds += 1
        unknown = {t for _, terms in eqs for t in terms if _unknown(t, groups)}
        leaks, got = _audit(eqs, unknown, sensitive)
        if not leaks:
            return rounds
        fixed = False
        for i, t in leaks:
            fixed |= _fix(i, t, eqs, groups, got, set())
        if not fixed:  # cannot happen: a group can always be withheld; never publish a leak
            raise RuntimeError("secret statistique : une cellule reste calculable")
