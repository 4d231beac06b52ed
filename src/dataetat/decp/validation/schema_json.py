"""The official JSON Schema (DECP 2.0.3, bundled) applied to one record.

`jsonschema-rs` (a maintained Draft 7 validator in Rust) first answers yes/no in about ten
microseconds; only a record that fails is walked again to list every error with its path — most
records of a real file are valid, so the detailed pass is rare."""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import Any

import jsonschema_rs

from dataetat.decp.validation.rapport import Constat, constat

SCHEMA_FILE = "schema_decp_v2.0.3.json"
KINDS = ("marche", "contrat-concession")


@cache
def schema_officiel() -> dict[str, Any]:
    """The bundled JSON Schema 2.0.3 (src/dataetat/decp/schemas/, see PROVENANCE.md there)."""
    text = resources.files("dataetat.decp").joinpath("schemas", SCHEMA_FILE).read_text("utf-8")
    return json.loads(text)


def _sous_schema(kind: str) -> dict[str, Any]:
    """The schema of one record of `kind`: the official definition, with every definition in reach
    (its `$ref`s point at #/definitions/…)."""
    full = schema_officiel()
    return {"$schema": full["$schema"], "$ref": f"#/definitions/{kind}", "definitions": full["definitions"]}


@cache
def validateur(kind: str) -> jsonschema_rs.Draft7Validator:
    return jsonschema_rs.Draft7Validator(_sous_schema(kind))


def est_conforme(kind: str, record: Any) -> bool:
    return validateur(kind).is_valid(record)


def constats_schema(kind: str, record: Any, base: str) -> list[Constat]:
    """Every schema error of `record` (none when it conforms), `base` being its JSON pointer."""
    v = validateur(kind)
    if v.is_valid(record):
        return []
    errors = sorted(v.iter_errors(record), key=lambda e: [str(p) for p in e.instance_path])
    return [_traduire(e, base) for e in errors]


def pointeur(base: str, parts: Iterable[Any]) -> str:
    return base + "".join(f"/{str(p).replace('~', '~0').replace('/', '~1')}" for p in parts)


def champ(parts: Iterable[Any]) -> str:
    """`titulaires[0].titulaire.id` from the path parts of a value inside a record."""
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def _traduire(e: Any, base: str) -> Constat:
    parts = list(e.instance_path)
    where, name = pointeur(base, parts), champ(parts)
    kw, params, value = e.kind.name, e.kind.as_dict(), e.instance
    if kw == "required":
        prop = params.get("property", "?")
        return constat("champ-manquant", pointeur(where, [prop]), champ([*parts, prop]))
    if kw == "type":
        return constat("type-invalide", where, name, value, _type_fr(params.get("types", [])))
    if kw == "enum":
        return constat(
            "valeur-hors-liste", where, name, value, ", ".join(map(str, params.get("options", [])))
        )
    if kw == "pattern":
        return constat("format-invalide", where, name, value, f"le motif {params.get('pattern')}")
    if kw in ("minimum", "exclusiveMinimum"):
        code = (
            "montant-minimum" if name.rsplit(".", 1)[-1] in ("montant", "valeurGlobale") else "valeur-minimum"
        )
        return constat(code, where, name, value, str(params.get("limit")))
    if kw in ("maximum", "exclusiveMaximum"):
        return constat("valeur-maximum", where, name, value, str(params.get("limit")))
    if kw in ("minLength", "maxLength"):
        bound = "au moins" if kw == "minLength" else "au plus"
        return constat("longueur-invalide", where, name, value, f"{bound} {params.get('limit')} caractère(s)")
    if kw == "minItems":
        return constat("liste-vide", where, name, None, str(params.get("limit")))
    if kw == "uniqueItems":
        return constat("doublon-liste", where, name, value)
    if kw == "additionalProperties":
        return constat("champ-inattendu", where, name, None, e.message)
    return constat("schema-invalide", where, name, value, f"{kw} : {e.message}")


_TYPES_FR = {
    "string": "un texte",
    "integer": "un nombre entier",
    "number": "un nombre",
    "boolean": "un booléen (true/false)",
    "object": "un objet",
    "array": "une liste",
    "null": "null",
}


def _type_fr(expected: Any) -> str:
    names = expected if isinstance(expected, list) else [expected]
    return " ou ".join(_TYPES_FR.get(n, str(n)) for n in names)
