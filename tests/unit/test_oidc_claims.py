"""OpenID Connect claims → e-mail, role, région (defaults of the reference's Keycloak), and PKCE."""

import base64
import hashlib

import pytest

from dataetat.auth.claims import ClaimsError, claim, region_of, role_of, user_from_claims
from dataetat.auth.oidc import pkce_pair

ROLES = "resource_access.{client_id}.roles"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("053", "53"),
        ("53", "53"),
        ("NAT", None),
        ("nat", None),
        ("001", "01"),
        ("01", "01"),
        ("6", "06"),
        (53, "53"),
        (["053"], "53"),
        (" 084 ", "84"),
    ],
)
def test_region_codes(value, code):
    assert region_of(value) == code


@pytest.mark.parametrize("value", [None, "", "Bretagne", "5300", "A53", [], ["053", "052"], True])
def test_bad_or_missing_region_is_refused_never_national(value):
    with pytest.raises(ClaimsError):
        region_of(value)


@pytest.mark.parametrize(
    ("roles", "role"),
    [
        (["users"], "USERS"),
        (["users", "comptable"], "COMPTABLE"),
        (["comptable", "admin", "users"], "ADMIN"),
        (["USER"], "USERS"),
        ("users admin", "ADMIN"),
        (["offline_access", "uma_authorization"], None),
        ([], None),
        (None, None),
        ({"users": True}, None),
    ],
)
def test_highest_role_wins(roles, role):
    assert role_of(roles) == role


def test_claims_of_a_keycloak_token():
    claims = {
        "sub": "f3a…",
        "email": "Jeanne.Martin@Bretagne.Gouv.fr",
        "region": "053",
        "resource_access": {"dataetat": {"roles": ["users", "comptable"]}, "account": {"roles": ["admin"]}},
    }
    user = user_from_claims(claims, "dataetat", ROLES, "region")
    assert (user.email, user.role, user.region, user.subject) == (
        "jeanne.martin@bretagne.gouv.fr",
        "COMPTABLE",
        "53",
        "f3a…",
    )


def test_paths_are_configurable_like_the_reference_back_end():
    claims = {
        "preferred_username": "agent@finances.gouv.fr",
        "roles": ["ADMIN"],
        "roles_meta": {"budget": {"users": {"region": "NAT"}}},
    }
    user = user_from_claims(claims, "budget", "roles", "roles_meta.{client_id}.users.region")
    assert (user.email, user.role, user.region) == ("agent@finances.gouv.fr", "ADMIN", None)
    assert claim(claims, "roles_meta.{client_id}.absent", "budget") is None


@pytest.mark.parametrize(
    ("claims", "words"),
    [
        ({"region": "53", "resource_access": {"dataetat": {"roles": ["users"]}}}, "adresse e-mail"),
        (
            {"email": "a@b.fr", "region": "53", "resource_access": {"autre": {"roles": ["users"]}}},
            "aucun rôle",
        ),
        ({"email": "a@b.fr", "resource_access": {"dataetat": {"roles": ["users"]}}}, "pas de région"),
    ],
)
def test_missing_claims_are_french_refusals(claims, words):
    with pytest.raises(ClaimsError, match=words):
        user_from_claims(claims, "dataetat", ROLES, "region")


def test_pkce_pair_is_s256():
    verifier, challenge = pkce_pair()
    assert 43 <= len(verifier) <= 128
    digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    assert challenge == digest and pkce_pair()[0] != verifier
