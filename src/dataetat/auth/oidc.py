"""OpenID Connect client of the server mode (Keycloak, ProConnect…): authorization code with PKCE
(S256), state and nonce; ID tokens and API bearer access tokens checked against the provider's JWKS
(signature by an asymmetric algorithm, issuer, audience, expiry) with PyJWT.

The discovery document is fetched on first use and kept an hour; the JWKS is kept until a token
names a key id it does not hold, then fetched again (at most every MIN_JWKS_REFRESH seconds, so
that forged key ids cannot make us hammer the provider). Calls are synchronous (httpx): the web
layer runs them in a worker thread.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt

from dataetat.auth.claims import ClaimsError, OidcUser, user_from_claims
from dataetat.settings import Settings

DISCOVERY_TTL = 3600.0
MIN_JWKS_REFRESH = 10.0
LEEWAY = 30  # seconds of clock skew accepted on exp/iat/nbf, as the reference
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")


class OidcError(Exception):
    """A failed login or a refused token; `message` is French and may be shown, `code` is stable."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class OidcConfig:
    issuer: str
    client_id: str
    client_secret: str
    audience: str  # of API access tokens
    claim_roles: str
    claim_region: str
    scopes: str

    @classmethod
    def from_settings(cls, settings: Settings) -> OidcConfig | None:
        """None when the server mode's OpenID Connect is not configured (no issuer)."""
        if not settings.oidc_issuer:
            return None
        return cls(
            issuer=settings.oidc_issuer.rstrip("/"),
            client_id=settings.oidc_client_id,
            client_secret=settings.oidc_client_secret,
            audience=settings.oidc_audience or settings.oidc_client_id,
            claim_roles=settings.oidc_claim_roles,
            claim_region=settings.oidc_claim_region,
            scopes=settings.oidc_scopes,
        )


@dataclass(frozen=True)
class Pending:
    """What the browser keeps (signed) between the redirect to the provider and its return."""

    state: str
    nonce: str
    verifier: str


def pkce_pair() -> tuple[str, str]:
    """A PKCE code verifier (43 characters, RFC 7636) and its S256 challenge."""
    verifier = secrets.token_urlsafe(32)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


