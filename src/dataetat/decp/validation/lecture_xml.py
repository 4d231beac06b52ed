"""DECP XML files: streamed record by record (lxml `iterparse`, each `<marche>` or
`<contrat-concession>` freed once checked), each checked against the official XSD 2.0.2 (libxml2,
bundled schema), then converted to the JSON shape of the format — so the business rules and the
importer see one shape whatever the file's format.

libxml2's English messages are mapped to the validator's codes; its paths (`/marche/titulaires/
titulaire[2]/id`) to the field names of the JSON form (`titulaires[1].titulaire.id`)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import IO, Any

from lxml import etree

from dataetat.decp.validation.rapport import Constat, Rapport, constat

XSD_FILE = "schema_decp_v2.0.2.xsd"
KINDS = ("marche", "contrat-concession")
# JSON: "titulaires": [{"titulaire": {…}}, …]
WRAPPER_LISTS = {
    "titulaires": "titulaire",
    "modifications": "modification",
    "actesSousTraitance": "acteSousTraitance",
    "modificationsActesSousTraitance": "modificationActeSousTraitance",
    "concessionnaires": "concessionnaire",
    "donneesExecution": "donneesAnnuelles",
    "tarifs": "tarif",
}
# JSON: "techniques": {"technique": ["…", …]}
VALUE_LISTS = {
    "techniques": "technique",
    "modalitesExecution": "modaliteExecution",
    "typesPrix": "typePrix",
    "considerationsSociales": "considerationSociale",
    "considerationsEnvironnementales": "considerationEnvironnementale",
}
BOOLEANS = {"marcheInnovant", "attributionAvance", "sousTraitanceDeclaree"}
INTEGERS = {"offresRecues", "dureeMois"}
NUMBERS = {
    "montant", "tauxAvance", "origineUE", "origineFrance", "valeurGlobale",
    "montantSubventionPublique", "depensesInvestissement", "tarif",
}  # fmt: skip
INTEGER_IDS = {
    "modification",
    "acteSousTraitance",
    "modificationActeSousTraitance",
}  # parents of an integer id
_EXPECTED = re.compile(r"Expected is (?:one of )?\( ([^)]*) \)")


@cache
def schema_xsd() -> etree.XMLSchema:
    path = resources.files("dataetat.decp").joinpath("schemas", XSD_FILE)
    with path.open("rb") as f:
        return etree.XMLSchema(etree.parse(f, etree.XMLParser(resolve_entities=False, no_network=True)))


def lire(stream: IO[bytes], rapport: Rapport) -> Iterator[tuple[str, int, dict[str, Any], list[Constat]]]:
    """(kind, index, record in the JSON shape, XSD findings) for each record of the file; a file
    that cannot be read any further is a file error in `rapport`, the records before it are kept."""
    xsd = schema_xsd()
    counts = dict.fromkeys(KINDS, 0)
    context = etree.iterparse(
        stream,
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
    )
    root = None
    try:
        for event, elem in context:
            if root is None:
                root = elem
                if _local(elem.tag) != "marches":
                    rapport.erreur_fichier(
                        "racine-invalide",
                        f"l'élément racine est « {_local(elem.tag)} », attendu « marches ».",
                    )
                    return
                continue
            if event != "end" or elem.getparent() is not root:
                continue
            kind = _local(elem.tag)
            if kind not in KINDS:
                rapport.erreur_fichier("racine-invalide", f"élément « {kind} » inattendu dans « marches ».")
            else:
                index = counts[kind]
                counts[kind] += 1
                base = f"/marches/{kind}/{index}"
                findings = [] if xsd.validate(elem) else [_constat(e, kind, base) for e in xsd.error_log]
                yield kind, index, en_json(elem), [c for group in findings for c in group]
            elem.clear()
            while elem.getprevious() is not None:
                del root[0]
    except etree.XMLSyntaxError as exc:
        if root is None and "Document is empty" in str(exc):
            rapport.erreur_fichier("fichier-vide")
        else:
            rapport.erreur_fichier("xml-invalide", str(exc))


def en_json(elem: Any) -> dict[str, Any]:
    """A record element converted to the JSON shape of the format (lists, booleans, numbers)."""
    return _objet(elem)


def _objet(elem: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for child in elem:
        if not isinstance(child.tag, str):
            continue
        name = _local(child.tag)
        if name in WRAPPER_LISTS:
            inner = WRAPPER_LISTS[name]
            out[name] = [{inner: _objet(c)} for c in child if isinstance(c.tag, str)]
        elif name in VALUE_LISTS:
            out[name] = {VALUE_LISTS[name]: [(c.text or "").strip() for c in child if isinstance(c.tag, str)]}
        elif len(child):
            out[name] = _objet(child)
        else:
            out[name] = _feuille(name, (child.text or "").strip(), _local(elem.tag))
    return out


def _feuille(name: str, text: str, parent: str) -> Any:
    """A leaf's value typed as in the JSON form; a value that does not convert stays a text (the
    XSD has already said it is wrong)."""
    try:
        if name in BOOLEANS:
            return {"oui": True, "true": True, "1": True, "non": False, "false": False, "0": False}[
                text.lower()
            ]
        if name in INTEGERS or (name == "id" and parent in INTEGER_IDS):
            return int(text)
        if name in NUMBERS:
            value = float(text)
            return int(value) if value.is_integer() and "." not in text else value
    except (KeyError, ValueError):
        return text
    return text


def _constat(e: Any, kind: str, base: str) -> list[Constat]:
    parts = [p for p in (e.path or "").split("/") if p][1:]  # drop the record element itself
    chemin = base + "".join(f"/{p}" for p in parts)
    name = _champ(parts)
    msg, t = e.message, e.type_name
    value = _match(_VALUE, msg)
    limit = _match(_LIMIT, msg) or ""
    if "Missing child" in msg:
        m = _EXPECTED.search(msg)
        listed = [n.strip() for n in m[1].split(",")] if m else []
        required = _obligatoires().get(parts[-1].split("[")[0] if parts else kind, set())
        missing = [n for n in listed if n in required] or listed or ["?"]
        return [constat("champ-manquant", f"{chemin}/{n}", _joindre(name, n)) for n in missing]
    if t == "SCHEMAV_ELEMENT_CONTENT":
        return [constat("champ-inattendu", chemin, name)]
    if t == "SCHEMAV_CVC_ENUMERATION_VALID":
        options = msg.split("{", 1)[-1].rstrip("}. ").replace("'", "")
        return [constat("valeur-hors-liste", chemin, name, value, options)]
    if t == "SCHEMAV_CVC_PATTERN_VALID":
        return [constat("format-invalide", chemin, name, value, f"le motif {_match(_PATTERN, msg) or ''}")]
    if t in ("SCHEMAV_CVC_MININCLUSIVE_VALID", "SCHEMAV_CVC_MINEXCLUSIVE_VALID"):
        code = "montant-minimum" if parts and parts[-1] in ("montant", "valeurGlobale") else "valeur-minimum"
        return [constat(code, chemin, name, _nombre(value), limit)]
    if t in ("SCHEMAV_CVC_MAXINCLUSIVE_VALID", "SCHEMAV_CVC_MAXEXCLUSIVE_VALID"):
        return [constat("valeur-maximum", chemin, name, _nombre(value), limit)]
    if t in ("SCHEMAV_CVC_MAXLENGTH_VALID", "SCHEMAV_CVC_MINLENGTH_VALID", "SCHEMAV_CVC_LENGTH_VALID"):
        bound = "au plus" if "MAX" in t else "au moins" if "MIN" in t else "exactement"
        return [constat("longueur-invalide", chemin, name, value, f"{bound} {limit} caractère(s)")]
    if t.startswith("SCHEMAV_CVC_DATATYPE_VALID"):
        m = _DATATYPE.search(msg)
        found, atomic = (m[1], m[2]) if m else (None, "")
        return [
            constat(
                "type-invalide",
                chemin,
                name,
                found,
                _TYPES_XSD.get(atomic, "une valeur permise par le schéma"),
            )
        ]
    return [constat("schema-invalide", chemin, name, value, msg)]


_VALUE = re.compile(r"The value '([^']*)'")
_LIMIT = re.compile(r"allowed \('([^']*)'\)|length of '(\d+)'")
_PATTERN = re.compile(r"by the pattern '([^']*)'")
_DATATYPE = re.compile(r"'([^']*)' is not a valid value of the (.*?)\.$")
_TYPES_XSD = {
    "atomic type 'xs:date'": "une date AAAA-MM-JJ réelle",
    "atomic type 'xs:decimal'": "un nombre",
    "atomic type 'xs:integer'": "un nombre entier",
    "atomic type 'xs:positiveInteger'": "un nombre entier positif",
    "atomic type 'xs:boolean'": "un booléen (true/false, 1/0)",
    "local union type": "oui/non, true/false ou 1/0",
}


def _match(regex: re.Pattern[str], text: str) -> str | None:
    m = regex.search(text)
    return next((g for g in m.groups() if g is not None), None) if m else None


def _nombre(value: str | None) -> Any:
    try:
        return None if value is None else int(value) if value.lstrip("-").isdigit() else float(value)
    except ValueError:
        return value


@cache
def _obligatoires() -> dict[str, set[str]]:
    """Element name -> the names of its required children, from the XSD (an element name used in
    several places gets the union: libxml2 lists the expected children, this only drops the
    optional ones from its list)."""
    path = resources.files("dataetat.decp").joinpath("schemas", XSD_FILE)
    with path.open("rb") as f:
        tree = etree.parse(f, etree.XMLParser(resolve_entities=False, no_network=True))
    xs = "{http://www.w3.org/2001/XMLSchema}"
    out: dict[str, set[str]] = {}
    for elem in tree.iter(f"{xs}element"):
        if elem.get("name") is None:
            continue
        kids = out.setdefault(elem.get("name"), set())
        for group in elem.findall(f"{xs}complexType/*"):
            for child in group.iter(f"{xs}element"):
                if child.getparent() is group and child.get("minOccurs", "1") != "0":
                    kids.add(child.get("name") or child.get("ref"))
    return out


def _champ(parts: list[str]) -> str:
    """XPath steps inside a record → the JSON form's field name: `titulaires/titulaire[2]/id` →
    `titulaires[1].titulaire.id`."""
    out = ""
    previous = ""
    for step in parts:
        m = re.match(r"^(.*?)(?:\[(\d+)\])?$", step)
        name, n = m[1], int(m[2] or 1)
        if previous in WRAPPER_LISTS:
            out += f"[{n - 1}].{name}"
        elif previous in VALUE_LISTS:
            out += f".{name}[{n - 1}]"
        else:
            out = _joindre(out, name if m[2] is None else f"{name}[{n - 1}]")
        previous = name
    return out


def _joindre(champ: str, name: str) -> str:
    return f"{champ}.{name}" if champ else name


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""
