"""The catalogue as DCAT-AP (2.1.1, with what data.gouv.fr's harvester reads: `dct:identifier` on
every dataset, `dct:conformsTo` the Table Schema on distributions, `dcat:downloadURL`), built with
rdflib and paged like udata's catalogue: the catalogue is a `dcat:Catalog` and `hydra:Collection`
(`hydra:totalItems`) whose `hydra:view` is a `hydra:PartialCollectionView` with `hydra:first`,
`hydra:last`, `hydra:next`, `hydra:previous` as URIs — what udata's harvester follows.

    graph = catalogue_graph(jeux, base="https://x.fr", page=1, page_size=100, fmt="ttl", …)
    graph.serialize(format="turtle")
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, SKOS, XSD

from dataetat.catalog.tableschema import LIGNES
from dataetat.query.catalogue import DECP, QPV, Jeu

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
DCATAP = Namespace("http://data.europa.eu/r5r/")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
GEO = Namespace("http://www.opengis.net/ont/geosparql#")
EU = "http://publications.europa.eu/resource/authority/"
LICENCE_OUVERTE = URIRef("https://www.etalab.gouv.fr/licence-ouverte-open-licence")
PUBLIC, RESTRICTED = URIRef(EU + "access-right/PUBLIC"), URIRef(EU + "access-right/RESTRICTED")
THEMES = {  # EU data themes
    URIRef(EU + "data-theme/GOVE"): "Gouvernement et secteur public",
    URIRef(EU + "data-theme/ECON"): "Économie et finances",
}
FILE_TYPES = {"csv": ("CSV", "text/csv"), "parquet": ("PARQUET", "application/vnd.apache.parquet")}
FORMATS = {  # extension → (rdflib format, media type)
    "ttl": ("turtle", "text/turtle"),
    "rdf": ("xml", "application/rdf+xml"),
    "jsonld": ("json-ld", "application/ld+json"),
}
BBOX = json.loads((Path(__file__).resolve().parent / "regions_bbox.json").read_text("utf-8"))
FRANCE_METROPOLITAINE = [-5.2, 41.3, 9.6, 51.1]
DEFAULT_PAGE_SIZE = 100


@dataclass(frozen=True)
class Contexte:
    base: str  # public address of the instance, no trailing slash
    editeur: str  # the publisher's name
    modifie: datetime | None  # latest import
    cree: datetime | None = None  # first import


def cog_region(code: str) -> URIRef:
    """The région in INSEE's linked data (COG) vocabulary."""
    return URIRef(f"http://id.insee.fr/geo/region/{code}")


def _wkt(bbox: list[float]) -> Literal:
    x0, y0, x1, y1 = bbox
    ring = f"{x0} {y0}, {x1} {y0}, {x1} {y1}, {x0} {y1}, {x0} {y0}"
    return Literal(f"POLYGON(({ring}))", datatype=GEO.wktLiteral)


def _centroid(bbox: list[float]) -> Literal:
    x0, y0, x1, y1 = bbox
    return Literal(f"POINT({round((x0 + x1) / 2, 3)} {round((y0 + y1) / 2, 3)})", datatype=GEO.wktLiteral)


def _concept(g: Graph, uri: str, label: str) -> URIRef:
    node = _typed(g, URIRef(uri), SKOS.Concept)
    g.add((node, SKOS.prefLabel, Literal(label, lang="fr")))
    return node  # type: ignore[return-value]


def _date(g: Graph, node, prop, value: datetime | None) -> None:
    if value is not None:
        g.add((node, prop, Literal(value.replace(microsecond=0), datatype=XSD.dateTime)))


def _typed(g: Graph, node, cls) -> URIRef | BNode:
    g.add((node, RDF.type, cls))
    return node


def _publisher(g: Graph, ctx: Contexte) -> URIRef:
    agent = _typed(g, URIRef(f"{ctx.base}/#editeur"), FOAF.Agent)
    g.add((agent, FOAF.name, Literal(ctx.editeur, lang="fr")))
    kind = _concept(g, "http://purl.org/adms/publishertype/NationalAuthority", "Autorité nationale")
    g.add((agent, DCTERMS.type, kind))
    return agent  # type: ignore[return-value]


def _licence(g: Graph) -> URIRef:
    node = _typed(g, LICENCE_OUVERTE, DCTERMS.LicenseDocument)
    g.add((node, DCTERMS.type, _concept(g, "http://purl.org/adms/licencetype/Attribution", "Attribution")))
    return node  # type: ignore[return-value]


