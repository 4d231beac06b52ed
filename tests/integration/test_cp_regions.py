"""Which AE line a payment (CP) joins when the same EJ numbers exist in several régions (issue 15
item 3), on DuckDB and PostgreSQL: a REGION CP joins the line of its own région only; a NATION CP
joins NATION's AE (its région's first, else another région's), else the REGION AE of its région;
NATION's CP win on a line. National Σ CP equals the Σ of the imported CP files, each région sees
only its own payments, and importing one région never changes another région's lines."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from tests.factories import ae_row, aife_ae_row, cp_row, write_ae, write_aife_ae, write_cp

from dataetat.query import details
from dataetat.store.chorus_import import ImportOptions, import_chorus

D = Decimal
AE = "FINANCIAL_DATA_AE"
CP = "FINANCIAL_DATA_CP"

# The AIFE national payments extract (26 columns, `";"`), header as in the real files.
AIFE_CP_HEADER = (
    '"'
    + '";"'.join(
        [
            "Centre financier - Programme (Clé)",
            "Domaine fonctionnel - Clé",
            "Centre de coûts - Clé (non composée)",
            "Référentiel de programmation - Clé (non composée)",
            "N° EJ",
            "N° poste EJ",
            "N° DP - Clé (non composée)",
            "Date de base de la DP",
            "Date de dernière opération sur la DP",
            "Fournisseur payé (DP) - Clé",
            "Fournisseur payé (DP)",
            "Fournisseur payé (DP) - Code taxe 1 (Clé)",
            "Compte général - Clé (non composée)",
            "Compte budgétaire - Clé (non composée)",
            "Groupe de marchandises - Clé",
            "Contrat de projet Etat-Region - Clé",
            "Localisation interministérielle - Clé",
            "Montant payé (EUR)",
            "Exercice comptable - Clé (non composée)",
            "N° poste DP",
            "Centre financier - Programme (Clé)",
            "Tranche fonctionnelle - Clé (non composée)",
            "Fonds - Clé (non composée)",
            "Projet analytique ministériel - Clé",
            "Société - Clé",
            "Type de pièce - Clé",
        ]
    )
    + '"'
)


def aife_cp_row(n_ej: str, poste: int, n_dp: str, montant: str, societe: str) -> str:
    cells = [
        "0103", "0103-01-01", "DREETS0035", "010300000108", n_ej, str(poste), n_dp, "09/08/2023",
        "09/08/2023", "1000972118", "FOURNISSEUR", "85129663200017", "6541100000", "64", "12.01.01", "",
        "N5335238", montant, "2023", "1", "0103", "", "", "", societe, "RE",
    ]  # fmt: skip
    return '"' + '";"'.join(cells) + '"'


def ok(engine, paths: list[Path], **options):
    result = import_chorus(engine, paths, ImportOptions(**options))
    assert result.written, [p.describe() for r in result.reports for p in r.errors]
    return result


def lines(engine, where: str = "1 = 1") -> list[tuple]:
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.exec_driver_sql(
                "SELECT source, data_source, source_region, n_ej, n_dp, montant_ae, montant_cp, nombre_cp "
                f"FROM ligne WHERE {where} ORDER BY source_region, n_ej, n_poste_ej, n_dp"
            )
        ]


def total_cp(engine) -> Decimal:
    with engine.connect() as conn:
        return conn.exec_driver_sql("SELECT COALESCE(SUM(montant_cp), 0) FROM ligne").scalar()


def region_files(folder: Path, region: str, scale: int) -> list[Path]:
    """Same EJ numbers in every région, amounts of this région: EJ 1 paid twice, EJ 2 paid once
    (its AE only in région 53), EJ 3 without AE anywhere, an orphan without EJ."""
    ae = [ae_row("1", 1, str(100 * scale))]
    if region == "53":
        ae.append(ae_row("2", 1, str(1000 * scale)))
    cp = [
        cp_row("1", 1, f"{region}01", str(10 * scale)),
        cp_row("1", 1, f"{region}02", str(1 * scale)),
        cp_row("2", 1, f"{region}03", str(7 * scale)),
        cp_row("3", 1, f"{region}04", str(3 * scale)),
        cp_row("#", "#", f"{region}05", str(5 * scale)),
    ]
    return [
        write_ae(folder / f"ae{region}.csv", ae),
        write_cp(folder / f"cp{region}.csv", cp),
    ]


def test_same_ej_in_two_regions_each_region_keeps_its_own_payments(engine, tmp_path):
    ok(engine, region_files(tmp_path, "52", 1), region="52")
    only_52 = lines(engine)
    assert only_52 == [
        (AE, "REGION", "52", "1", None, D("100.00"), D("11.00"), 2),
        (CP, "REGION", "52", "2", "5203", D("0.00"), D("7.00"), 1),
        (CP, "REGION", "52", "3", "5204", D("0.00"), D("3.00"), 1),
        (CP, "REGION", "52", None, "5205", D("0.00"), D("5.00"), 1),
    ]
    ok(engine, region_files(tmp_path, "53", 2), region="53")
    # Importing 53 (whose AE of EJ 2 matches 52's orphan payment) changes nothing of 52's lines.
    assert lines(engine, "source_region = '52'") == only_52
    assert lines(engine, "source_region = '53'") == [
        (AE, "REGION", "53", "1", None, D("200.00"), D("22.00"), 2),
        (AE, "REGION", "53", "2", None, D("2000.00"), D("14.00"), 1),
        (CP, "REGION", "53", "3", "5304", D("0.00"), D("6.00"), 1),
        (CP, "REGION", "53", None, "5305", D("0.00"), D("10.00"), 1),
    ]
    # National Σ CP = Σ of the two CP files (26 + 52), nothing counted twice or lost.
    assert total_cp(engine) == D("78.00")
    # Re-importing 52 does not touch 53's lines either.
    before_53 = lines(engine, "source_region = '53'")
    ok(engine, region_files(tmp_path, "52", 1), region="52")
    assert lines(engine, "source_region = '53'") == before_53
    assert total_cp(engine) == D("78.00")


def test_line_payments_and_files_are_those_of_its_region(engine, tmp_path):
    ok(engine, region_files(tmp_path, "52", 1), region="52")
    ok(engine, region_files(tmp_path, "53", 2), region="53")
    with engine.connect() as conn:
        ids = dict(
            conn.exec_driver_sql(
                "SELECT source_region, id FROM ligne WHERE n_ej = '1' AND source = 'FINANCIAL_DATA_AE'"
            ).all()
        )
        paid_52 = details.payments(conn, ids["52"], "52")
        assert sorted(p["n_dp"] for p in paid_52) == ["5201", "5202"]
        assert sorted(p["n_dp"] for p in details.payments(conn, ids["53"], None)) == ["5301", "5302"]
        assert details.payments(conn, ids["53"], "52") is None  # another région's line: not found
        files_52 = details.sources(conn, ids["52"], "52")
        assert sorted(f["filename"] for f in files_52) == ["ae52.csv", "cp52.csv"]
        assert {f["source_region"] for f in files_52} == {"52"}


def test_nation_payments_win_and_may_cross_regions(engine, tmp_path):
    """A NATION CP whose société is another région's still joins NATION's AE line (real national
    extracts put an EJ under one société and its payments under another); NATION's CP replace the
    REGION CP of that line, which are the same payments seen by the two feeds."""
    ok(engine, [write_ae(tmp_path / "ae53.csv", [ae_row("1", 1, "100")])], region="53")
    ok(engine, [write_cp(tmp_path / "cp53.csv", [cp_row("1", 1, "R1", "10")])], region="53")
    assert lines(engine) == [(AE, "REGION", "53", "1", None, D("100.00"), D("10.00"), 1)]
    national = tmp_path / "aife_cp.csv"
    national.write_text(
        "\n".join([AIFE_CP_HEADER, aife_cp_row("1", 1, "N1", "12,5", "ADCE")]) + "\n", "utf-8"
    )
    ok(engine, [national])
    # The NATION CP (société ADCE → région 00) has no NATION AE: it does not join 53's REGION line.
    assert lines(engine) == [
        (CP, "NATION", "00", "1", "N1", D("0.00"), D("12.50"), 1),
        (AE, "REGION", "53", "1", None, D("100.00"), D("10.00"), 1),
    ]
    # Once NATION holds the AE (société BRET → 53), the NATION CP joins it from région 00 and
    # replaces the REGION CP of 53 (the same payment, seen by the two feeds).
    ok(engine, [write_aife_ae(tmp_path / "aife_ae.csv", [aife_ae_row("1", 1, "100")])], annee=2023)
    assert lines(engine) == [(AE, "NATION", "53", "1", None, D("100.00"), D("12.50"), 1)]
    assert total_cp(engine) == D("12.50")


def test_region_payment_never_joins_another_regions_line(engine, tmp_path):
    ok(engine, [write_ae(tmp_path / "ae53.csv", [ae_row("9", 1, "100")])], region="53")
    before = lines(engine)
    ok(engine, [write_cp(tmp_path / "cp52.csv", [cp_row("9", 1, "X1", "40")])], region="52")
    assert lines(engine, "source_region = '53'") == before
    assert lines(engine, "source_region = '52'") == [
        (CP, "REGION", "52", "9", "X1", D("0.00"), D("40.00"), 1)
    ]
