"""Settings, read from the environment (prefix DATAETAT_) and passed down explicitly."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

SECRET_PLACEHOLDER = "developpement-a-remplacer"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DATAETAT_", extra="ignore")

    database_url: str = Field(
        "duckdb:///var/dataetat.duckdb",
        description="Base de données : duckdb:///chemin/fichier.duckdb (embarqué, par défaut) ou "
        "postgresql+psycopg://utilisateur@hôte:5432/base (serveur).",
    )
    database_replica_urls: str = Field(
        "",
        description="Répliques en lecture (réplication en continu de PostgreSQL), séparées par des virgules : "
        "les recherches, regroupements, tableaux croisés, cartes et exports directs les lisent à tour de rôle "
        "(une réplique en panne est écartée) ; vide = tout sur la base principale.",
    )
    replica_attente_s: float = Field(
        1.0,
        ge=0,
        description="Après une écriture de l'utilisateur (un import…), attente maximale, en secondes, qu'une "
        "réplique l'ait rejouée avant de la lire ; au-delà la lecture se fait sur la base principale.",
    )
    duckdb_memory_limit: str = Field(
        "2GB", description="Mémoire maximale de DuckDB (au-delà, il écrit sur disque)."
    )
    duckdb_threads: int = Field(0, description="Threads de DuckDB (0 = autant que de cœurs).")
    connexions_max: int = Field(
        64,
        ge=1,
        description="Connexions simultanées à la base au plus (recherches en cours, exports CSV en "
        "cours d'envoi, tâches) ; au-delà, une requête attend qu'une se libère.",
    )
    connexions_attente_s: float = Field(
        30,
        gt=0,
        description="Attente maximale d'une connexion libre, en secondes ; au-delà la requête reçoit "
        "une erreur 503 « serveur occupé ». Sur DuckDB, c'est aussi l'attente maximale de la fin d'un "
        "import en cours d'écriture pour une page qui modifie les données (annulation d'un import, "
        "référentiel, réapplication des étiquettes) : au-delà, une erreur 503 invite à réessayer.",
    )
    region_developpement: str | None = Field(
        None,
        description="Région de l'identité tant que les comptes n'existent pas (ex. 53) ; vide = nationale.",
    )
    dossier_exports: Path = Field(
        Path("var/exports"), description="Dossier des fichiers d'export préparés en tâche (« Mes exports »)."
    )
    dossier_televersements: Path = Field(
        Path("var/televersements"),
        description="Dossier où les fichiers chargés par la page « Charger les données » attendent leur "
        "import (effacés après l'import ; les lignes écartées y restent).",
    )
    stockage_url: str = Field(
        "",
        description="Stockage partagé des fichiers chargés et des exports : s3://seau/prefixe (MinIO, Garage, "
        "Ceph, S3 des clouds souverains) ; vide = les dossiers dossier_exports et dossier_televersements.",
    )
    stockage_s3_endpoint: str = Field(
        "", description="Adresse du service S3 (ex. http://minio:9000) ; vide = AWS."
    )
    stockage_s3_region: str = Field("us-east-1", description="Région S3 (signature des requêtes).")
    stockage_s3_cle: str = Field(
        "", description="Identifiant de clé d'accès S3 ; vide = AWS_ACCESS_KEY_ID de l'environnement."
    )
    stockage_s3_secret: SecretStr | None = Field(
        None,
        description="Clé secrète S3 (confidentielle : par l'environnement seulement, jamais journalisée) ; "
        "vide = AWS_SECRET_ACCESS_KEY.",
    )
    stockage_s3_adressage: Literal["path", "virtual"] = Field(
        "path", description="Adressage S3 : path (MinIO, Garage) ou virtual (seau dans le nom d'hôte)."
    )
    stockage_s3_delai_s: float = Field(10, gt=0, description="Délai de connexion au service S3, en secondes.")
    envoi_morceau_mo: float = Field(
        8,
        gt=0,
        description="Taille des morceaux d'un envoi reprenable (page « Charger les données »), en Mo ; "
        "au moins 5 avec un stockage S3 (assemblage côté serveur).",
    )
    envoi_expiration_heures: float = Field(
        24,
        gt=0,
        description="Durée de vie d'un envoi reprenable inachevé : au-delà, ses morceaux sont effacés.",
    )
    televersement_taille_max_mo: int = Field(
        2048, description="Taille maximale d'un envoi de la page « Charger les données », en Mo."
    )
    annee_min: int = Field(
        2000,
        description="Première année (exercice) acceptée à l'import ; une année plus ancienne est refusée.",
    )
    annee_max: int | None = Field(
        None,
        description="Dernière année (exercice) acceptée à l'import ; vide = l'année en cours + 1.",
    )
    smtp_url: str | None = Field(
        None,
        description="Serveur de courriel pour prévenir les destinataires d'une recherche partagée : "
        "smtp://[utilisateur:mot-de-passe@]hôte:port (STARTTLS s'il est proposé) ou smtps://hôte:port ; "
        "vide = aucun courriel, la page donne le lien à copier.",
    )
    courriel_expediteur: str = Field(
        "Data-État <ne-pas-repondre@data-etat.localhost>",
        description="Expéditeur (From) des courriels envoyés par smtp_url.",
    )
    taches_dans_le_serveur: bool = Field(
        True,
        description="Exécuter les tâches (exports) dans le processus du serveur ; false en mode serveur "
        "quand des processus `dataetat worker` séparés s'en chargent (PostgreSQL).",
    )
    taches_bail_secondes: int = Field(
        30,
        ge=5,
        description="Bail d'une tâche en cours, en secondes : son worker donne signe de vie chaque seconde ; "
        "une tâche sans signe de vie depuis ce délai (worker tué, sur n'importe quel hôte) est marquée en "
        "échec par le prochain worker qui consulte la file, et ses fichiers sont effacés.",
    )
    taches_essais_max: int = Field(
        3,
        ge=1,
        description="Essais d'une tâche interrompue (son worker a cessé de donner signe de vie au-delà du "
        "bail) : elle est reprise par un autre worker, sur n'importe quel hôte, et recommencée proprement ; "
        "après ce nombre d'interruptions elle est marquée en échec avec un message.",
    )
    proxys_de_confiance: str = Field(
        "",
        description="Adresses (IP ou réseaux, séparés par des virgules) des mandataires (proxys) dont "
        "`dataetat serve` croit les en-têtes X-Forwarded-For/-Proto ; vide = aucun (pas même 127.0.0.1).",
    )
    derriere_proxy_https: bool = Field(
        False,
        description="L'application est derrière un mandataire (proxy) TLS : croire son en-tête "
        "X-Forwarded-Proto pour envoyer Strict-Transport-Security.",
    )
    journaux_json: bool = Field(
        False,
        description="Journaux au format JSON, un objet par ligne sur la sortie d'erreur (`dataetat serve`, "
        "`dataetat worker`) : horodatage, niveau, message, identifiant de la requête, une ligne par requête.",
    )
    id_requete_entrant: bool = Field(
        False,
        description="Reprendre l'en-tête X-Request-ID reçu comme identifiant de la requête (le mandataire "
        "devant l'application le pose) ; sinon un identifiant est tiré pour chaque requête.",
    )
    metriques_jeton: str = Field(
        "",
        description="Jeton que Prometheus présente à /metrics (Authorization: Bearer …) ; vide = /metrics "
        "répond 404. Confidentiel : par l'environnement seulement.",
    )
    clamav: str = Field(
        "",
        description="Antivirus : adresse de clamd (hôte:port ou chemin de son socket Unix) ; chaque fichier "
        "envoyé y est analysé (INSTREAM) avant d'être enregistré ou importé, et refusé si clamd ne répond "
        "pas. Vide = pas d'analyse.",
    )
    clamav_delai_s: float = Field(
        30, gt=0, description="Délai de connexion et de réponse de clamd, en secondes (au-delà : refus)."
    )
    auth_developpement: bool = Field(
        False,
        description="Sans connexion : chaque requête reçoit l'identité de développement (rôle ADMIN, région "
        "`region_developpement`). Pour le développement et les tests seulement ; refusé en mode serveur.",
    )
    secret_key: str = Field(
        SECRET_PLACEHOLDER,
        description="Clé de signature des cookies de session (longue et aléatoire). Obligatoire en mode serveur "
        "(l'application refuse de démarrer sans elle) ; en mode embarqué, une clé aléatoire est tirée à "
        "chaque démarrage si elle manque (les sessions ne survivent pas au redémarrage).",
    )
    session_inactivite_heures: float = Field(
        8, gt=0, description="Durée sans activité après laquelle une session expire, en heures."
    )
    oidc_issuer: str = Field(
        "",
        description="Mode serveur : émetteur OpenID Connect (Keycloak : https://hôte/realms/<realm> ; "
        "ProConnect : l'URL de son émetteur). Vide = pas de connexion OpenID Connect.",
    )
    oidc_client_id: str = Field("", description="Identifiant du client OpenID Connect de Data-État.")
    oidc_client_secret: str = Field(
        "", description="Secret du client OpenID Connect (confidentiel : par l'environnement seulement)."
    )
    oidc_audience: str = Field(
        "",
        description="Audience (`aud`) exigée des jetons d'accès présentés à l'API ; vide = l'identifiant "
        "du client.",
    )
    oidc_claim_roles: str = Field(
        "resource_access.{client_id}.roles",
        description="Chemin (points) de la revendication des rôles users, comptable, admin ; {client_id} "
        "est remplacé par l'identifiant du client ; vide = rôle et région du compte local (ProConnect).",
    )
    oidc_claim_region: str = Field(
        "region",
        description="Chemin (points) de la revendication de la région : 053, 53 ou NAT (nationale) ; "
        "ex. roles_meta.{client_id}.users.region.",
    )
    oidc_scopes: str = Field(
        "openid email profile", description="Portées demandées au fournisseur OpenID Connect."
    )
    secret_statistique_seuil: int = Field(
        3,
        ge=1,
        description="Secret statistique des agrégats ouverts : une cellule de moins de N bénéficiaires "
        "(SIRET distincts) n'est pas publiée telle quelle, elle rejoint la ligne « autres ».",
    )
    catalogue_fraicheur_jours: int = Field(
        30,
        ge=1,
        description="Un jeu du catalogue est « à jour » quand son dernier import a moins de N jours.",
    )
    catalogue_editeur: str = Field(
        "Data-État", description="Nom de l'éditeur (dct:publisher) du catalogue DCAT de l'instance."
    )
    url_publique: str = Field(
        "",
        description="Adresse publique de l'instance (https://data-etat.exemple.gouv.fr), base des URI "
        "du catalogue DCAT ; vide = l'adresse de la requête.",
    )
    data_gouv_url: str = Field(
        "https://www.data.gouv.fr", description="Adresse de data.gouv.fr (ou de sa démo) pour la publication."
    )
    data_gouv_cle_api: SecretStr | None = Field(
        None, description="Clé d'API data.gouv.fr (en-tête X-API-KEY) ; depuis l'environnement seulement."
    )
    data_gouv_cle_api_fichier: Path | None = Field(
        None, description="Fichier secret contenant la clé d'API data.gouv.fr (première ligne)."
    )
    data_gouv_delai_s: float = Field(
        60,
        gt=0,
        description="Délai d'attente d'une réponse de data.gouv.fr (un envoi de fichier), en secondes.",
    )

    # --- Outside services (connectors/, docs/connecteurs.md) ---
    recherche_entreprises_url: str = Field(
        "https://recherche-entreprises.api.gouv.fr",
        description="Adresse de l'API Recherche d'entreprises (ouverte, sans jeton).",
    )
    recherche_entreprises_par_seconde: float = Field(
        7, gt=0, description="Requêtes par seconde au plus vers Recherche d'entreprises (limite publiée : 7)."
    )
    api_entreprise_url: str = Field(
        "https://entreprise.api.gouv.fr", description="Adresse de l'API Entreprise (v3, jeton requis)."
    )
    api_entreprise_jeton: SecretStr | None = Field(
        None,
        description="Jeton (JWT) de l'API Entreprise ; vide = API Entreprise non utilisée. Par "
        "l'environnement ou par api_entreprise_jeton_fichier ; jamais journalisé.",
    )
    api_entreprise_jeton_fichier: Path | None = Field(
        None, description="Fichier secret contenant le jeton de l'API Entreprise (sa première ligne)."
    )
    api_entreprise_par_minute: float = Field(
        250, gt=0, description="Requêtes par minute au plus vers l'API Entreprise (limite publiée : 250)."
    )
    api_entreprise_destinataire: str = Field(
        "", description="SIRET de l'administration qui appelle l'API Entreprise (paramètre recipient)."
    )
    api_entreprise_contexte: str = Field(
        "aides publiques", description="Cadre des appels à l'API Entreprise (paramètre context)."
    )
    api_entreprise_objet: str = Field(
        "Data-Etat enrichissement des beneficiaires",
        description="Objet des appels à l'API Entreprise (paramètre object, moins de 50 caractères).",
    )
    data_subvention_url: str = Field(
        "https://api.datasubvention.beta.gouv.fr", description="Adresse de l'API Data Subvention."
    )
    data_subvention_jeton: SecretStr | None = Field(
        None, description="Jeton de Data Subvention (en-tête x-access-token) ; vide = non utilisée."
    )
    data_subvention_jeton_fichier: Path | None = Field(
        None, description="Fichier secret contenant le jeton de Data Subvention (sa première ligne)."
    )
    data_subvention_par_minute: float = Field(
        20, gt=0, description="Requêtes par minute au plus vers Data Subvention (limite publiée : 20)."
    )
    data_subvention_ttl_heures: float = Field(
        24,
        gt=0,
        description="Durée de conservation d'une réponse de Data Subvention (subventions d'une association), "
        "en heures : passé ce délai, la page du bénéficiaire la redemande au service.",
    )
    connecteurs_delai_s: float = Field(
        5, gt=0, description="Délai d'attente d'une réponse d'un service extérieur, en secondes."
    )
    connecteurs_essais: int = Field(
        3, ge=0, description="Nouveaux essais d'un appel après un 429, un 5xx ou un délai dépassé."
    )
    connecteurs_backoff_s: float = Field(
        0.5, ge=0, description="Attente avant le premier nouvel essai (doublée à chaque essai), en secondes."
    )
    connecteurs_attente_max_s: float = Field(
        60, ge=0, description="Plus longue attente Retry-After respectée ; au-delà l'appel échoue aussitôt."
    )
    connecteurs_disjoncteur_seuil: int = Field(
        5, ge=1, description="Échecs de suite (429, 5xx, délai) après lesquels un service n'est plus appelé."
    )
    connecteurs_disjoncteur_pause_s: float = Field(
        60, gt=0, description="Durée pendant laquelle un service en échec n'est plus appelé, en secondes."
    )
    # --- DECP validation (decp/validation/, docs/decp.md) ---
    validation_taille_max_mo: int = Field(
        50,
        ge=1,
        description="Taille maximale d'un fichier envoyé à la validation DECP (API ouverte et page), en Mo.",
    )
    validation_par_minute: int = Field(
        20,
        ge=1,
        description="Validations DECP par minute au plus pour un même client (adresse) ; au-delà, 429.",
    )
    enrichissement_apres_import: bool = Field(
        True,
        description="Après chaque import, mettre en file l'enrichissement des nouveaux SIRET "
        "(Recherche d'entreprises, API Entreprise si un jeton est configuré).",
    )
    enrichissement_par_nuit: int = Field(
        10000,
        ge=0,
        description="SIRET rafraîchis au plus par le rafraîchissement planifié (les plus anciens d'abord).",
    )
    enrichissement_reprise_minutes: float = Field(
        30,
        gt=0,
        description="Délai avant de reprendre un enrichissement interrompu par un service indisponible.",
    )
    planning: str = Field(
        "enrichissement=02:00",
        description="Tâches planifiées, chaque jour à l'heure dite (heure locale du serveur) : "
        "« tache=HH:MM » séparées par des virgules ; vide = aucune. Une seule exécution par créneau, "
        "quel que soit le nombre de workers.",
    )
    moisson_delai_s: float = Field(
        20,
        gt=0,
        description="Délai d'attente d'une réponse lors de la moisson des catalogues DECP, en secondes.",
    )
    moisson_taille_max_mo: int = Field(
        500,
        ge=1,
        description="Taille maximale d'un fichier DECP téléchargé par la moisson, en Mo (au-delà : abandonné).",
    )
    moisson_pages_max: int = Field(
        200,
        ge=1,
        description="Pages d'un catalogue DCAT lues au plus par moisson (un catalogue qui pagine sans fin s'arrête là).",
    )


def annees_acceptees(settings: Settings | None = None) -> tuple[int, int]:
    """(first, last) year an import accepts: `annee_min`, `annee_max` (default: next year)."""
    settings = settings or Settings()
    last = settings.annee_max if settings.annee_max is not None else date.today().year + 1
    return settings.annee_min, last
