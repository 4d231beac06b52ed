"""Tag rules re-applied to the read model in one set-based statement.

A rule is a tag (`type` or `type:valeur`) and a search of the query contract, written as its query
string (`source=FINANCIAL_DATA_AE&code_programme=380`): every line the search finds carries the tag.
`reapply` recomputes `ligne.tags` of every line from the active rules (`tag_regle`) and the manual
tags of AE lines (`tag_manuel`, by EJ and poste), set-based:

    UPDATE ligne SET tags = NULLIF(CONCAT_WS(' ', CASE WHEN <rules of tag 1> THEN 'tag1' END, …), '')
    WHERE <no manual tag for its EJ> AND tags IS DISTINCT FROM <the same expression>
    -- then the same, plus the manual tags, for the lines of the EJs having some (joined to tag_manuel)

The rules of one tag are OR-ed; a rule tag the manual tags already carry is not repeated; only the
lines whose tags change are written (DuckDB versions every written row: most lines keep theirs).
No région scope: rules tag the whole base. A stored rule that no longer reads (its parameters went
out of the contract) is skipped; the admin page shows why.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dataetat.model.tags import MAX_TAG as MAX_TAG_LENGTH
from dataetat.model.tags import TAG_CODE
from dataetat.query import filters, lookups
from dataetat.query.filters import Filter
from dataetat.query.params import QueryError, SearchParams, merged_query, params_from_query
from dataetat.store.schema import SOURCE_AE, ligne
from dataetat.store.tags_schema import tag_manuel, tag_regle

TAG, MAX_TAG = TAG_CODE, MAX_TAG_LENGTH
# Presentation and paging parameters say nothing about which lines a rule tags.
NOT_IN_RULE = ("page", "page_size", "sort_by", "sort_order", "grouping", "grouped", "colonnes")


class RegleError(ValueError):
    """A rule that cannot be saved: the French message says what and why."""


@dataclass(frozen=True)
class Bilan:
    etiquetees: int  # lines carrying at least one tag afterwards
    modifiees: int  # lines whose tags changed


def parse(parametres: str) -> SearchParams:
    """A rule's query string → checked search parameters; QueryError (French) when it does not read."""
    pairs = parse_qsl(parametres.strip().lstrip("?"), keep_blank_values=True)
    params = params_from_query(merged_query((k.strip(), v) for k, v in pairs))
    for name in NOT_IN_RULE:
        if getattr(params, name) != getattr(SearchParams(), name):
            raise QueryError(
                f"Paramètre « {name} » : une règle choisit des lignes, elle ne les trie ni ne les pagine."
            )
    return params.check()


def rule_filters(parametres: str) -> list[Filter]:
    """The filters of a rule (each with its French description)."""
    found = filters.build(parse(parametres))
    if not found:
        raise QueryError(
            "Une règle doit avoir au moins un filtre (sinon elle étiquetterait toutes les lignes)."
        )
    return found


def validate_rule(tag: str, parametres: str) -> tuple[str, str]:
    """The rule's tag and parameters, trimmed, or RegleError saying in French what is wrong."""
    tag = tag.strip()
    if not tag:
        raise RegleError("Indiquez l'étiquette de la règle (ex. fonds-vert ou cper:2021-27).")
    if len(tag) > MAX_TAG or not TAG.fullmatch(tag):
        raise RegleError(
            f"Étiquette « {tag} » invalide : minuscules, chiffres et tirets, sans espace, "
            "sous la forme type ou type:valeur (ex. fonds-vert, cper:2021-27)."
        )
    parametres = parametres.strip().lstrip("?")
    if not parametres:
        raise RegleError(
            "Indiquez les paramètres de recherche de la règle (ex. source=FINANCIAL_DATA_AE&code_programme=380)."
        )
    try:
        rule_filters(parametres)
    except QueryError as e:
        raise RegleError(f"Paramètres « {parametres} » invalides : {e}") from e
    return tag, parametres


def describe(conn: Connection, parametres: str) -> str:
    """The rule's search in plain French (its filters' sentences, codes named), or why it does not read."""
    try:
        return " ; ".join(lookups.phrases(conn, rule_filters(parametres)))
    except QueryError as e:
        return f"règle invalide : {e}"


def _clause(parametres: str) -> sa.ColumnElement[bool] | None:
    try:
        return sa.and_(*(f.clause for f in rule_filters(parametres)))
    except QueryError:
        return None


def active_rules(conn: Connection) -> dict[str, list[sa.ColumnElement[bool]]]:
    """Active rules that read, by tag (sorted: a line's tags come in a stable order)."""
    rows = conn.execute(
        sa.select(tag_regle.c.tag, tag_regle.c.parametres).where(tag_regle.c.actif).order_by(tag_regle.c.id)
    ).all()
    by_tag: dict[str, list[sa.ColumnElement[bool]]] = {}
    for tag, parametres in rows:
        clause = _clause(parametres)
        if clause is not None:
            by_tag.setdefault(tag, []).append(clause)
    return dict(sorted(by_tag.items()))


