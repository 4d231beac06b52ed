"""DECP JSON files, streamed record by record with ijson (its C parser): constant memory whatever
the size. One pass per list (`marches.marche`, then `marches.contrat-concession` — only when the
first pass saw that key's text in the bytes), on a seekable stream (the service spools uploads to
a temporary file)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

import ijson

from dataetat.decp.validation.rapport import Rapport

KINDS = ("marche", "contrat-concession")
CHUNK = 1 << 16


class _Scanner:
    """A file wrapper that notes which list keys appear in the bytes it hands to the parser."""

    def __init__(self, raw: IO[bytes], needles: tuple[bytes, ...]) -> None:
        self.raw, self.needles = raw, needles
        self.seen: set[bytes] = set()
        self.size = 0
        self._tail = b""

    def read(self, n: int = CHUNK) -> bytes:
        data = self.raw.read(n)
        self.size += len(data)
        window = self._tail + data
        for needle in self.needles:
            if needle not in self.seen and needle in window:
                self.seen.add(needle)
        self._tail = data[-32:]
        return data


def lire(stream: IO[bytes], rapport: Rapport) -> Iterator[tuple[str, int, Any]]:
    """(kind, index, record) for every record; a syntax error is a file error in `rapport` (the
    records read before it are kept and counted)."""
    needles = tuple(f'"{k}"'.encode() for k in KINDS)
    start = stream.tell()
    scanner = _Scanner(stream, needles)
    erreur = False
    n = 0
    try:
        for n, record in enumerate(ijson.items(scanner, "marches.marche.item", use_float=True), 1):  # noqa: B007
            yield "marche", n - 1, record
    except ijson.JSONError as exc:
        erreur = True
        rapport.erreur_fichier("json-invalide", _message(exc), chemin=f"/marches/marche/{n}")
    if needles[1] in scanner.seen:
        stream.seek(start)
        try:
            for i, record in enumerate(
                ijson.items(stream, "marches.contrat-concession.item", use_float=True)
            ):
                yield "contrat-concession", i, record
        except ijson.JSONError as exc:
            if not erreur:
                rapport.erreur_fichier("json-invalide", _message(exc))
            erreur = True
    if not erreur and rapport.enregistrements == 0 and not any(n in scanner.seen for n in needles):
        stream.seek(start)
        rapport.erreur_fichier("racine-invalide", _racine(stream))


def _racine(stream: IO[bytes]) -> str:
    """Why a file has no record: no `marches` key, or the 1.x form (`marches` is a list)."""
    try:
        events = ijson.parse(stream)
        prefix, event, _ = next(events)
        if event != "start_map":
            return 'le fichier doit être un objet JSON {"marches": {…}}.'
        for prefix, event, value in events:
            if prefix == "" and event == "map_key" and value == "marches":
                _, kind, _ = next(events)
                if kind == "start_array":
                    return (
                        "« marches » est une liste : c'est le format 1.x des données essentielles ; "
                        'attendu le format 2 {"marches": {"marche": […], "contrat-concession": […]}}.'
                    )
                return "« marches » ne contient ni « marche » ni « contrat-concession »."
        return "clé « marches » absente à la racine."
    except (ijson.JSONError, StopIteration):
        return 'le fichier doit être un objet JSON {"marches": {…}}.'


def _message(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return " ".join(line.strip() for line in text[:2])[:300]
