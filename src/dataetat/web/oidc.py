"""The app's OpenID Connect client (created on first use from the settings, kept on app.state) and the
API's bearer tokens: `user_from_bearer` is called by the identity dependency (web/deps.py) for
`Authorization: Bearer …` requests on /api/*."""

from __future__ import annotations

from fastapi import FastAPI, Request

from dataetat.auth.claims import OidcUser
from dataetat.auth.oidc import OidcClient, OidcConfig, OidcError
from dataetat.auth.oidc_comptes import bearer_user
from dataetat.web.errors import NotAuthenticated

NOT_CONFIGURED = "Les jetons d'accès ne sont pas acceptés : aucun fournisseur OpenID Connect n'est configuré."


def client_of(app: FastAPI) -> OidcClient | None:
    """The OpenID Connect client of `app`, or None when `oidc_issuer` is not set."""
    client = getattr(app.state, "oidc", None)
    if client is None:
        config = OidcConfig.from_settings(app.state.settings)
        if config is None:
            return None
        client = app.state.oidc = OidcClient(config)
    return client


def bearer_token(request: Request) -> str | None:
    """The token of an `Authorization: Bearer …` header (scheme in any case), else None."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def user_from_bearer(request: Request, token: str) -> OidcUser:
    """The agent of an API access token, checked against the provider's JWKS (signature, issuer,
    audience, expiry) then mapped from its claims. Blocking (HTTP to the provider on a new key):
    run it in a worker thread. Raises NotAuthenticated (401 JSON, French message)."""
    client = client_of(request.app)
    if client is None:
        raise NotAuthenticated(NOT_CONFIGURED, "jeton-refuse")
    try:
        user = client.bearer_user(token)
        with request.app.state.engine.connect() as conn:
            return bearer_user(conn, user)
    except OidcError as exc:
        raise NotAuthenticated(str(exc), exc.code) from exc
