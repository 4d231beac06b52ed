"""One page of a DCAT catalogue (Turtle, RDF/XML or JSON-LD) read with rdflib: its datasets, their
distributions (download URL, title, `dct:conformsTo`) and the next page — hydra's current
vocabulary (`hydra:PartialCollectionView` / `hydra:next`) or the older one (`hydra:PagedCollection`
/ `hydra:nextPage`), as data.gouv.fr's harvester follows them.

A JSON-LD page whose `@context` is a URL gets a bundled context instead: rdflib would fetch it, and a
harvester must not follow a catalogue's links to anywhere but its pages and files."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import urljoin

from rdflib import RDF, Graph, Namespace
from rdflib.namespace import DCAT, DCTERMS, FOAF

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
FORMATS = {
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/rdf+xml": "xml",
    "application/xml": "xml",
    "text/xml": "xml",
    "application/ld+json": "json-ld",
    "application/json": "json-ld",
    "application/n-triples": "nt",
}
EXTENSIONS = {
    ".ttl": "turtle",
    ".rdf": "xml",
    ".xml": "xml",
    ".jsonld": "json-ld",
    ".json": "json-ld",
    ".nt": "nt",
}
CONTEXTE = {
    "dcat": str(DCAT),
    "dct": str(DCTERMS),
    "dcterms": str(DCTERMS),
    "foaf": str(FOAF),
    "hydra": str(HYDRA),
    "rdf": str(RDF),
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
# What marks a distribution as DECP: its dct:conformsTo names the official schema.
MARQUES_DECP = ("format-commande-publique", "schema_decp", "decp")


class CatalogueIllisible(Exception):
    """The page is not RDF in a format we read (HTML, broken Turtle…)."""


@dataclass
class Distribution:
    url: str
    titre: str | None = None
    format: str | None = None
    conforme_a: list[str] = field(default_factory=list)

    @property
    def decp(self) -> bool:
        return any(m in c.lower() for c in self.conforme_a for m in MARQUES_DECP)


@dataclass
class Jeu:
    uri: str
    identifiant: str | None
    titre: str | None
    distributions: list[Distribution] = field(default_factory=list)


@dataclass
class Page:
    jeux: list[Jeu]
    suivante: str | None
    total: int | None = None


def format_rdf(content_type: str | None, url: str, data: bytes) -> str:
    """rdflib's format name, from the Content-Type, else the URL's extension, else the first byte."""
    ctype = (content_type or "").split(";")[0].strip().lower()
    if ctype in FORMATS:
        return FORMATS[ctype]
    path = url.split("?")[0].lower()
    for ext, fmt in EXTENSIONS.items():
        if path.endswith(ext):
            return fmt
    if ctype == "text/html":
        raise CatalogueIllisible("la page est du HTML, pas un catalogue DCAT")
    head = data.lstrip()[:1]
    return "xml" if head == b"<" else "json-ld" if head in (b"{", b"[") else "turtle"


def lire_page(data: bytes, url: str, content_type: str | None = None) -> Page:
    fmt = format_rdf(content_type, url, data)
    if fmt == "json-ld":
        data = _contexte_local(data)
    graph = Graph()
    try:
        graph.parse(data=data, format=fmt, publicID=url)
    except Exception as exc:  # noqa: BLE001 - rdflib raises many kinds: all mean "cannot read"
        raise CatalogueIllisible(f"{fmt} illisible : {str(exc)[:200]}") from exc
    jeux = [_jeu(graph, s) for s in sorted(set(graph.subjects(RDF.type, DCAT.Dataset)), key=str)]
    if not jeux and not any(graph.subjects(RDF.type, DCAT.Catalog)):
        raise CatalogueIllisible("aucun dcat:Catalog ni dcat:Dataset dans la page")
    return Page(jeux, _suivante(graph, url), _total(graph))


def _jeu(graph: Graph, node) -> Jeu:
    dists = []
    for d in graph.objects(node, DCAT.distribution):
        url = graph.value(d, DCAT.downloadURL) or graph.value(d, DCAT.accessURL)
        if url is None:
            continue
        conforme = []
        for c in graph.objects(d, DCTERMS.conformsTo):
            conforme.append(str(c))
            conforme.extend(str(v) for p in (DCTERMS.title, DCTERMS.type) for v in graph.objects(c, p))
        dists.append(
            Distribution(
                str(url),
                _text(graph, d, DCTERMS.title),
                _text(graph, d, DCTERMS["format"]) or _text(graph, d, DCAT.mediaType),
                conforme,
            )
        )
    dists.sort(key=lambda d: d.url)
    return Jeu(str(node), _text(graph, node, DCTERMS.identifier), _text(graph, node, DCTERMS.title), dists)


def _suivante(graph: Graph, base: str) -> str | None:
    for view_type, nxt in (
        (HYDRA.PartialCollectionView, HYDRA.next),
        (HYDRA.PagedCollection, HYDRA.nextPage),
    ):
        for view in graph.subjects(RDF.type, view_type):
            value = graph.value(view, nxt)
            if value is not None:
                return urljoin(base, str(value))
    return None


def _total(graph: Graph) -> int | None:
    value = next(graph.objects(None, HYDRA.totalItems), None)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _text(graph: Graph, node, prop) -> str | None:
    value = graph.value(node, prop)
    return str(value) if value is not None else None


def _contexte_local(data: bytes) -> bytes:
    """Replace a remote `@context` (a URL, or a list holding URLs) by the bundled prefixes."""
    try:
        doc = json.loads(data)
    except ValueError as exc:
        raise CatalogueIllisible(f"JSON-LD illisible : {exc}") from exc

    def fix(node):
        if isinstance(node, dict):
            ctx = node.get("@context")
            if isinstance(ctx, str):
                node["@context"] = CONTEXTE
            elif isinstance(ctx, list):
                node["@context"] = [CONTEXTE if isinstance(c, str) else c for c in ctx]
            for value in node.values():
                fix(value)
        elif isinstance(node, list):
            for value in node:
                fix(value)

    fix(doc)
    return json.dumps(doc).encode()
