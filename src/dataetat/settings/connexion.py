"""Settings of who is connected: the development identity, the session cookie's key and
lifetime, OpenID Connect (Keycloak, ProConnect)."""

from __future__ import annotations

from pydantic import BaseModel, Field

SECRET_PLACEHOLDER = "developpement-a-remplacer"


class Connexion(BaseModel):
    region_developpement: str | None = Field(
        None,
        description="Région de l'identité tant que les comptes n'existent pas (ex. 53) ; vide = nationale.",
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
