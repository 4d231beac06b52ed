"""The audit log (`audit`): who did what, when, from which région, with what result.

    audit.record(conn, "export", "agent@x.fr", region="53", details={"recherche": "annee=2023"})
    audit.search(conn, Filtres(action="import"), limit=50, offset=0)

One row per event; `details` is a JSON text (files and their sha256, totals, the search…). Rows are
only ever added. Events of logins and account changes are written by the auth layer through the
small helpers at the end of this module, so that every event of one kind has the same details.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dataetat.store.schema import metadata

audit_id_seq = sa.Sequence("audit_id_seq", metadata=metadata)
audit = sa.Table(
    "audit",
    metadata,
    sa.Column("id", sa.BigInteger, audit_id_seq, server_default=audit_id_seq.next_value(), primary_key=True),
    sa.Column("quand", sa.DateTime, nullable=False),
    sa.Column("qui", sa.String, nullable=False),  # the account's e-mail, the e-mail tried, or "cli"
    sa.Column("action", sa.String, nullable=False),  # a key of ACTIONS
    sa.Column("region", sa.String),  # the identity's région (None: national or unknown)
    sa.Column("details", sa.Text),  # JSON
    sa.Column("resultat", sa.String, nullable=False),  # a key of RESULTATS
)
sa.Index("ix_audit_quand", audit.c.quand).ddl_if(dialect="postgresql")

# Action → French label (the page and its CSV show the label, the table keeps the code).
ACTIONS = {
    "connexion": "Connexion",
    "connexion-refusee": "Connexion refusée",
    "deconnexion": "Déconnexion",
    "import": "Import de fichiers financiers",
    "annulation-import": "Annulation d'un import",
    "export": "Export de données",
    "referentiel": "Chargement d'un référentiel",
    "compte-cree": "Compte créé",
    "compte-modifie": "Compte modifié",
    "compte-desactive": "Compte désactivé",
    "etiquetage": "Règles d'étiquetage",
}
OK, REFUSE, ECHEC = "ok", "refuse", "echec"
RESULTATS = {OK: "Réussi", REFUSE: "Refusé", ECHEC: "Échec"}
CLI = "cli"  # who: the command line


@dataclass(frozen=True)
class Evenement:
    id: int
    quand: datetime
    qui: str
    action: str
    region: str | None
    details: dict[str, Any]
    resultat: str

    @property
    def action_libelle(self) -> str:
        return ACTIONS.get(self.action, self.action)

    @property
    def resultat_libelle(self) -> str:
        return RESULTATS.get(self.resultat, self.resultat)


@dataclass(frozen=True)
class Filtres:
    """What the admin page filters on; every field optional. `qui` matches a part of the e-mail."""

    du: date | None = None
    au: date | None = None
    qui: str | None = None
    action: str | None = None
    resultat: str | None = None


def record(
    conn: Connection,
    action: str,
    qui: str,
    *,
    region: str | None = None,
    details: dict[str, Any] | None = None,
    resultat: str = OK,
    quand: datetime | None = None,
) -> int:
    """Add one event; returns its id."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    if resultat not in RESULTATS:
        raise ValueError(f"unknown audit result {resultat!r}")
    return conn.execute(
        audit.insert()
        .values(
            quand=quand or datetime.now().replace(microsecond=0),
            qui=(qui or "").strip().lower()[:320],
            action=action,
            region=region,
            details=json.dumps(details or {}, ensure_ascii=False, default=str),
            resultat=resultat,
        )
        .returning(audit.c.id)
    ).scalar_one()


def _where(filters: Filtres) -> list[sa.ColumnElement[bool]]:
    clauses: list[sa.ColumnElement[bool]] = []
    if filters.du:
        clauses.append(audit.c.quand >= datetime.combine(filters.du, time()))
    if filters.au:
        clauses.append(audit.c.quand < datetime.combine(filters.au + timedelta(days=1), time()))
    if filters.qui:
        clauses.append(audit.c.qui.contains(filters.qui.strip().lower(), autoescape=True))
    if filters.action:
        clauses.append(audit.c.action == filters.action)
    if filters.resultat:
        clauses.append(audit.c.resultat == filters.resultat)
    return clauses


def search(conn: Connection, filters: Filtres, limit: int, offset: int = 0) -> list[Evenement]:
    """Events matching the filters, newest first."""
    query = (
        sa.select(audit)
        .where(*_where(filters))
        .order_by(audit.c.quand.desc(), audit.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [
        Evenement(**{**row, "details": json.loads(row["details"] or "{}")})
        for row in conn.execute(query).mappings()
    ]


def count(conn: Connection, filters: Filtres) -> int:
    return conn.execute(sa.select(sa.func.count()).select_from(audit).where(*_where(filters))).scalar_one()


# --- Events of the auth layer (logins, accounts) ------------------------------------------------
# `quand` defaults to now (tests pass it); `by` is the admin's e-mail (or "cli") who made a change.


def login(
    conn: Connection, email: str, region: str | None, *, quand: datetime | None = None, **details: Any
) -> int:
    """A successful login (details: e.g. methode="mot-de-passe" or "oidc")."""
    return record(conn, "connexion", email, region=region, details=details, quand=quand)


def login_refused(
    conn: Connection, email: str, motif: str, *, quand: datetime | None = None, **details: Any
) -> int:
    """A refused login: `email` is the one tried (existing or not), `motif` a short French reason
    ("mot de passe incorrect", "compte désactivé", "trop de tentatives"…)."""
    details = {"motif": motif, **details}
    return record(conn, "connexion-refusee", email, details=details, resultat=REFUSE, quand=quand)


def logout(conn: Connection, email: str, region: str | None, *, quand: datetime | None = None) -> int:
    return record(conn, "deconnexion", email, region=region, quand=quand)


def account_created(
    conn: Connection,
    by: str,
    email: str,
    role: str,
    region: str | None,
    *,
    by_region: str | None = None,
    quand: datetime | None = None,
) -> int:
    """An account created (role, région: None for national)."""
    details = {"compte": email.lower(), "role": role, "region_du_compte": region}
    return record(conn, "compte-cree", by, region=by_region, details=details, quand=quand)


def account_changed(
    conn: Connection,
    by: str,
    email: str,
    changes: dict[str, Any],
    *,
    by_region: str | None = None,
    quand: datetime | None = None,
) -> int:
    """An account changed: `changes` maps each changed field to [before, after],
    e.g. {"role": ["USERS", "COMPTABLE"], "region": ["53", None], "actif": [False, True]}."""
    details = {"compte": email.lower(), "changements": changes}
    return record(conn, "compte-modifie", by, region=by_region, details=details, quand=quand)


def account_disabled(
    conn: Connection, by: str, email: str, *, by_region: str | None = None, quand: datetime | None = None
) -> int:
    return record(
        conn, "compte-desactive", by, region=by_region, details={"compte": email.lower()}, quand=quand
    )