def _distribution(g: Graph, ctx: Contexte, jeu: Jeu, kind: str) -> URIRef:
    """`kind`: csv | parquet (open aggregates) or lignes (internal lines export)."""
    if kind == LIGNES:
        url = f"{ctx.base}{jeu.export}?{urlencode(jeu.recherche)}"
        node = _typed(g, URIRef(f"{ctx.base}/catalogue/{jeu.identifiant}#lignes"), DCAT.Distribution)
        g.add((node, DCTERMS.title, Literal("Lignes financières (CSV, accès réservé)", lang="fr")))
        g.add((node, DCTERMS.description, Literal(
            "Toutes les lignes du jeu, toutes colonnes : réservé aux agents habilités (compte Data-État).",
            lang="fr")))  # fmt: skip
        rights = _typed(g, BNode(), DCTERMS.RightsStatement)
        g.add((rights, RDFS.label, Literal("Accès réservé aux agents habilités", lang="fr")))
        g.add((node, DCTERMS.rights, rights))
        file_type, media = FILE_TYPES["csv"]
        schema = jeu.schema
    else:
        url = f"{ctx.base}/api/v1/ouvert/agregats.{kind}?{urlencode(jeu.ouvert)}"
        node = _typed(g, URIRef(f"{ctx.base}/catalogue/{jeu.identifiant}#agregats-{kind}"), DCAT.Distribution)
        g.add((node, DCTERMS.title, Literal(f"Agrégats ouverts ({kind.upper()})", lang="fr")))
        g.add((node, DCTERMS.description, Literal(
            "Σ AE, Σ CP et nombre de lignes par zone, exercice et programme ; secret statistique appliqué.",
            lang="fr")))  # fmt: skip
        g.add((node, DCTERMS.license, _licence(g)))
        file_type, media = FILE_TYPES[kind]
        schema = "agregats-ouverts"
    g.add((node, DCTERMS.identifier, Literal(f"{jeu.identifiant}-{kind}")))
    g.add((node, DCATAP.availability, _concept(g, EU + "planned-availability/STABLE", "Stable")))
    g.add((node, DCAT.accessURL, URIRef(url)))
    g.add((node, DCAT.downloadURL, URIRef(url)))
    g.add(
        (node, DCTERMS["format"], _typed(g, URIRef(EU + "file-type/" + file_type), DCTERMS.MediaTypeOrExtent))
    )
    g.add((node, DCAT.mediaType, _typed(g, URIRef(f"https://www.iana.org/assignments/media-types/{media}"),
                                        DCTERMS.MediaType)))  # fmt: skip
    if schema is not None:
        standard = _typed(g, URIRef(f"{ctx.base}/schemas/{schema}.json"), DCTERMS.Standard)
        g.add((standard, DCTERMS.title, Literal(schema)))
        g.add((standard, DCTERMS.type, Literal("tableschema")))
        g.add((node, DCTERMS.conformsTo, standard))
    _date(g, node, DCTERMS.modified, jeu.dernier_import)
    return node  # type: ignore[return-value]


def _description(jeu: Jeu) -> str:
    years = f"exercices {jeu.annees[0]} à {jeu.annees[-1]}" if jeu.annees else "aucun exercice"
    if jeu.famille == DECP:
        return (f"{jeu.titre}. {jeu.lignes:,} marchés, notifiés de {years.removeprefix('exercices ')}.".replace(",", "\u202f")
                + " Données essentielles de la commande publique importées ; lignes réservées aux agents habilités.")  # fmt: skip
    text = f"{jeu.titre}. {jeu.lignes:,} lignes financières, {years}.".replace(",", "\u202f")
    if jeu.famille == QPV:
        text += " Lignes des fichiers de la région rattachées à un quartier prioritaire."
    return text + (
        " Lignes réservées aux agents habilités ; agrégats ouverts (secret statistique) sous Licence Ouverte 2.0."
    )


def _dataset(g: Graph, ctx: Contexte, jeu: Jeu, publisher: URIRef) -> URIRef:
    node = _typed(g, URIRef(f"{ctx.base}/catalogue/{jeu.identifiant}"), DCAT.Dataset)
    g.add((node, DCTERMS.identifier, Literal(jeu.identifiant)))
    g.add((node, DCTERMS.title, Literal(jeu.titre, lang="fr")))
    g.add((node, DCTERMS.description, Literal(_description(jeu), lang="fr")))
    g.add((node, DCTERMS.publisher, publisher))
    g.add(
        (node, DCAT.landingPage, _typed(g, URIRef(f"{ctx.base}/catalogue#{jeu.identifiant}"), FOAF.Document))
    )
    g.add((node, DCAT.keyword, Literal("finances publiques", lang="fr")))
    contact = _typed(g, _typed(g, BNode(), VCARD.Kind), VCARD.Organization)
    g.add((contact, VCARD.fn, Literal(ctx.editeur, lang="fr")))
    g.add((contact, VCARD.hasURL, URIRef(f"{ctx.base}/aide")))
    g.add((node, DCAT.contactPoint, contact))
    _date(g, node, DCTERMS.issued, jeu.premier_import)
    _date(g, node, DCTERMS.modified, jeu.dernier_import)
    if jeu.region:
        place = _typed(g, cog_region(jeu.region), DCTERMS.Location)
        if jeu.region_libelle:
            g.add((place, SKOS.prefLabel, Literal(jeu.region_libelle, lang="fr")))
        if jeu.region in BBOX:
            g.add((place, DCAT.bbox, _wkt(BBOX[jeu.region])))
            g.add((place, DCAT.centroid, _centroid(BBOX[jeu.region])))
        g.add((node, DCTERMS.spatial, place))
    if jeu.annees:
        period = _typed(g, BNode(), DCTERMS.PeriodOfTime)
        g.add((period, DCAT.startDate, Literal(f"{jeu.annees[0]}-01-01", datatype=XSD.date)))
        g.add((period, DCAT.endDate, Literal(f"{jeu.annees[-1]}-12-31", datatype=XSD.date)))
        g.add((node, DCTERMS.temporal, period))
    for theme, label in THEMES.items():
        g.add((node, DCAT.theme, _concept(g, theme, label)))
    g.add((node, DCTERMS.accessRights, _typed(g, RESTRICTED, DCTERMS.RightsStatement)))
    kinds = ([] if jeu.famille == QPV else [LIGNES]) + (["csv", "parquet"] if jeu.ouvert else [])
    for kind in kinds:
        g.add((node, DCAT.distribution, _distribution(g, ctx, jeu, kind)))
    return node  # type: ignore[return-value]


