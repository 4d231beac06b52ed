"""The authorisation matrix: for every route of the app (method, path template), how to call it and
the status expected for each identity. Read by test_matrice_autorisations.py, which fails on a route
of the app missing here and on an entry here for a route that no longer exists.

A path parameter is a key of the test data (`ligne:53`), or `…:moi` (the caller's own object; the
anonymous visitor gets USERS 53's), or `…:autre` (an object of someone else: USERS 52's for USERS 53,
USERS 53's for everyone else). A status None means "not called for this identity" (it would destroy
an object that later calls need)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tests.integration.matrice_donnees import (
    COLLEGUE,
    EJ_COMMUN,
    EJ_COMMUN_53,
    IDENTITES,
    INCONNUE_SIRET,
    REGIONS,
    TOUTES_COLONNES,
)

from dataetat import exports


def S(anonyme, users53, users52, nat, comptable53, admin) -> dict[str, int | None]:  # noqa: N802
    """Expected statuses, in the order of IDENTITES."""
    return dict(zip(IDENTITES, (anonyme, users53, users52, nat, comptable53, admin), strict=True))


#           anonyme users53 users52  nat  comptable53 admin
PUBLIC = S(200, 200, 200, 200, 200, 200)
API = S(401, 200, 200, 200, 200, 200)
PAGE = S(303, 200, 200, 200, 200, 200)
ADMIN_PAGE = S(303, 403, 403, 403, 403, 200)
LIGNE_53_API = S(401, 200, 404, 200, 200, 200)
LIGNE_52_API = S(401, 404, 200, 200, 404, 200)
LIGNE_53_PAGE = S(303, 200, 404, 200, 200, 200)
LIGNE_52_PAGE = S(303, 404, 200, 200, 404, 200)
AUTRE_API = S(401, 404, 404, 404, 404, 404)
IMPORT_C53 = S(303, 404, 404, 404, 200, 404)
IMPORT_ADMIN = S(303, 404, 404, 404, 404, 200)
INCONNUE_API = S(401, 404, 404, 200, 404, 200)  # a line of unknown région: national identities only
INCONNUE_PAGE = S(303, 404, 404, 200, 404, 200)


@dataclass(frozen=True)
class Cas:
    attendu: Mapping[str, int | None]
    chemin: Mapping[str, str] = field(default_factory=dict)  # path parameter → data key or literal
    query: Mapping[str, Any] = field(default_factory=dict)
    form: Mapping[str, str] | None = None  # a form (the client's CSRF token is added); "{qui}" formatted
    json: Any = None
    televersement: bool = False  # attach a small AE file of région 53 as fichier_ae
    url: str | None = None  # a literal URL (the static files' mount)
    session_separee: bool = False  # call it from a new session of the same identity (logout)
    redirige: str | None = None  # a 303 of a logged-in identity goes to an address containing this
    csrf_entete: bool = False  # send the client's CSRF token in X-CSRF-Token (the page's scripts)


def _formats(attendu, **kw) -> list[Cas]:
    return [Cas(attendu, chemin={"fmt": fmt}, **kw) for fmt in exports.FORMATS]


TOUT = {"colonnes": TOUTES_COLONNES, "page_size": 500}
SIRETS = ",".join([*(s for r in REGIONS.values() for s in r.sirets), INCONNUE_SIRET])
GROUPES = {"grouping": "beneficiaire_code", "page_size": 500}
PIVOT = {"lignes": "beneficiaire_code", "colonnes": "source_region"}
PIVOT_CP = {"lignes": "beneficiaire_code", "colonnes": "annee", "valeur": "montant_cp"}
RECHERCHE = {"nom": "Sauvegardée par la matrice", "recherche": {"annee_min": 2023}}
# another exercice than the import the matrix queues through POST /televersement (« déjà prévu »)
ENVOI = {"region": "53", "annee": "2021", "fichiers": [{"champ": "ae", "nom": "a.csv", "taille": 10}]}
ENVOI_AUTRE = S(303, 403, 403, 403, 404, 404)

MATRIX: dict[tuple[str, str], list[Cas]] = {
    ("GET", "/openapi.json"): [Cas(PUBLIC)],
    ("HEAD", "/openapi.json"): [Cas(PUBLIC)],
    ("GET", "/static"): [Cas(PUBLIC, url="/static/app/app.css"), Cas(S(*[404] * 6), url="/static/rien.css")],
    ("GET", "/static/geo/{name:path}"): [  # map contours: public, no data of any région
        Cas(PUBLIC, url="/static/geo/index.json"),
        Cas(PUBLIC, url="/static/geo/regions.json"),
        Cas(S(*[404] * 6), url="/static/geo/rien.json"),
    ],
    ("GET", "/docs"): [Cas(PUBLIC)],
    ("GET", "/aide"): [Cas(PUBLIC)],
    # --- Open DECP validation: no account (a buyer or a software vendor checks a file) -------------
    ("POST", "/api/v1/validation/decp"): [Cas(PUBLIC, json={"marches": {"marche": []}})],
    ("POST", "/api/v1/validation/decp-tabulaire"): [Cas(PUBLIC, json={"id": 1})],
    ("GET", "/valider"): [Cas(PUBLIC)],
    ("POST", "/valider"): [Cas(S(*[400] * 6), form={})],  # no file: the form again, with its alert
    ("GET", "/sante"): [Cas(PUBLIC)],  # health probes: nothing of the data (web/sante.py)
    ("GET", "/sante/pret"): [Cas(PUBLIC)],
    ("GET", "/metrics"): [Cas(S(*[404] * 6))],  # off without its token (web/metriques.py)
    # --- API: lines, totals, groups, pivot, map ------------------------------------------------
    ("GET", "/api/v1/colonnes"): [Cas(API)],
    ("GET", "/api/v1/lignes"): [
        Cas(API, query=TOUT),
        Cas(API, query=GROUPES),
        Cas(API, query={"grouping": "source_region,beneficiaire_code", "grouped": "52"}),
        Cas(API, query={"source_region": "52", "colonnes": TOUTES_COLONNES}),
        Cas(API, query={"source_region": "53", "colonnes": TOUTES_COLONNES}),
        Cas(API, query={"n_ej": EJ_COMMUN + "," + EJ_COMMUN_53, "colonnes": TOUTES_COLONNES}),
        Cas(API, query={"source_region": "inconnue", "colonnes": TOUTES_COLONNES}),
        Cas(API, query={"beneficiaire_code": SIRETS, "colonnes": TOUTES_COLONNES}),
    ],
    ("GET", "/api/v1/lignes/{line_id}"): [
        Cas(LIGNE_53_API, chemin={"line_id": "commun:53"}),
        Cas(LIGNE_52_API, chemin={"line_id": "commun:52"}),
        Cas(LIGNE_52_API, chemin={"line_id": "orphelin-commun:52"}),
        Cas(INCONNUE_API, chemin={"line_id": "aide:inconnue"}),
        Cas(LIGNE_53_API, chemin={"line_id": "ligne:53"}),
        Cas(LIGNE_52_API, chemin={"line_id": "ligne:52"}),
        Cas(LIGNE_53_API, chemin={"line_id": "orphelin:53"}),
        Cas(LIGNE_52_API, chemin={"line_id": "orphelin:52"}),
    ],
    ("GET", "/api/v1/lignes/{line_id}/paiements"): [
        Cas(LIGNE_53_API, chemin={"line_id": "commun:53"}),
        Cas(LIGNE_52_API, chemin={"line_id": "commun:52"}),
        Cas(LIGNE_52_API, chemin={"line_id": "orphelin-commun:52"}),
        Cas(INCONNUE_API, chemin={"line_id": "aide:inconnue"}),
        Cas(LIGNE_53_API, chemin={"line_id": "ligne:53"}),
        Cas(LIGNE_52_API, chemin={"line_id": "ligne:52"}),
        Cas(LIGNE_53_API, chemin={"line_id": "orphelin:53"}),
        Cas(LIGNE_52_API, chemin={"line_id": "orphelin:52"}),
    ],
    ("GET", "/api/v1/annees"): [Cas(API)],
    ("GET", "/api/v1/pivot"): [Cas(API, query=PIVOT), Cas(API, query=PIVOT_CP)],
    ("GET", "/api/v1/carte"): [Cas(API, query={"niveau": "region"}), Cas(API, query={"niveau": "commune"})],
    # --- API: exports -----------------------------------------------------------------------
    ("GET", "/api/v1/exports/lignes.{fmt}"): [
        *_formats(API, query={"colonnes": TOUTES_COLONNES}),
        Cas(API, chemin={"fmt": "csv"}, query={"source_region": "52", "colonnes": TOUTES_COLONNES}),
        Cas(S(401, 400, 400, 400, 400, 400), chemin={"fmt": "pdf"}),
    ],
    ("POST", "/api/v1/exports/lignes.{fmt}"): [
        Cas(S(401, 202, 202, 202, 202, 202), chemin={"fmt": "csv"}, query={"source_region": "52"}),
    ],
    ("GET", "/api/v1/exports/groupes.{fmt}"): _formats(API, query={"grouping": "beneficiaire_code"}),
    ("GET", "/api/v1/exports/pivot.{fmt}"): _formats(API, query=PIVOT),
    ("GET", "/api/v1/exports"): [Cas(API)],
    ("GET", "/api/v1/exports/{job_id}"): [
        Cas(API, chemin={"job_id": "export:moi"}),
        Cas(AUTRE_API, chemin={"job_id": "export:autre"}),
    ],
    ("GET", "/api/v1/exports/{job_id}/fichier"): [
        Cas(API, chemin={"job_id": "export:moi"}),
        Cas(AUTRE_API, chemin={"job_id": "export:autre"}),
    ],
    ("DELETE", "/api/v1/exports/{job_id}"): [
        Cas(S(401, 204, 204, 204, 204, 204), chemin={"job_id": "export-jetable-api:moi"}),
        Cas(AUTRE_API, chemin={"job_id": "export:autre"}),
    ],
    # --- API: look-ups ----------------------------------------------------------------------
    ("GET", "/api/v1/referentiels/programmes"): [Cas(API)],
    ("GET", "/api/v1/referentiels/referentiels-programmation"): [Cas(API, query={"code_programme": "103"})],
    ("GET", "/api/v1/referentiels/zones/{niveau}"): [
        Cas(API, chemin={"niveau": "region"}),
        Cas(API, chemin={"niveau": "commune"}, query={"q": "44109"}),
    ],
    ("GET", "/api/v1/referentiels/beneficiaires"): [
        Cas(API, query={"q": q})
        for q in ("ASTERIX", "OBELIX", "ZORGLUB", "ZOGZOG", "2135", "2144", "5234", "PANORAMIX", "4430")
    ],
    ("GET", "/api/v1/referentiels/tags"): [Cas(API)],
    ("GET", "/api/v1/referentiels/centres-couts"): [Cas(API)],
    ("GET", "/api/v1/referentiels/domaines-fonctionnels"): [Cas(API)],
    # --- API: saved searches ----------------------------------------------------------------
    ("GET", "/api/v1/recherches"): [Cas(API)],
    ("GET", "/api/v1/recherches/partagees"): [Cas(API)],
    ("POST", "/api/v1/recherches"): [Cas(S(401, 201, 201, 201, 201, 201), json=RECHERCHE)],
    ("GET", "/api/v1/recherches/{recherche_id}"): [
        Cas(API, chemin={"recherche_id": "recherche:moi"}),
        Cas(S(401, 200, 200, 404, 404, 404), chemin={"recherche_id": "recherche:users52"}),
        Cas(S(401, 200, 200, 404, 404, 404), chemin={"recherche_id": "recherche:users53"}),
    ],
    ("PATCH", "/api/v1/recherches/{recherche_id}"): [
        Cas(API, chemin={"recherche_id": "recherche:moi"}, json={"nom": "Renommée par la matrice"}),
        Cas(
            S(401, 403, None, 404, 404, 404), chemin={"recherche_id": "recherche:users52"}, json={"nom": "x"}
        ),
    ],
    ("DELETE", "/api/v1/recherches/{recherche_id}"): [
        Cas(S(401, 204, 204, 204, 204, 204), chemin={"recherche_id": "recherche-jetable-api:moi"}),
        Cas(S(401, None, 403, 404, 404, 404), chemin={"recherche_id": "recherche:users53"}),
    ],
    ("POST", "/api/v1/recherches/{recherche_id}/partages"): [
        Cas(API, chemin={"recherche_id": "recherche:moi"}, json={"emails": [COLLEGUE]}),
        Cas(
            S(401, 403, None, 404, 404, 404),
            chemin={"recherche_id": "recherche:users52"},
            json={"emails": [COLLEGUE]},
        ),
    ],
    # --- pages ------------------------------------------------------------------------------
    ("GET", "/"): [
        Cas(PAGE),
        Cas(PAGE, query={"vue": "lignes", "colonnes": TOUTES_COLONNES}),
        Cas(PAGE, query={"grouper_par": "beneficiaire"}),
        Cas(PAGE, query={"vue": "tableau", "pivot_lignes": "beneficiaire_code", "pivot_colonnes": "annee"}),
        Cas(PAGE, query={"vue": "carte"}),
        Cas(PAGE, query={"vue": "graphiques", "annee_min": "2023"}),
        Cas(PAGE, query={"annee_min": "2023", "vue": "tableau"}),  # the saved (and shared) searches
        # Values of both régions in the URL: the page names and shows only what the caller may see.
        Cas(PAGE, query={"beneficiaires": SIRETS, "vue": "lignes", "colonnes": TOUTES_COLONNES}),
        Cas(
            PAGE, query={"n_ej": EJ_COMMUN + "," + EJ_COMMUN_53, "vue": "lignes", "colonnes": TOUTES_COLONNES}
        ),
        Cas(PAGE, query={"n_ej": EJ_COMMUN, "grouper_par": "beneficiaire"}),
        Cas(PAGE, query={"source": "ADEME", "vue": "lignes", "colonnes": TOUTES_COLONNES}),
        Cas(PAGE, query={"source_region": "inconnue", "vue": "lignes"}),
    ],
    ("GET", "/fragments/groupes"): [
        Cas(PAGE, query={"grouper_par": "beneficiaire"}),
        Cas(PAGE, query={"grouper_par": "programme,beneficiaire", "grouped": "103"}),
    ],
    ("GET", "/lignes/{line_id}"): [
        Cas(LIGNE_53_PAGE, chemin={"line_id": "commun:53"}),
        Cas(LIGNE_52_PAGE, chemin={"line_id": "commun:52"}),
        Cas(LIGNE_52_PAGE, chemin={"line_id": "orphelin-commun:52"}),
        Cas(INCONNUE_PAGE, chemin={"line_id": "aide:inconnue"}),
        Cas(LIGNE_53_PAGE, chemin={"line_id": "ligne:53"}),
        Cas(LIGNE_52_PAGE, chemin={"line_id": "ligne:52"}),
        Cas(LIGNE_53_PAGE, chemin={"line_id": "orphelin:53"}, query={"fragment": "1"}),
        Cas(LIGNE_52_PAGE, chemin={"line_id": "orphelin:52"}, query={"fragment": "1"}),
    ],
    ("GET", "/exports"): [Cas(PAGE), Cas(PAGE, query={"fragment": "1"})],
    ("POST", "/exports/{job_id}/supprimer"): [
        Cas(
            S(303, 303, 303, 303, 303, 303),
            chemin={"job_id": "export-jetable-page:moi"},
            form={"confirme": "oui"},
            redirige="supprime=oui",
        ),
        Cas(
            S(303, 303, 303, 303, 303, 303),
            chemin={"job_id": "export:autre"},
            form={"confirme": "oui"},
            redirige="supprime=introuvable",
        ),
    ],
    ("GET", "/televersement"): [Cas(S(303, 403, 403, 403, 200, 200))],
    ("POST", "/televersement"): [
        Cas(
            S(303, 403, 403, 403, 303, 303),
            form={"region": "53", "annee": "2023"},
            televersement=True,
            redirige="/televersement/",
        ),
    ],
    ("POST", "/televersement/sources"): [
        Cas(S(303, 403, 403, 403, 403, 400), form={"source": "ademe"}),
        Cas(S(303, 403, 403, 403, 403, 400), form={"source": "qpv"}),
    ],
    ("GET", "/televersement/{job_id}"): [
        Cas(IMPORT_C53, chemin={"job_id": "import:comptable53"}),
        Cas(IMPORT_ADMIN, chemin={"job_id": "import:admin"}),
    ],
    ("GET", "/televersement/{job_id}/etat"): [
        Cas(S(303, 404, 404, 404, 286, 404), chemin={"job_id": "import:comptable53"}),
        Cas(S(303, 404, 404, 404, 404, 286), chemin={"job_id": "import:admin"}),
    ],
    ("POST", "/televersement/{job_id}/confirmer"): [
        Cas(S(303, 403, 403, 403, 409, 404), chemin={"job_id": "import:comptable53"}, form={}),
        Cas(S(303, 403, 403, 403, 404, 409), chemin={"job_id": "import:admin"}, form={}),
    ],
    ("POST", "/televersement/{job_id}/reessayer"): [
        Cas(S(303, 403, 403, 403, 409, 404), chemin={"job_id": "import:comptable53"}, form={"annee": "2023"}),
    ],
    ("POST", "/televersement/{job_id}/abandonner"): [
        Cas(S(303, 403, 403, 403, 303, 404), chemin={"job_id": "import:comptable53"}, form={}),
    ],
    ("POST", "/televersement/lots/{lot_id}/annuler"): [
        Cas(S(303, 403, 403, 403, 404, 404), chemin={"lot_id": "987654321"}, form={"confirme": "oui"}),
    ],
    ("GET", "/televersement/{job_id}/lignes-ecartees.csv"): [
        Cas(IMPORT_C53, chemin={"job_id": "import:comptable53"}),
        Cas(IMPORT_ADMIN, chemin={"job_id": "import:admin"}),
    ],
    # the marchés a DECP import left out: none in these jobs (Chorus), so 404 for their owner too;
    # test_televersement_sources.py downloads them from a DECP job
    ("GET", "/televersement/{job_id}/marches-ecartes.csv"): [
        Cas(S(303, 404, 404, 404, 404, 404), chemin={"job_id": "import:comptable53"}),
        Cas(S(303, 404, 404, 404, 404, 404), chemin={"job_id": "import:admin"}),
    ],
    ("GET", "/televersement/{job_id}/marches-ecartes.json"): [
        Cas(S(303, 404, 404, 404, 404, 404), chemin={"job_id": "import:comptable53"}),
        Cas(S(303, 404, 404, 404, 404, 404), chemin={"job_id": "import:admin"}),
    ],
    # resumable uploads (web/pages/envoi_reprenable.py): the session of nobody (or of someone else)
    # is « introuvable »; without the page's token, refused
    ("POST", "/televersement/envois"): [
        Cas(S(303, 403, 403, 403, 403, 403), json=ENVOI),
        Cas(S(303, 403, 403, 403, 201, 201), json=ENVOI, csrf_entete=True),
    ],
    ("GET", "/televersement/envois/{session_id}"): [Cas(ENVOI_AUTRE, chemin={"session_id": "0" * 32})],
    ("PUT", "/televersement/envois/{session_id}/{champ}"): [
        Cas(S(303, 403, 403, 403, 403, 403), chemin={"session_id": "0" * 32, "champ": "ae"}),
        Cas(ENVOI_AUTRE, chemin={"session_id": "0" * 32, "champ": "ae"}, csrf_entete=True),
    ],
    ("POST", "/televersement/envois/{session_id}/terminer"): [
        Cas(ENVOI_AUTRE, chemin={"session_id": "0" * 32}, csrf_entete=True),
    ],
    ("DELETE", "/televersement/envois/{session_id}"): [
        Cas(S(303, 403, 403, 403, 403, 403), chemin={"session_id": "0" * 32}),
        Cas(ENVOI_AUTRE, chemin={"session_id": "0" * 32}, csrf_entete=True),
    ],
    ("GET", "/referentiels"): [Cas(PAGE)],
    ("POST", "/referentiels"): [Cas(S(303, 403, 403, 403, 403, 400), form={"type": ""})],
    ("GET", "/recherches"): [Cas(PAGE)],
    ("POST", "/recherches"): [
        Cas(
            S(303, 303, 303, 303, 303, 303),
            form={"nom": "Page de {qui}", "parametres": "annee_min=2023"},
            redirige="ok=enregistree",
        ),
    ],
    ("POST", "/recherches/{recherche_id}/renommer"): [
        Cas(
            S(303, 303, 303, 303, 303, 303),
            chemin={"recherche_id": "recherche:moi"},
            form={"nom": "Renommée par la page"},
            redirige="ok=renommee",
        ),
        Cas(
            S(303, 403, None, 404, 404, 404), chemin={"recherche_id": "recherche:users52"}, form={"nom": "x"}
        ),
    ],
    ("POST", "/recherches/{recherche_id}/supprimer"): [
        Cas(
            S(303, 303, 303, 303, 303, 303),
            chemin={"recherche_id": "recherche-jetable-page:moi"},
            form={"confirme": "oui"},
            redirige="ok=supprimee",
        ),
        Cas(
            S(303, None, 403, 404, 404, 404),
            chemin={"recherche_id": "recherche:users53"},
            form={"confirme": "oui"},
        ),
    ],
    ("POST", "/recherches/{recherche_id}/partager"): [
        Cas(
            S(303, 303, 303, 303, 303, 303),
            chemin={"recherche_id": "recherche:moi"},
            form={"emails": COLLEGUE},
            redirige="ok=partagee",
        ),
        Cas(
            S(303, 403, None, 404, 404, 404),
            chemin={"recherche_id": "recherche:users52"},
            form={"emails": COLLEGUE},
        ),
    ],
    # --- login, logout, OpenID Connect (not configured here), administration ----------------
    ("GET", "/connexion"): [Cas(PUBLIC)],
    ("POST", "/connexion"): [
        Cas(
            S(400, 400, 400, 400, 400, 400),
            form={"email": "inconnu.{qui}@exemple.gouv.fr", "mot_de_passe": "x"},
        )
    ],
    ("GET", "/deconnexion"): [Cas(PUBLIC)],
    ("POST", "/deconnexion"): [
        Cas(
            S(303, 303, 303, 303, 303, 303), form={}, session_separee=True, redirige="/connexion?deconnecte=1"
        )
    ],
    ("GET", "/connexion/oidc"): [Cas(S(404, 404, 404, 404, 404, 404))],
    ("GET", "/connexion/oidc/retour"): [Cas(S(*[404] * 6), query={"code": "x", "state": "y"})],
    ("GET", "/admin/audit"): [Cas(ADMIN_PAGE), Cas(ADMIN_PAGE, query={"action": "export"})],
    ("GET", "/admin/audit.csv"): [Cas(ADMIN_PAGE)],
    # --- Register of DECP catalogues (ADMIN) and the national coverage (any account) ------------
    ("GET", "/admin/catalogues"): [Cas(ADMIN_PAGE)],
    ("POST", "/admin/catalogues"): [Cas(S(303, 403, 403, 403, 403, 400), form={"url": "pas-une-adresse"})],
    ("GET", "/admin/catalogues/{catalogue_id}"): [
        Cas(S(303, 403, 403, 403, 403, 404), chemin={"catalogue_id": "999999"})
    ],
    ("POST", "/admin/catalogues/{catalogue_id}/moisson"): [
        Cas(S(303, 403, 403, 403, 403, 404), chemin={"catalogue_id": "999999"}, form={})
    ],
    ("GET", "/commande-publique/couverture"): [Cas(PAGE)],
    ("GET", "/admin/comptes"): [Cas(ADMIN_PAGE), Cas(ADMIN_PAGE, query={"role": "USERS", "q": "exemple"})],
    ("POST", "/admin/comptes"): [
        Cas(
            S(303, 403, 403, 403, 403, 201),
            form={"email": "cree.par.{qui}@exemple.gouv.fr", "role": "USERS", "region": "52"},
        ),
    ],
    ("POST", "/admin/comptes/{compte_id}"): [
        Cas(
            S(303, 403, 403, 403, 403, 303),
            chemin={"compte_id": "compte:jetable"},
            form={"role": "COMPTABLE", "region": "52"},
            redirige="ok=modifie",
        ),
    ],
    # Tag rules: the seeded ones (migration 0007) have ids 1 to 10; 9 is cp-orphelin, 10 france-2030.
    ("GET", "/admin/etiquettes"): [
        Cas(ADMIN_PAGE),
        Cas(ADMIN_PAGE, query={"modifier": "10"}),
        Cas(ADMIN_PAGE, query={"supprimer": "10"}),
    ],
    ("POST", "/admin/etiquettes"): [
        Cas(
            S(303, 403, 403, 403, 403, 200),
            form={"tag": "essai", "parametres": "source=ADEME", "action": "apercu"},
        ),
        Cas(
            S(303, 403, 403, 403, 403, 303),
            form={"tag": "essai", "parametres": "source=ADEME"},
            redirige="ok=ajoutee",
        ),
    ],
    ("POST", "/admin/etiquettes/reappliquer"): [
        Cas(S(303, 403, 403, 403, 403, 303), form={}, redirige="ok=reappliquees")
    ],
    ("POST", "/admin/etiquettes/{regle_id}"): [
        Cas(
            S(303, 403, 403, 403, 403, 303),
            chemin={"regle_id": "10"},
            form={"tag": "france-2030", "parametres": "source=FRANCE_2030", "description": "Lauréats"},
            redirige="ok=modifiee",
        )
    ],
    ("POST", "/admin/etiquettes/{regle_id}/actif"): [
        Cas(
            S(303, 403, 403, 403, 403, 303),
            chemin={"regle_id": "9"},
            form={"actif": "1"},
            redirige="ok=activee",
        )
    ],
    ("POST", "/admin/etiquettes/{regle_id}/suppression"): [
        Cas(S(303, 403, 403, 403, 403, 303), chemin={"regle_id": "10"}, form={}, redirige="ok=supprimee")
    ],
    ("POST", "/admin/comptes/{compte_id}/actif"): [
        Cas(
            S(303, 403, 403, 403, 403, 303),
            chemin={"compte_id": "compte:jetable"},
            form={"actif": "0", "confirme": "oui"},
            redirige="ok=desactive",
        ),
    ],
}

# --- Data QPV (issue 6): dashboard, map and page of the lines in a QPV -----------------------------
MATRIX.update(
    {
        ("GET", "/api/v1/qpv/tableau-de-bord"): [
            Cas(API),
            Cas(API, query={"perimetre": "p147"}),
            Cas(API, query={"perimetre": "droit-commun", "source_region": "52"}),
        ],
        ("GET", "/api/v1/qpv/carte"): [
            Cas(API),
            Cas(API, query={"perimetre": "total", "source_region": "53"}),
        ],
        ("GET", "/qpv"): [
            Cas(PAGE),
            Cas(PAGE, query={"code_qpv": "QN05301M", "annee_min": 2023}),
            Cas(PAGE, query={"beneficiaires": SIRETS}),
        ],
    }
)

# --- Fiches (issue 6): a beneficiary's page (404 when none of its lines is visible), a territory's page
MATRIX.update(
    {
        ("GET", "/beneficiaires/{siret}"): [
            Cas(LIGNE_53_PAGE, chemin={"siret": "21350238800019"}),
            Cas(LIGNE_53_PAGE, chemin={"siret": "77567227200015"}, query={"annee": "2023", "page": "1"}),
            Cas(LIGNE_52_PAGE, chemin={"siret": "21440109300015"}),
            Cas(LIGNE_52_PAGE, chemin={"siret": "52345678900012"}),
            Cas(INCONNUE_PAGE, chemin={"siret": INCONNUE_SIRET}),
            Cas(S(303, 404, 404, 404, 404, 404), chemin={"siret": "00000000000000"}),
            Cas(S(303, 404, 404, 404, 404, 404), chemin={"siret": "2135"}),
        ],
        ("GET", "/territoires/{niveau}/{code}"): [
            *(
                Cas(PAGE, chemin={"niveau": niveau, "code": code})
                for niveau, code in (
                    ("region", "53"),
                    ("region", "52"),
                    ("departement", "35"),
                    ("departement", "44"),
                    ("commune", "35238"),
                    ("commune", "44109"),
                    ("epci", "243500139"),
                    ("epci", "244400404"),
                )
            ),
            Cas(PAGE, chemin={"niveau": "region", "code": "52"}, query={"annee": "2023"}),
            Cas(S(303, 404, 404, 404, 404, 404), chemin={"niveau": "pays", "code": "FR"}),
            Cas(S(303, 404, 404, 404, 404, 404), chemin={"niveau": "region", "code": "ZZ"}),
        ],
    }
)

# --- Open aggregates, catalogue and schemas (issue 14): anonymous, the same for every identity ------
NOT_FOUND = S(*[404] * 6)
BAD = S(*[400] * 6)
MATRIX.update(
    {
        ("GET", "/ouvert"): [Cas(PUBLIC)],
        ("GET", "/ouvert/territoires/{niveau}/{code}"): [
            Cas(PUBLIC, chemin={"niveau": "region", "code": "53"}),
            Cas(PUBLIC, chemin={"niveau": "departement", "code": "44"}, query={"annee": "2023"}),
            Cas(NOT_FOUND, chemin={"niveau": "pays", "code": "FR"}),
        ],
        ("GET", "/api/v1/ouvert/territoires/{niveau}/{code}"): [
            Cas(PUBLIC, chemin={"niveau": "region", "code": "52"}),
            Cas(PUBLIC, chemin={"niveau": "commune", "code": "35238"}),
            Cas(BAD, chemin={"niveau": "pays", "code": "FR"}),
        ],
        ("GET", "/api/v1/ouvert/carte"): [
            Cas(PUBLIC, query={"niveau": "commune", "niveau_geo": "departement", "code_geo": "35"}),
            Cas(BAD, query={"niveau": "qpv", "niveau_geo": "region", "code_geo": "53"}),
        ],
        ("GET", "/ouvert/zone"): [Cas(S(*[302] * 6), query={"niveau_geo": "region", "code_geo": "53"})],
        ("GET", "/api/v1/ouvert/agregats"): [
            Cas(PUBLIC, query={"niveau": "departement"}),
            Cas(BAD, query={"niveau": "ligne"}),
        ],
        ("GET", "/api/v1/ouvert/agregats.{fmt}"): [
            Cas(PUBLIC, chemin={"fmt": "csv"}),
            Cas(PUBLIC, chemin={"fmt": "parquet"}, query={"niveau": "region"}),
            Cas(BAD, chemin={"fmt": "xlsx"}),
        ],
        ("GET", "/catalogue"): [Cas(PUBLIC), Cas(PUBLIC, query={"page_size": "1"})],
        ("GET", "/catalogue.{fmt}"): [
            Cas(PUBLIC, chemin={"fmt": "ttl"}),
            Cas(PUBLIC, chemin={"fmt": "jsonld"}, query={"page_size": "1"}),
            Cas(BAD, chemin={"fmt": "csv"}),
        ],
        ("GET", "/schemas"): [Cas(PUBLIC)],
        ("GET", "/schemas/{name}.json"): [
            Cas(PUBLIC, chemin={"name": "agregats-ouverts"}),
            Cas(PUBLIC, chemin={"name": "lignes"}),
            Cas(NOT_FOUND, chemin={"name": "rien"}),
        ],
    }
)

# --- Data Subvention (issue 12 §3): the panels loaded after the beneficiary page and the line detail
# (no token in the matrix's settings: « jeton non configuré », a 200; a 404 for what one may not see)
MATRIX.update(
    {
        ("GET", "/beneficiaires/{siret}/subventions"): [
            Cas(LIGNE_53_PAGE, chemin={"siret": "77567227200015"}),
            Cas(LIGNE_52_PAGE, chemin={"siret": "21440109300015"}),
            Cas(INCONNUE_PAGE, chemin={"siret": INCONNUE_SIRET}),
            Cas(S(303, 404, 404, 404, 404, 404), chemin={"siret": "2135"}),
        ],
        ("GET", "/api/v1/beneficiaires/{siret}/subventions"): [
            Cas(LIGNE_53_API, chemin={"siret": "77567227200015"}),
            Cas(LIGNE_52_API, chemin={"siret": "21440109300015"}),
            Cas(INCONNUE_API, chemin={"siret": INCONNUE_SIRET}),
            Cas(S(401, 404, 404, 404, 404, 404), chemin={"siret": "2135"}),
        ],
        ("GET", "/lignes/{line_id}/subventions"): [
            Cas(LIGNE_53_PAGE, chemin={"line_id": "ligne:53"}),
            Cas(LIGNE_52_PAGE, chemin={"line_id": "ligne:52"}),
            Cas(INCONNUE_PAGE, chemin={"line_id": "aide:inconnue"}),
        ],
    }
)

# --- Commande publique (issue 13): search, map, exports, a marché, candidate links, acheteur/titulaire
NOT_FOUND_PAGE = S(303, 404, 404, 404, 404, 404)
MARCHES_PIVOT = {"lignes": "procedure", "colonnes": "annee"}
MATRIX.update(
    {
        ("GET", "/api/v1/marches"): [Cas(API), Cas(API, query={"grouping": "titulaire_id"})],
        ("GET", "/api/v1/marches/colonnes"): [Cas(API)],
        ("GET", "/api/v1/marches/carte"): [Cas(API, query={"niveau": "region"})],
        ("GET", "/api/v1/marches/pivot"): [Cas(API, query=MARCHES_PIVOT)],
        ("GET", "/api/v1/marches/pivot.{fmt}"): [
            *_formats(API, query=MARCHES_PIVOT),
            Cas(S(401, 400, 400, 400, 400, 400), chemin={"fmt": "pdf"}, query=MARCHES_PIVOT),
        ],
        ("GET", "/api/v1/marches/export.{fmt}"): [
            *_formats(API),
            Cas(S(401, 400, 400, 400, 400, 400), chemin={"fmt": "pdf"}),
        ],
        ("GET", "/api/v1/marches/liens"): [Cas(API, query={"siret": "21350238800019"})],
        ("GET", "/api/v1/marches/{uid}"): [Cas(AUTRE_API, chemin={"uid": "21350238800019INCONNU"})],
        ("GET", "/marches"): [
            Cas(PAGE),
            Cas(PAGE, query={"grouping": "procedure"}),
            Cas(PAGE, query={"vue": "carte"}),
            Cas(PAGE, query={"vue": "tableau"}),
        ],
        ("GET", "/marches/{uid}"): [Cas(NOT_FOUND_PAGE, chemin={"uid": "21350238800019INCONNU"})],
        ("GET", "/acheteurs/{siret}"): [Cas(NOT_FOUND_PAGE, chemin={"siret": "21350238800019"})],
        ("GET", "/titulaires/{siret}"): [Cas(NOT_FOUND_PAGE, chemin={"siret": "21350238800019"})],
    }
)
