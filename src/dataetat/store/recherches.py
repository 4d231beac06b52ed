"""Saved searches and their shares: the only SQL of "Mes recherches".

A saved search belongs to its owner (`proprietaire`, the identity's user); its `contenu` is the
versioned JSON of the search (web/sauvegardes.py reads and writes it). A share gives a recipient
(an e-mail, the recipient's identity user) read access; deleting a search deletes its shares.
Names are unique per owner: checked here, and by a unique index on PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dataetat.store.schema import metadata

recherche_id_seq = sa.Sequence("recherche_sauvegardee_id_seq", metadata=metadata)
recherche_sauvegardee = sa.Table(
    "recherche_sauvegardee",
    metadata,
    sa.Column(
        "id",
        sa.BigInteger,
        recherche_id_seq,
        server_default=recherche_id_seq.next_value(),
        primary_key=True,
    ),
    sa.Column("proprietaire", sa.String, nullable=False),
    sa.Column("nom", sa.String, nullable=False),
    sa.Column("contenu", sa.Text, nullable=False),  # JSON {"version": 1, "recherche": {code: value}}
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("cree_le", sa.DateTime, nullable=False),
    sa.Column("modifie_le", sa.DateTime, nullable=False),
)
recherche_partage = sa.Table(
    "recherche_partage",
    metadata,
    sa.Column("recherche_id", sa.BigInteger, primary_key=True),
    sa.Column("destinataire", sa.String, primary_key=True),  # e-mail, lower case
    sa.Column("partage_par", sa.String, nullable=False),
    sa.Column("partage_le", sa.DateTime, nullable=False),
)
sa.Index(
    "ux_recherche_proprietaire_nom",
    recherche_sauvegardee.c.proprietaire,
    recherche_sauvegardee.c.nom,
    unique=True,
).ddl_if(dialect="postgresql")
sa.Index("ix_recherche_partage_destinataire", recherche_partage.c.destinataire).ddl_if(dialect="postgresql")
s, p = recherche_sauvegardee.c, recherche_partage.c


@dataclass
class Sauvegarde:
    id: int
    proprietaire: str
    nom: str
    contenu: str
    version: int
    cree_le: datetime
    modifie_le: datetime
    partage_par: str | None = None  # set when read as a recipient
    partage_le: datetime | None = None

    @classmethod
    def of(cls, row) -> Sauvegarde:
        return cls(**{k: row[k] for k in cls.__dataclass_fields__ if k in row})


@dataclass
class Partage:
    destinataire: str
    partage_par: str
    partage_le: datetime


def _now() -> datetime:
    return datetime.now().replace(microsecond=0)


def create(conn: Connection, proprietaire: str, nom: str, contenu: str, version: int) -> int:
    now = _now()
    return conn.execute(
        recherche_sauvegardee.insert()
        .values(
            proprietaire=proprietaire, nom=nom, contenu=contenu, version=version, cree_le=now, modifie_le=now
        )
        .returning(s.id)
    ).scalar_one()


def get(conn: Connection, recherche_id: int) -> Sauvegarde | None:
    row = conn.execute(sa.select(recherche_sauvegardee).where(s.id == recherche_id)).mappings().first()
    return Sauvegarde.of(row) if row else None


def list_of(conn: Connection, proprietaire: str) -> list[Sauvegarde]:
    """The owner's searches, most recently changed first."""
    rows = conn.execute(
        sa.select(recherche_sauvegardee)
        .where(s.proprietaire == proprietaire)
        .order_by(s.modifie_le.desc(), s.id.desc())
    ).mappings()
    return [Sauvegarde.of(row) for row in rows]


def name_taken(conn: Connection, proprietaire: str, nom: str, except_id: int | None = None) -> bool:
    query = sa.select(s.id).where(s.proprietaire == proprietaire, s.nom == nom)
    if except_id is not None:
        query = query.where(s.id != except_id)
    return conn.execute(query.limit(1)).first() is not None


def rename(conn: Connection, recherche_id: int, nom: str) -> None:
    conn.execute(
        recherche_sauvegardee.update().where(s.id == recherche_id).values(nom=nom, modifie_le=_now())
    )


def delete(conn: Connection, recherche_id: int) -> None:
    conn.execute(recherche_partage.delete().where(p.recherche_id == recherche_id))
    conn.execute(recherche_sauvegardee.delete().where(s.id == recherche_id))


def share(conn: Connection, recherche_id: int, destinataires: list[str], par: str) -> list[str]:
    """Share with these e-mails; returns those that did not have it yet (a share is not repeated)."""
    known = set(
        conn.execute(
            sa.select(p.destinataire).where(p.recherche_id == recherche_id, p.destinataire.in_(destinataires))
        ).scalars()
    )
    new = [d for d in dict.fromkeys(destinataires) if d not in known]
    if new:
        now = _now()
        conn.execute(
            recherche_partage.insert(),
            [
                {"recherche_id": recherche_id, "destinataire": d, "partage_par": par, "partage_le": now}
                for d in new
            ],
        )
    return new


def shares_of(conn: Connection, recherche_id: int) -> list[Partage]:
    rows = conn.execute(
        sa.select(p.destinataire, p.partage_par, p.partage_le)
        .where(p.recherche_id == recherche_id)
        .order_by(p.destinataire)
    ).mappings()
    return [Partage(**row) for row in rows]


def shared_with(conn: Connection, destinataire: str, recherche_id: int | None = None) -> list[Sauvegarde]:
    """Searches shared with this recipient (with who shared them), most recent share first."""
    query = (
        sa.select(recherche_sauvegardee, p.partage_par, p.partage_le)
        .join(recherche_partage, p.recherche_id == s.id)
        .where(p.destinataire == destinataire)
        .order_by(p.partage_le.desc(), s.id.desc())
    )
    if recherche_id is not None:
        query = query.where(s.id == recherche_id)
    return [Sauvegarde.of(row) for row in conn.execute(query).mappings()]