class OidcClient:
    def __init__(
        self,
        config: OidcConfig,
        http: httpx.Client | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.http = http or httpx.Client(timeout=10.0)
        self.clock = clock
        self._lock = threading.Lock()
        self._discovery: dict[str, Any] | None = None
        self._discovery_at = 0.0
        self._keys: dict[str, jwt.PyJWK] = {}
        self._algs: dict[str, str] = {}  # kid → the algorithm its JWK declares (then the only one accepted)
        self._keys_at = float("-inf")

    # -- provider documents -------------------------------------------------------------------

    def _get_json(self, url: str) -> dict[str, Any]:
        try:
            response = self.http.get(url)
            response.raise_for_status()
            return response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise OidcError(
                "fournisseur-injoignable",
                "Le fournisseur d'identité ne répond pas ; réessayez dans quelques minutes.",
            ) from exc

    def discovery(self) -> dict[str, Any]:
        with self._lock:
            if self._discovery is None or self.clock() - self._discovery_at > DISCOVERY_TTL:
                document = self._get_json(f"{self.config.issuer}/.well-known/openid-configuration")
                if document.get("issuer", "").rstrip("/") != self.config.issuer:
                    raise OidcError(
                        "fournisseur-invalide",
                        "Le fournisseur d'identité ne déclare pas l'émetteur configuré (oidc_issuer).",
                    )
                self._discovery, self._discovery_at = document, self.clock()
            return self._discovery

    def _key(self, kid: str | None) -> jwt.PyJWK:
        """The provider's signing key `kid` (the only signing key when a token names none)."""
        jwks_uri = self.discovery()["jwks_uri"]
        with self._lock:
            for attempt in (0, 1):
                found = self._find(kid)
                if found is not None:
                    return found
                if attempt or self.clock() - self._keys_at < MIN_JWKS_REFRESH:
                    break
                jwks = self._get_json(jwks_uri)
                self._keys = self._load_keys(jwks)
                self._algs = {k["kid"]: k["alg"] for k in jwks.get("keys", []) if "kid" in k and "alg" in k}
                self._keys_at = self.clock()
        raise OidcError("jeton-invalide", "Jeton signé par une clé inconnue du fournisseur d'identité.")

    def _find(self, kid: str | None) -> jwt.PyJWK | None:
        if kid is not None:
            return self._keys.get(kid)
        return next(iter(self._keys.values())) if len(self._keys) == 1 else None

    @staticmethod
    def _load_keys(jwks: dict[str, Any]) -> dict[str, jwt.PyJWK]:
        keys = {}
        for index, data in enumerate(jwks.get("keys", [])):
            if data.get("use", "sig") != "sig" or data.get("kty") == "oct":
                continue
            try:
                keys[data.get("kid", f"#{index}")] = jwt.PyJWK(data)
            except jwt.PyJWTError:
                continue  # a key type or algorithm we do not use
        return keys

    # -- authorization code flow --------------------------------------------------------------

    def authorization_url(self, redirect_uri: str) -> tuple[str, Pending]:
        verifier, challenge = pkce_pair()
        pending = Pending(secrets.token_urlsafe(24), secrets.token_urlsafe(24), verifier)
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.config.client_id,
                "redirect_uri": redirect_uri,
                "scope": self.config.scopes,
                "state": pending.state,
                "nonce": pending.nonce,
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            }
        )
        return f"{self.discovery()['authorization_endpoint']}?{query}", pending

    def exchange(self, code: str, pending: Pending, redirect_uri: str) -> dict[str, Any]:
        """Trade the code for tokens (client_secret_basic, as Keycloak and ProConnect accept)."""
        try:
            response = self.http.post(
                self.discovery()["token_endpoint"],
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": redirect_uri,
                    "code_verifier": pending.verifier,
                },
                auth=(self.config.client_id, self.config.client_secret),
            )
        except httpx.HTTPError as exc:
            raise OidcError(
                "fournisseur-injoignable", "Le fournisseur d'identité ne répond pas ; réessayez."
            ) from exc
        if response.status_code != 200:
            raise OidcError(
                "code-refuse", "Le fournisseur d'identité a refusé la connexion ; recommencez-la."
            )
        tokens = response.json()
        if not isinstance(tokens.get("id_token"), str):
            raise OidcError(
                "jeton-invalide", "Le fournisseur d'identité n'a pas renvoyé de jeton d'identité."
            )
        return tokens

    # -- tokens ---------------------------------------------------------------------------------

    def _decode(self, token: str, audience: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise OidcError("jeton-invalide", "Jeton illisible.") from exc
        if header.get("alg") not in ALGORITHMS:
            raise OidcError("jeton-invalide", "Algorithme de signature du jeton refusé.")
        kid = header.get("kid")
        key = self._key(kid)
        try:
            return jwt.decode(
                token,
                key=key.key,
                algorithms=[header["alg"]] if self._algs.get(kid, header["alg"]) == header["alg"] else [],
                audience=audience,
                issuer=self.config.issuer,
                leeway=LEEWAY,
                options={"require": ["exp", "iat", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise OidcError("jeton-expire", "Jeton expiré.") from exc
        except jwt.InvalidAudienceError as exc:
            raise OidcError("jeton-invalide", "Jeton destiné à un autre service (audience).") from exc
        except jwt.InvalidIssuerError as exc:
            raise OidcError("jeton-invalide", "Jeton émis par un autre fournisseur (émetteur).") from exc
        except jwt.InvalidSignatureError as exc:
            raise OidcError("jeton-invalide", "Signature du jeton invalide.") from exc
        except jwt.PyJWTError as exc:
            raise OidcError("jeton-invalide", "Jeton invalide.") from exc

    def id_token_claims(self, id_token: str, pending: Pending) -> dict[str, Any]:
        claims = self._decode(id_token, self.config.client_id)
        if not same(str(claims.get("nonce", "")), pending.nonce):
            raise OidcError("jeton-invalide", "Jeton d'identité rejoué ou d'une autre connexion (nonce).")
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != self.config.client_id:
            raise OidcError("jeton-invalide", "Jeton d'identité délivré à un autre client (azp).")
        return claims

    def access_token_claims(self, token: str) -> dict[str, Any]:
        return self._decode(token, self.config.audience)

    def user(self, claims: dict[str, Any]) -> OidcUser:
        try:
            return user_from_claims(
                claims, self.config.client_id, self.config.claim_roles, self.config.claim_region
            )
        except ClaimsError as exc:
            raise OidcError("droits-absents", str(exc)) from exc

    def login_user(self, tokens: dict[str, Any], pending: Pending) -> OidcUser:
        """The agent of a code exchange: ID token checked; its claims completed by those of the
        access token when that is a JWT for us (Keycloak puts client roles there by default)."""
        claims = self.id_token_claims(tokens["id_token"], pending)
        access = tokens.get("access_token")
        if isinstance(access, str) and access.count(".") == 2:
            try:
                claims = {**self.access_token_claims(access), **claims}
            except OidcError:
                pass  # opaque to us or for another audience: the ID token alone decides
        return self.user(claims)

    def bearer_user(self, token: str) -> OidcUser:
        return self.user(self.access_token_claims(token))
