"""Saved searches ("Mes recherches"): the versioned content, its validation, its French summary,
and the owner/recipient rules over store/recherches.py.

A saved search is the URL state of a search (`Recherche.query_items()`: every filter, columns and
their order, grouping, sort, view, pivot), keyed by parameter codes and values that are codes —
never labels — in a versioned JSON document:

    {"version": 1, "recherche": {"programmes": "103,104", "vue": "tableau", ...}}

Applying it is opening "/?<its parameters>": the normal search, scoped by whoever opens it. A
newer schema version adds a reader for the older ones in `recherche_de`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dataetat.query import filters, lookups
from dataetat.query.columns import BY_CODE
from dataetat.query.params import QueryError
from dataetat.query.pivot import _check as check_pivot
from dataetat.store import recherches as store
from dataetat.web.errors import Conflict, NotFound
from dataetat.web.formulaire import Recherche
from dataetat.web.formulaire_choix import VUES

VERSION = 1
NOM_MAX = 120
DESTINATAIRES_MAX = 50
_EMAIL = re.compile(r"^[^@\s,;<>\"]+@[^@\s,;<>\"]+\.[^@\s,;<>\"]+$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class Interdit(Exception):
    """A change asked by someone who may only read this search (a recipient)."""


# --- content ---------------------------------------------------------------------------------


def lire(parametres: Mapping[str, Any]) -> Recherche:
    """The search of these URL parameters (a value: a string, comma lists allowed, or a list);
    anything the search page would refuse or ignore is a French QueryError."""
    query: dict[str, list[str]] = {}
    for name, value in parametres.items():
        values = value if isinstance(value, list) else [value]
        if not all(isinstance(v, str | int | bool) for v in values):
            raise QueryError(f"Le paramètre « {name} » doit être un texte ou une liste de textes.")
        query[str(name)] = [str(v).lower() if isinstance(v, bool) else str(v) for v in values]
    r, erreurs = Recherche.from_query(query)
    if erreurs:
        raise QueryError("Recherche invalide : " + " ".join(erreurs))
    r.to_params().check()
    check_pivot(r.pivot_lignes, r.pivot_colonnes, r.valeur)
    return r


def contenu(r: Recherche) -> str:
    return json.dumps({"version": VERSION, "recherche": dict(r.query_items())}, ensure_ascii=False)


def recherche_de(sauvegarde: store.Sauvegarde) -> Recherche:
    document = json.loads(sauvegarde.contenu)
    if document.get("version") != VERSION:
        raise QueryError(f"Version {document.get('version')} de recherche sauvegardée inconnue.")
    return lire(document["recherche"])


def url(r: Recherche) -> str:
    """The search page of this search, every field kept (the page too)."""
    return "/?" + urlencode(r.query_items())


def _nom(code: str) -> str:
    label = BY_CODE[code].label
    return label[:1].lower() + label[1:]


def resume(conn: Connection, r: Recherche) -> list[str]:
    """The search in a few French phrases: its filters (codes named, `lookups.phrases`), then how it
    is shown."""
    phrases = lookups.phrases(conn, filters.build(r.to_params(grouped=False))) or ["aucun filtre"]
    phrases.append(f"présentation « {VUES[r.vue]} »")
    if r.grouper_par:
        phrases.append("groupée par " + ", ".join(_nom(c) for c in r.grouper_par))
    if r.vue == "tableau":
        phrases.append(f"tableau : {_nom(r.pivot_lignes)} × {_nom(r.pivot_colonnes)}")
    if r.colonnes:
        phrases.append(f"{len(r.colonnes)} colonnes choisies")
    if r.tri:
        sens = "décroissant" if r.ordre == "desc" else "croissant"
        phrases.append(f"triée par {_nom(r.tri)} ({sens})")
    return phrases


def nom_valide(nom: str) -> str:
    nom = " ".join(nom.split())
    if not 1 <= len(nom) <= NOM_MAX or _CONTROL.search(nom):
        raise QueryError(f"Le nom d'une recherche compte de 1 à {NOM_MAX} caractères.")
    return nom


def destinataires(adresses: list[str] | str, moi: str) -> list[str]:
    """The e-mails to share with (a list, or a text separated by commas, semicolons or spaces),
    lower case, without duplicates nor oneself; a malformed one is a French QueryError."""
    if isinstance(adresses, str):
        adresses = re.split(r"[\s,;]+", adresses)
    emails = list(dict.fromkeys(a.strip().lower() for a in adresses if a and a.strip()))
    mauvaises = [a for a in emails if len(a) > 254 or not _EMAIL.match(a)]
    if mauvaises:
        raise QueryError("Adresse électronique invalide : " + ", ".join(mauvaises[:5]) + ".")
    emails = [a for a in emails if a != moi.lower()]
    if not emails:
        raise QueryError("Indiquez au moins une adresse électronique d'un ou une collègue.")
    if len(emails) > DESTINATAIRES_MAX:
        raise QueryError(f"{DESTINATAIRES_MAX} destinataires au plus par partage.")
    return emails


# --- owner and recipient rules (run in one connection: `await db.write(fn, …)`; `enregistrer`
# and `renommer` with `db.write_retrying`: see `_nom_libre`) ----------------------------------------


def _deja_pris(nom: str) -> Conflict:
    return Conflict("nom-deja-pris", f"Vous avez déjà une recherche nommée « {nom} ».")


def _nom_libre(conn: Connection, user: str, nom: str, write, except_id: int | None = None):
    """`write()` under the name `nom`, refused in French when the owner has it already — also when a
    concurrent save (a double click, two tabs) took it meanwhile: PostgreSQL then refuses the
    statement for the unique name (caught in a savepoint); DuckDB refuses the transaction (« duplicate
    key »): run through `write_retrying`, it is tried again and finds the name taken."""
    if store.name_taken(conn, user, nom, except_id=except_id):
        raise _deja_pris(nom)
    if conn.dialect.name != "postgresql":
        return write()
    try:
        with conn.begin_nested():
            return write()
    except sa.exc.IntegrityError:
        raise _deja_pris(nom) from None


def enregistrer(conn: Connection, user: str, nom: str, r: Recherche) -> int:
    nom = nom_valide(nom)
    return _nom_libre(conn, user, nom, lambda: store.create(conn, user, nom, contenu(r), VERSION))


def visible(conn: Connection, recherche_id: int, user: str) -> store.Sauvegarde:
    """The search if its owner or a recipient asks (a recipient's copy says who shared it)."""
    found = store.get(conn, recherche_id)
    if found is not None and found.proprietaire == user:
        return found
    shared = store.shared_with(conn, user, recherche_id)
    if not shared:
        raise NotFound("recherche-introuvable", f"Recherche sauvegardée {recherche_id} introuvable.")
    return shared[0]


def a_moi(conn: Connection, recherche_id: int, user: str) -> store.Sauvegarde:
    found = visible(conn, recherche_id, user)
    if found.proprietaire != user:
        raise Interdit("Seule la personne qui a créé cette recherche peut la modifier ou la partager.")
    return found


def renommer(conn: Connection, recherche_id: int, user: str, nom: str) -> None:
    a_moi(conn, recherche_id, user)
    nom = nom_valide(nom)
    _nom_libre(conn, user, nom, lambda: store.rename(conn, recherche_id, nom), except_id=recherche_id)


def supprimer(conn: Connection, recherche_id: int, user: str) -> None:
    a_moi(conn, recherche_id, user)
    store.delete(conn, recherche_id)


def partager(conn: Connection, recherche_id: int, user: str, emails: list[str]) -> store.Sauvegarde:
    found = a_moi(conn, recherche_id, user)
    store.share(conn, recherche_id, emails, user)
    return found


def as_dict(
    conn: Connection, sauvegarde: store.Sauvegarde, user: str, partages: list[store.Partage] | None = None
) -> dict:
    """The JSON of a saved search: its content by codes, its page URL and its French summary."""
    r = recherche_de(sauvegarde)
    out: dict[str, Any] = {
        "id": sauvegarde.id,
        "nom": sauvegarde.nom,
        "version": sauvegarde.version,
        "recherche": dict(r.query_items()),
        "url": url(r),
        "resume": resume(conn, r),
        "cree_le": sauvegarde.cree_le.isoformat(),
        "modifie_le": sauvegarde.modifie_le.isoformat(),
        "proprietaire": sauvegarde.proprietaire,
        "modifiable": sauvegarde.proprietaire == user,
    }
    if sauvegarde.partage_par is not None and sauvegarde.partage_le is not None:
        out["partage_par"] = sauvegarde.partage_par
        out["partage_le"] = sauvegarde.partage_le.isoformat()
    if partages is not None:
        out["partages"] = [
            {"destinataire": x.destinataire, "partage_le": x.partage_le.isoformat()} for x in partages
        ]
    return out
