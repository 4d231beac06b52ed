"""From the claims of an OpenID Connect token to who the agent is: e-mail, role and région.

Defaults follow the reference (Keycloak): client roles `users`, `comptable`, `admin` under
`resource_access.<client_id>.roles`, and a région claim `region` holding `053`, `53` or `NAT`.
Both claim names are dotted paths into the token (settings `oidc_claim_roles`, `oidc_claim_region`),
where `{client_id}` stands for the client id: `roles_meta.{client_id}.users.region` reads the
région where the reference's back-end reads it. An empty roles path means the provider carries no rights
(ProConnect): the role and région are then those of the local account an administrator created.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Highest first: an agent holding several roles gets the highest.
ROLES = ("ADMIN", "COMPTABLE", "USERS")
_SYNONYMS = {"USER": "USERS"}
NATIONAL = "NAT"


class ClaimsError(ValueError):
    """Claims that do not make an identity; the message (French) is shown to the agent."""


@dataclass(frozen=True)
class OidcUser:
    email: str  # lower case
    role: str | None  # one of ROLES; None: the role and région are the local account's (no role claim)
    region: str | None  # INSEE région code; None = national
    subject: str | None = None


def claim(claims: dict[str, Any], path: str, client_id: str) -> Any:
    """The value at a dotted `path` (with `{client_id}` replaced), or None."""
    value: Any = claims
    for part in path.replace("{client_id}", client_id).split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def role_of(values: Any) -> str | None:
    """The highest known role of a claim value (a list, or one space- or comma-separated string)."""
    if isinstance(values, str):
        values = values.replace(",", " ").split()
    if not isinstance(values, list | tuple):
        return None
    held = {_SYNONYMS.get(str(v).strip().upper(), str(v).strip().upper()) for v in values}
    return next((role for role in ROLES if role in held), None)


def region_of(value: Any) -> str | None:
    """INSEE région code of a claim value: `053` → `53`, `01` → `01`, `NAT` → None (national).
    Raises ClaimsError for a missing or malformed value (no silent national access)."""
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if isinstance(value, int) and not isinstance(value, bool):
        value = f"{value:02d}"
    if not isinstance(value, str) or not value.strip():
        raise ClaimsError("Votre compte n'a pas de région : demandez-la à l'administrateur de l'annuaire.")
    code = value.strip().upper()
    if code == NATIONAL:
        return None
    if len(code) == 3 and code.startswith("0"):
        code = code[1:]
    if len(code) == 1:
        code = "0" + code
    if len(code) != 2 or not code.isdigit():
        raise ClaimsError(f"Région « {value} » non reconnue : un code INSEE (ex. 053 ou 53) ou NAT.")
    return code


def user_from_claims(claims: dict[str, Any], client_id: str, claim_roles: str, claim_region: str) -> OidcUser:
    email = claims.get("email")
    if not isinstance(email, str) or "@" not in email:
        username = claims.get("preferred_username")
        email = username if isinstance(username, str) and "@" in username else None
    if email is None:
        raise ClaimsError("Votre compte n'a pas d'adresse e-mail : la connexion est impossible.")
    subject = claims.get("sub") if isinstance(claims.get("sub"), str) else None
    if not claim_roles:  # ProConnect carries no rights: the local account (made by an admin) has them
        return OidcUser(email.strip().lower(), None, None, subject)
    role = role_of(claim(claims, claim_roles, client_id))
    if role is None:
        raise ClaimsError(
            "Votre compte n'a aucun rôle pour Data-État (users, comptable ou admin) : demandez l'accès "
            "à l'administrateur de l'annuaire."
        )
    region = region_of(claim(claims, claim_region, client_id))
    return OidcUser(email.strip().lower(), role, region, subject)