def _joined(parts: list[sa.ColumnElement[str]]) -> sa.ColumnElement[str]:
    if not parts:  # no active rule
        return sa.null()
    return sa.func.nullif(sa.func.concat_ws(sa.literal(" "), *parts), sa.literal(""))


def rules_expression(by_tag: dict[str, list[sa.ColumnElement[bool]]]) -> sa.ColumnElement[str]:
    """The rule tags of a line of `ligne`, space-separated, NULL when none."""
    return _joined([sa.case((sa.or_(*clauses), sa.literal(tag))) for tag, clauses in by_tag.items()])


def manual_expression(by_tag: dict[str, list[sa.ColumnElement[bool]]]) -> sa.ColumnElement[str]:
    """The tags of a line of `ligne` joined to its manual tags (`tag_manuel`, NULL when none): rule
    tags not among the manual ones, then the manual ones."""
    manual = tag_manuel.c.tags
    padded_manual = sa.func.coalesce(sa.literal(" ") + manual + sa.literal(" "), sa.literal(""))
    parts = [
        sa.case(
            (
                sa.and_(sa.or_(*clauses), sa.func.strpos(padded_manual, sa.literal(f" {tag} ")) == 0),
                sa.literal(tag),
            )
        )
        for tag, clauses in by_tag.items()
    ]
    parts.append(sa.func.nullif(sa.func.trim(manual), ""))
    return _joined(parts)


def _with_manual() -> sa.FromClause:
    return ligne.outerjoin(
        tag_manuel,
        sa.and_(
            ligne.c.source == SOURCE_AE,
            tag_manuel.c.n_ej == ligne.c.n_ej,
            tag_manuel.c.n_poste_ej == ligne.c.n_poste_ej,
        ),
    )


def reapply_bilan(conn: Connection) -> Bilan:
    """Recompute `ligne.tags` of every line; what it did. Two UPDATEs, each line written by one of
    them and only when its tags change: the lines of an EJ without manual tags (nearly all) by a
    scan of `ligne` alone, the others through a join to `tag_manuel`. (One UPDATE joining every line
    to `tag_manuel` took three times longer on DuckDB: the join's output comes unordered and the
    writes scatter.)"""
    by_tag = active_rules(conn)
    manual_ejs = sa.select(tag_manuel.c.n_ej)
    has_manual = sa.and_(ligne.c.source == SOURCE_AE, ligne.c.n_ej.in_(manual_ejs))
    rules = rules_expression(by_tag)
    changed = conn.execute(
        ligne.update()
        .values(tags=rules)
        .where(
            sa.or_(ligne.c.source != SOURCE_AE, ligne.c.n_ej.is_(None), ligne.c.n_ej.not_in(manual_ejs)),
            ligne.c.tags.is_distinct_from(rules),
        )
    ).rowcount
    merged = manual_expression(by_tag)
    new = (
        sa.select(ligne.c.id, ligne.c.partie, merged.label("tags"))
        .select_from(_with_manual())
        .where(has_manual, ligne.c.tags.is_distinct_from(merged))
        .subquery("nouvelles")
    )
    changed += conn.execute(
        ligne.update().values(tags=new.c.tags).where(ligne.c.id == new.c.id, ligne.c.partie == new.c.partie)
    ).rowcount
    tagged = conn.execute(
        sa.select(sa.func.count()).select_from(ligne).where(ligne.c.tags.is_not(None))
    ).scalar_one()
    return Bilan(etiquetees=int(tagged), modifiees=int(changed or 0))


def reapply(conn: Connection) -> int:
    """Recompute `ligne.tags` from the active rules and the manual tags; returns the lines tagged."""
    return reapply_bilan(conn).etiquetees


def count_matching(conn: Connection, parametres: str) -> int:
    """How many lines a rule's search finds (all régions): the preview of a rule."""
    clause = sa.and_(*(f.clause for f in rule_filters(parametres)))
    return conn.execute(sa.select(sa.func.count()).select_from(ligne).where(clause)).scalar_one()


def count_each(conn: Connection, rules: dict[int, str]) -> dict[int, int | None]:
    """Lines found by each rule (id → parametres), in one scan; None for a rule that does not read."""
    clauses = {rule_id: _clause(parametres) for rule_id, parametres in rules.items()}
    readable = {rule_id: clause for rule_id, clause in clauses.items() if clause is not None}
    counts: dict[int, int | None] = {rule_id: None for rule_id in rules}
    if readable:
        columns = [
            sa.func.coalesce(sa.func.sum(sa.case((clause, 1), else_=0)), 0).label(f"r{rule_id}")
            for rule_id, clause in readable.items()
        ]
        row = conn.execute(sa.select(*columns).select_from(ligne)).one()
        counts.update({rule_id: int(value) for rule_id, value in zip(readable, row, strict=True)})
    return counts
