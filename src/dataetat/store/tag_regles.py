"""Tag rules (`tag_regle`): list, add, change, enable or disable, delete — each change audited.

    rule_id = tag_regles.add(conn, "fonds-vert", "source=FINANCIAL_DATA_AE&code_programme=380", "…", "admin@x.fr")
    tag_regles.set_active(conn, rule_id, False, "admin@x.fr")

The rule is checked by the caller (query/etiquetage.validate_rule: the query contract is above this
layer); the tags of the lines are re-applied by the caller too (query/etiquetage.reapply). The audit
event `etiquetage` says what was done (`operation`) and the rule before/after.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dataetat.store import audit
from dataetat.store.tags_schema import tag_regle


@dataclass(frozen=True)
class Regle:
    id: int
    tag: str
    parametres: str
    description: str | None
    actif: bool
    modifie_le: datetime | None
    modifie_par: str | None

    def as_dict(self) -> dict[str, object]:
        return {
            "tag": self.tag,
            "parametres": self.parametres,
            "description": self.description,
            "actif": self.actif,
        }


def all_rules(conn: Connection) -> list[Regle]:
    """Every rule, by tag then id."""
    rows = conn.execute(sa.select(tag_regle).order_by(tag_regle.c.tag, tag_regle.c.id)).mappings()
    return [Regle(**row) for row in rows]


def by_id(conn: Connection, rule_id: int) -> Regle | None:
    row = conn.execute(sa.select(tag_regle).where(tag_regle.c.id == rule_id)).mappings().first()
    return Regle(**row) if row else None


def _now() -> datetime:
    return datetime.now().replace(microsecond=0)


def _audit(conn: Connection, qui: str, region: str | None, operation: str, **details: object) -> None:
    audit.record(conn, "etiquetage", qui, region=region, details={"operation": operation, **details})


def add(
    conn: Connection, tag: str, parametres: str, description: str | None, qui: str, region: str | None = None
) -> int:
    rule_id = conn.execute(
        tag_regle.insert()
        .values(
            tag=tag,
            parametres=parametres,
            description=description,
            actif=True,
            modifie_le=_now(),
            modifie_par=qui,
        )
        .returning(tag_regle.c.id)
    ).scalar_one()
    _audit(conn, qui, region, "ajout", regle=rule_id, apres={"tag": tag, "parametres": parametres})
    return rule_id


def update(
    conn: Connection,
    rule_id: int,
    tag: str,
    parametres: str,
    description: str | None,
    qui: str,
    region: str | None = None,
) -> bool:
    """Change a rule; False when nothing changed (nothing written, nothing audited)."""
    before = _existing(conn, rule_id)
    if (before.tag, before.parametres, before.description) == (tag, parametres, description):
        return False
    conn.execute(
        tag_regle.update()
        .where(tag_regle.c.id == rule_id)
        .values(tag=tag, parametres=parametres, description=description, modifie_le=_now(), modifie_par=qui)
    )
    _audit(
        conn,
        qui,
        region,
        "modification",
        regle=rule_id,
        avant={"tag": before.tag, "parametres": before.parametres},
        apres={"tag": tag, "parametres": parametres},
    )
    return True


def set_active(conn: Connection, rule_id: int, actif: bool, qui: str, region: str | None = None) -> bool:
    """Enable or disable a rule; False when it already was."""
    before = _existing(conn, rule_id)
    if before.actif == actif:
        return False
    conn.execute(
        tag_regle.update()
        .where(tag_regle.c.id == rule_id)
        .values(actif=actif, modifie_le=_now(), modifie_par=qui)
    )
    _audit(conn, qui, region, "activation" if actif else "desactivation", regle=rule_id, tag=before.tag)
    return True


def delete(conn: Connection, rule_id: int, qui: str, region: str | None = None) -> Regle:
    before = _existing(conn, rule_id)
    conn.execute(tag_regle.delete().where(tag_regle.c.id == rule_id))
    _audit(conn, qui, region, "suppression", regle=rule_id, avant=before.as_dict())
    return before


def record_reapply(conn: Connection, qui: str, region: str | None, etiquetees: int, secondes: float) -> None:
    _audit(conn, qui, region, "reapplication", lignes_etiquetees=etiquetees, secondes=round(secondes, 2))


def _existing(conn: Connection, rule_id: int) -> Regle:
    found = by_id(conn, rule_id)
    if found is None:
        raise LookupError("Cette règle n'existe pas (ou plus).")
    return found
