"""The accounts table (`compte`) of the embedded mode — the only SQL of the accounts.

An account is an e-mail (stored in lower case, unique), a role (ADMIN, COMPTABLE, USERS), a région
(INSEE code, None = national), an Argon2 hash and a `version` that every change of what the account
may see or do (disable, enable, role, région, password) increments: a session records the version it
was opened with, and is refused once the account's version moved on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dataetat.store.schema import metadata

ROLES = ("ADMIN", "COMPTABLE", "USERS")

compte_id_seq = sa.Sequence("compte_id_seq", metadata=metadata)
compte = sa.Table(
    "compte",
    metadata,
    sa.Column(
        "id", sa.BigInteger, compte_id_seq, server_default=compte_id_seq.next_value(), primary_key=True
    ),
    sa.Column("email", sa.String, nullable=False, unique=True),
    sa.Column("nom", sa.String),
    sa.Column("role", sa.String, nullable=False),
    sa.Column("region", sa.String),
    sa.Column("actif", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("mot_de_passe", sa.String, nullable=False),
    sa.Column("version", sa.BigInteger, nullable=False, server_default="1"),
    sa.Column("cree_le", sa.DateTime, nullable=False),
    sa.Column("modifie_le", sa.DateTime, nullable=False),
    sa.Column("derniere_connexion", sa.DateTime),
)


class CompteError(ValueError):
    """A refused account change, explained in French."""


@dataclass(frozen=True)
class Compte:
    id: int
    email: str
    nom: str | None
    role: str
    region: str | None
    actif: bool
    mot_de_passe: str
    version: int
    cree_le: datetime
    modifie_le: datetime
    derniere_connexion: datetime | None

    @classmethod
    def of(cls, row) -> Compte:
        return cls(**{k: row[k] for k in cls.__dataclass_fields__})


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _now() -> datetime:
    return datetime.now().replace(microsecond=0)


def _check(role: str, region: str | None) -> None:
    if role not in ROLES:
        raise CompteError(f"Rôle « {role} » inconnu : {', '.join(ROLES)}.")
    if region is not None and not (region.isalnum() and 1 <= len(region) <= 3):
        raise CompteError(f"Région « {region} » invalide : un code INSEE (ex. 53) ou NAT.")


def create(
    conn: Connection, email: str, role: str, region: str | None, hash_: str, nom: str | None = None
) -> int:
    email = normalise_email(email)
    if "@" not in email:
        raise CompteError(f"Adresse e-mail « {email} » invalide.")
    _check(role, region)
    if by_email(conn, email) is not None:
        raise CompteError(f"Un compte existe déjà pour {email}.")
    now = _now()
    return conn.execute(
        compte.insert()
        .values(
            email=email, nom=nom, role=role, region=region, mot_de_passe=hash_, cree_le=now, modifie_le=now
        )
        .returning(compte.c.id)
    ).scalar_one()


def by_email(conn: Connection, email: str) -> Compte | None:
    row = conn.execute(sa.select(compte).where(compte.c.email == normalise_email(email))).mappings().first()
    return Compte.of(row) if row else None


def by_id(conn: Connection, compte_id: int) -> Compte | None:
    row = conn.execute(sa.select(compte).where(compte.c.id == compte_id)).mappings().first()
    return Compte.of(row) if row else None


def all_accounts(conn: Connection) -> list[Compte]:
    return [Compte.of(r) for r in conn.execute(sa.select(compte).order_by(compte.c.email)).mappings()]


def update(conn: Connection, email: str, **values) -> Compte:
    """Change `actif`, `role`, `region`, `nom` or `mot_de_passe`; the version moves on (open
    sessions of the account are refused from now on)."""
    current = by_email(conn, email)
    if current is None:
        raise CompteError(f"Aucun compte pour {normalise_email(email)}.")
    unknown = set(values) - {"actif", "role", "region", "nom", "mot_de_passe"}
    if unknown:
        raise ValueError(f"unknown account fields {sorted(unknown)}")
    _check(values.get("role", current.role), values.get("region", current.region))
    conn.execute(
        compte.update()
        .where(compte.c.id == current.id)
        .values(**values, version=compte.c.version + 1, modifie_le=_now())
    )
    updated = by_id(conn, current.id)
    assert updated is not None
    return updated


def record_login(conn: Connection, compte_id: int) -> None:
    conn.execute(compte.update().where(compte.c.id == compte_id).values(derniere_connexion=_now()))
