"""The one validation service behind the three doors (CLI, HTTP API, page) and the DECP import:
a file (JSON or XML, detected from its first byte) is read record by record, each record checked
against the official schema then the business rules, and the findings gathered in a `Rapport`.

    rapport = valider_fichier("decp.json")                    # -> Rapport (rapport.as_dict(): the JSON report)
    for kind, index, record, resultat in iter_valider(f, rapport=r):   # the import: records + verdicts
        if resultat.valide: …
    rapport = valider_document({"marches": {"marche": [...]}})         # records already parsed
"""

from __future__ import annotations

import io
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import IO, Any

from dataetat.decp.validation import lecture_json, lecture_xml, schema_json
from dataetat.decp.validation.rapport import MAX_DETAILS, SCHEMA_XML_ID, Rapport, Resultat
from dataetat.decp.validation.regles import Regles

FORMATS = ("json", "xml")
Source = str | Path | bytes | IO[bytes]


def valider_fichier(
    source: Source,
    format: str | None = None,
    *,
    aujourd_hui: date | None = None,
    max_details: int = MAX_DETAILS,
    nom: str | None = None,
) -> Rapport:
    """Validate a whole DECP file (path, bytes or binary stream). `format` "json" | "xml" | None
    (detected). Never raises on bad content: every problem is in the report."""
    rapport = Rapport(fichier=nom or _nom(source), max_details=max_details)
    for _ in iter_valider(source, format, rapport=rapport, aujourd_hui=aujourd_hui):
        pass
    return rapport


def iter_valider(
    source: Source,
    format: str | None = None,
    *,
    rapport: Rapport,
    aujourd_hui: date | None = None,
) -> Iterator[tuple[str, int, dict[str, Any], Resultat]]:
    """Stream (kind, index, record in the JSON shape, its Resultat) while filling `rapport` — the
    import takes the valid records as they come, in one pass over the file."""
    if not rapport.fichier:
        rapport.fichier = _nom(source)
    regles = Regles(aujourd_hui)
    with _flux(source) as stream:
        detected = format or _detecter(stream)
        rapport.format = detected or ""
        if detected == "xml":
            rapport.schema = SCHEMA_XML_ID
        if detected is None:
            rapport.erreur_fichier("fichier-vide")
            return
        if detected not in FORMATS:
            rapport.erreur_fichier("format-inconnu", f"« {detected} » (attendu JSON ou XML).")
            return
        if detected == "json":
            _sauter_bom(stream)
            for kind, index, record in lecture_json.lire(stream, rapport):
                base = f"/marches/{kind}/{index}"
                constats = _fusionner(
                    schema_json.constats_schema(kind, record, base), regles.constats(kind, record, base)
                )
                yield _compter(rapport, kind, index, record, constats)
        else:
            for kind, index, record, constats in lecture_xml.lire(stream, rapport):
                base = f"/marches/{kind}/{index}"
                yield _compter(
                    rapport, kind, index, record, _fusionner(constats, regles.constats(kind, record, base))
                )
    if rapport.enregistrements == 0 and not rapport.fichier_constats:
        rapport.erreur_fichier("aucun-enregistrement")


def valider_document(
    document: Any, *, aujourd_hui: date | None = None, max_details: int = MAX_DETAILS, nom: str = ""
) -> Rapport:
    """Validate records already parsed: a document `{"marches": {"marche": [...], "contrat-concession": [...]}}`."""
    rapport = Rapport(fichier=nom, format="json", max_details=max_details)
    regles = Regles(aujourd_hui)
    marches = document.get("marches") if isinstance(document, dict) else None
    if not isinstance(marches, dict):
        rapport.erreur_fichier("racine-invalide", 'attendu un objet {"marches": {"marche": […]}}.')
        return rapport
    for kind in schema_json.KINDS:
        for index, record in enumerate(marches.get(kind) or []):
            base = f"/marches/{kind}/{index}"
            schema = schema_json.constats_schema(kind, record, base)
            _compter(rapport, kind, index, record, _fusionner(schema, regles.constats(kind, record, base)))
    if rapport.enregistrements == 0:
        rapport.erreur_fichier("aucun-enregistrement")
    return rapport


def _fusionner(schema: list, regles: list) -> list:
    """The schema's findings, then the business rules' on the values the schema did not refuse
    (a date the XSD found unreal is not also a « date invalide »)."""
    if not schema:
        return regles
    refused = {c.chemin for c in schema}
    return schema + [c for c in regles if c.chemin not in refused]


def _compter(rapport: Rapport, kind: str, index: int, record: Any, constats) -> tuple:
    ident = record.get("id") if isinstance(record, dict) else None
    resultat = Resultat(index, kind, ident if isinstance(ident, str | int) else None, constats)
    rapport.ajouter(resultat)
    return kind, index, record, resultat


def _detecter(stream: IO[bytes]) -> str | None:
    """json | xml from the first significant byte (after a UTF-8 BOM), "inconnu" otherwise; None
    for an empty file."""
    start = stream.tell()
    head = stream.read(4096)
    stream.seek(start)
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if not text:
        return None
    if text[:1] in (b"{", b"["):
        return "json"
    if text[:1] == b"<":
        return "xml"
    return "inconnu"


def _sauter_bom(stream: IO[bytes]) -> None:
    start = stream.tell()
    if stream.read(3) != b"\xef\xbb\xbf":
        stream.seek(start)


@contextmanager
def _flux(source: Source) -> Iterator[IO[bytes]]:
    """A seekable binary stream of the source; a non-seekable one is spooled to a temporary file."""
    if isinstance(source, str | Path):
        with open(source, "rb") as f:
            yield f
    elif isinstance(source, bytes):
        yield io.BytesIO(source)
    elif source.seekable():
        yield source
    else:
        with tempfile.TemporaryFile() as spool:
            shutil.copyfileobj(source, spool, 1 << 20)
            spool.seek(0)
            yield spool


def _nom(source: Source) -> str:
    if isinstance(source, str | Path):
        return Path(source).name
    return str(getattr(source, "name", "") or "")
