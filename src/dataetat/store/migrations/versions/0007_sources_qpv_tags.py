"""More funding flows, QPV and tag rules: `aide` (ADEME, France 2030), `qpv_lieu_action`, `ref_qpv`,
`siret_qpv`, `commune_dispositif` (PVD, ACV), `tag_regle` (seeded with the reference's automatic
rules), `tag_manuel`; the read model gains the QPV, objet and part columns.

Revision ID: 0007
Revises: audit
"""

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "audit"
branch_labels = None
depends_on = None

MONTANT = sa.Numeric(18, 2)

# The reference's automatic rules (reference/data-etat-back.md §2.3), as searches of the query
# contract. Frozen here: later changes are the ADMIN's, in the "Règles d'étiquetage" page.
_CPER_2015 = ",".join(str(y) for y in range(2015, 2021))
_CPER_2021 = ",".join(str(y) for y in range(2021, 2028))
SEEDED_RULES = (
    (
        "fonds-vert",
        "source=FINANCIAL_DATA_AE&code_programme=380",
        "Engagements du programme 380 (Fonds vert).",
    ),
    (
        "fonds-vert",
        "source=ADEME&objet=fonds vert,FV",
        "Aides ADEME dont l'objet commence par « fonds vert » ou « FV ».",
    ),
    (
        "relance",
        "source=FINANCIAL_DATA_AE&theme=Plan de relance",
        "Engagements des programmes du thème « Plan de relance ».",
    ),
    (
        "detr",
        "source=FINANCIAL_DATA_AE&referentiel_programmation_libelle=detr",
        "Engagements dont le référentiel de programmation parle de DETR.",
    ),
    (
        "cper:2015-20",
        f"source=FINANCIAL_DATA_AE&cper=oui&annee={_CPER_2015}",
        "Engagements rattachés à un CPER, années 2015 à 2020.",
    ),
    (
        "cper:2021-27",
        f"source=FINANCIAL_DATA_AE&cper=oui&annee={_CPER_2021}",
        "Engagements rattachés à un CPER, années 2021 à 2027.",
    ),
    ("pvd", "dispositif=pvd", "Bénéficiaire ou localisation dans une commune Petites villes de demain."),
    ("acv", "dispositif=acv", "Bénéficiaire ou localisation dans une commune Action cœur de ville."),
    ("cp-orphelin", "source=FINANCIAL_DATA_CP", "Paiements dont l'engagement n'est pas (encore) importé."),
    ("france-2030", "source=FRANCE_2030", "Lauréats de France 2030."),
)


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _line_id() -> sa.Column:
    return sa.Column("id", sa.BigInteger(), server_default=sa.text("nextval('line_id_seq')"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "ref_qpv",
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("label", sa.String()),
        sa.Column("annee_decoupage", sa.Integer(), nullable=False),
        sa.Column("code_commune", sa.String()),
        sa.Column("communes", sa.String()),
        sa.Column("code_departement", sa.String()),
        sa.Column("code_region", sa.String()),
        sa.Column("geometrie", sa.Text()),
        sa.Column("longitude", sa.Float()),
        sa.Column("latitude", sa.Float()),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "commune_dispositif",
        sa.Column("dispositif", sa.String(), nullable=False),
        sa.Column("code_commune", sa.String(), nullable=False),
        sa.Column("identifiant", sa.String()),
        sa.Column("libelle", sa.String()),
        sa.Column("date_signature", sa.Date()),
        sa.PrimaryKeyConstraint("dispositif", "code_commune"),
    )
    op.create_table(
        "siret_qpv",
        sa.Column("siret", sa.String(), nullable=False),
        sa.Column("code_qpv15", sa.String()),
        sa.Column("code_qpv24", sa.String()),
        sa.PrimaryKeyConstraint("siret"),
    )
    op.create_table(
        "aide",
        _line_id(),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("annee", sa.Integer(), nullable=False),
        sa.Column("date_decision", sa.Date()),
        sa.Column("reference", sa.String()),
        sa.Column("siret", sa.String()),
        sa.Column("beneficiaire_nom", sa.String()),
        sa.Column("objet", sa.String()),
        sa.Column("montant", MONTANT, nullable=False),
        sa.Column("operateur", sa.String()),
        sa.Column("code_region", sa.String()),
        sa.Column("code_departement", sa.String()),
        sa.Column("attributs", sa.Text()),
        sa.Column("import_id", sa.BigInteger(), nullable=False),
        sa.Column("ligne_fichier", sa.BigInteger()),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "qpv_lieu_action",
        _line_id(),
        sa.Column("annee", sa.Integer(), nullable=False),
        sa.Column("n_ej", sa.String(), nullable=False),
        sa.Column("code_qpv", sa.String(), nullable=False),
        sa.Column("code_qpv15", sa.String()),
        sa.Column("code_qpv24", sa.String()),
        sa.Column("montant", MONTANT, nullable=False),
        sa.Column("ref_action", sa.String()),
        sa.Column("libelle_action", sa.String()),
        sa.Column("siret", sa.String()),
        sa.Column("import_id", sa.BigInteger(), nullable=False),
        sa.Column("ligne_fichier", sa.BigInteger()),
        sa.PrimaryKeyConstraint("id"),
    )
    op.execute(sa.schema.CreateSequence(sa.Sequence("tag_regle_id_seq")))
    regle = op.create_table(
        "tag_regle",
        sa.Column(
            "id", sa.BigInteger(), server_default=sa.text("nextval('tag_regle_id_seq')"), nullable=False
        ),
        sa.Column("tag", sa.String(), nullable=False),
        sa.Column("parametres", sa.Text(), nullable=False),
        sa.Column("description", sa.String()),
        sa.Column("actif", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("modifie_le", sa.DateTime()),
        sa.Column("modifie_par", sa.String()),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "tag_manuel",
        sa.Column("n_ej", sa.String(), nullable=False),
        sa.Column("n_poste_ej", sa.Integer(), nullable=False),
        sa.Column("tags", sa.String(), nullable=False),
        sa.Column("import_id", sa.BigInteger()),
        sa.PrimaryKeyConstraint("n_ej", "n_poste_ej"),
    )
    now = datetime.now()
    op.bulk_insert(
        regle,
        [
            {
                "tag": t,
                "parametres": p,
                "description": d,
                "actif": True,
                "modifie_le": now,
                "modifie_par": "migration",
            }
            for t, p, d in SEEDED_RULES
        ],
    )
    op.add_column("ligne", sa.Column("partie", sa.SmallInteger(), server_default="0", nullable=False))
    for name in (
        "reference",
        "objet",
        "operateur",
        "beneficiaire_qpv_code",
        "beneficiaire_qpv_label",
        "beneficiaire_qpv24_code",
        "beneficiaire_qpv24_label",
        "lieu_action_qpv_code",
        "lieu_action_qpv_label",
        "qpv_code",
        "qpv_label",
    ):
        op.add_column("ligne", sa.Column(name, sa.String()))
    if _postgresql():  # as in 0001: keys and indexes on PostgreSQL only
        op.drop_constraint("ligne_pkey", "ligne", type_="primary")
        op.create_primary_key("ligne_pkey", "ligne", ["id", "partie"])
        op.create_index("ix_ligne_qpv", "ligne", ["qpv_code"])
        op.create_index("ix_aide_source_annee", "aide", ["source", "annee"])
        op.create_index("ix_qpv_lieu_action_ej", "qpv_lieu_action", ["n_ej"])


def downgrade() -> None:
    if _postgresql():
        op.drop_index("ix_qpv_lieu_action_ej", table_name="qpv_lieu_action")
        op.drop_index("ix_aide_source_annee", table_name="aide")
        op.drop_index("ix_ligne_qpv", table_name="ligne")
        op.drop_constraint("ligne_pkey", "ligne", type_="primary")
        op.execute("DELETE FROM ligne WHERE partie <> 0")
        op.create_primary_key("ligne_pkey", "ligne", ["id"])
    for name in (
        "qpv_label",
        "qpv_code",
        "lieu_action_qpv_label",
        "lieu_action_qpv_code",
        "beneficiaire_qpv24_label",
        "beneficiaire_qpv24_code",
        "beneficiaire_qpv_label",
        "beneficiaire_qpv_code",
        "operateur",
        "objet",
        "reference",
        "partie",
    ):
        op.drop_column("ligne", name)
    for table in (
        "tag_manuel",
        "tag_regle",
        "qpv_lieu_action",
        "aide",
        "siret_qpv",
        "commune_dispositif",
        "ref_qpv",
    ):
        op.drop_table(table)
    op.execute(sa.schema.DropSequence(sa.Sequence("tag_regle_id_seq")))