def _page_url(ctx: Contexte, fmt: str, page: int, page_size: int) -> URIRef:
    query = {"page": page} | ({"page_size": page_size} if page_size != DEFAULT_PAGE_SIZE else {})
    return URIRef(f"{ctx.base}/catalogue.{fmt}?{urlencode(query)}")


def catalogue_graph(
    jeux: list[Jeu], ctx: Contexte, fmt: str, page: int = 1, page_size: int = DEFAULT_PAGE_SIZE
) -> Graph:
    """One page of the catalogue (`fmt`: the extension its paging links use)."""
    g = Graph()
    for prefix, ns in (("dcat", DCAT), ("dct", DCTERMS), ("foaf", FOAF), ("hydra", HYDRA), ("skos", SKOS),
                       ("geo", GEO), ("dcatap", DCATAP), ("vcard", VCARD)):  # fmt: skip
        g.bind(prefix, ns)
    catalog = URIRef(f"{ctx.base}/catalogue")
    g.add((catalog, RDF.type, DCAT.Catalog))
    g.add((catalog, RDF.type, HYDRA.Collection))
    g.add((catalog, DCTERMS.title, Literal("Catalogue de Data-État", lang="fr")))
    g.add((catalog, DCTERMS.description, Literal(
        "Les jeux de données de cette instance de Data-État : financements publics (Chorus, opérateurs) "
        "par source et région, leurs lignes (accès réservé) et leurs agrégats ouverts.", lang="fr")))  # fmt: skip
    publisher = _publisher(g, ctx)
    g.add((catalog, DCTERMS.publisher, publisher))
    g.add((catalog, FOAF.homepage, _typed(g, URIRef(f"{ctx.base}/catalogue"), FOAF.Document)))
    language = _typed(g, URIRef(EU + "language/FRA"), DCTERMS.LinguisticSystem)
    g.add((catalog, DCTERMS.language, language))
    g.add((catalog, DCTERMS.license, _licence(g)))
    france = _typed(g, URIRef(EU + "country/FRA"), DCTERMS.Location)
    g.add((france, DCAT.bbox, _wkt(FRANCE_METROPOLITAINE)))
    g.add((france, DCAT.centroid, _centroid(FRANCE_METROPOLITAINE)))
    g.add((catalog, DCTERMS.spatial, france))
    taxonomy = _typed(g, URIRef(EU + "data-theme"), SKOS.ConceptScheme)
    g.add((taxonomy, DCTERMS.title, Literal("Data theme (EU)", lang="en")))
    g.add((catalog, DCAT.themeTaxonomy, taxonomy))
    _date(g, catalog, DCTERMS.issued, ctx.cree)
    _date(g, catalog, DCTERMS.modified, ctx.modifie)
    last = max(1, math.ceil(len(jeux) / page_size))
    g.add((catalog, HYDRA.totalItems, Literal(len(jeux), datatype=XSD.integer)))
    view = _typed(g, _page_url(ctx, fmt, page, page_size), HYDRA.PartialCollectionView)
    g.add((catalog, HYDRA.view, view))
    g.add((view, HYDRA.first, _page_url(ctx, fmt, 1, page_size)))
    g.add((view, HYDRA.last, _page_url(ctx, fmt, last, page_size)))
    if page < last:
        g.add((view, HYDRA.next, _page_url(ctx, fmt, page + 1, page_size)))
    if page > 1:
        g.add((view, HYDRA.previous, _page_url(ctx, fmt, min(page - 1, last), page_size)))
    for jeu in jeux[(page - 1) * page_size : page * page_size]:
        g.add((catalog, DCAT.dataset, _dataset(g, ctx, jeu, publisher)))
    return g


def serialize(graph: Graph, fmt: str) -> bytes:
    return graph.serialize(format=FORMATS[fmt][0], encoding="utf-8")
