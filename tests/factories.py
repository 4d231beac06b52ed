"""Small Chorus files written by code, in the real formats (see tests/data/ for golden bad files)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import TEST_DATA

from dataetat.demo.chorus_format import AE_HEADER, CP_HEADER

# The INF-BUD-53 header lines, as the demo generator writes them (checked against the real samples
# in tests/unit/test_generator.py).
REGIONAL_AE_HEADER = ",".join(AE_HEADER)
REGIONAL_CP_HEADER = ",".join(CP_HEADER)


def preamble(exercice: int | str, measure: str, width: int) -> list[str]:
    pad = "," * (width - 2)
    return [
        "INF-BUD-53 : Pilotage de la gestion - Vue détaillée" + "," * (width - 1),
        "Dernière MàJ des données :" + "," * (width - 1),
        "03.02.2024 05:32:09" + "," * (width - 1),
        "Affichage :" + "," * (width - 1),
        '"Pour ajuster la zone filtre, faites glisser les caractéristiques."' + "," * (width - 1),
        pad + f",Exercice comptable,{exercice}",
        "," * (width - 1) + measure,
    ]


def ae_row(
    n_ej: str,
    poste: int | str,
    montant: str,
    *,
    programme: str = "103",
    siret: str = "85129663200017",
    loc: str = "N5335238",
    date: str = "10.01.2023",
    domaine: str = "0103-01-01",
    centre: str = "DREETS0035",
    ref_prog: str = "010300000108",
) -> str:
    return (
        f"{programme},{domaine},BG00/{centre},BG00/{ref_prog},{n_ej},{date},{poste},{date},1001465507,"
        f"ATLAS SOUTENIR LES COMPETENCES,{siret},PCE/6522800000,Transferts aux entre,09.02.01,#,Non affecté,{loc},"
        f"{montant}"
    )


def cp_row(
    n_ej: str,
    poste: int | str,
    n_dp: str,
    montant: str,
    *,
    siret: str = "85129663200017",
    loc: str = "N5335238",
) -> str:
    return (
        f"103,0103-01-01,BG00/DREETS0035,BG00/010300000108,{n_ej},{poste},{n_dp},31.12.2022,25.01.2023,#,#,"
        f"1001477845,ATLAS,{siret},PCE/6512300000,Transferts aux ménag,#,#,Non affecté,{loc},{montant}"
    )


def write_ae(path: Path, rows: list[str], exercice: int | str = 2023) -> Path:
    path.write_text(
        "\n".join([*preamble(exercice, "Engagement", 18), REGIONAL_AE_HEADER, *rows]) + "\n", "utf-8"
    )
    return path


def write_cp(path: Path, rows: list[str], exercice: int | str = 2023) -> Path:
    path.write_text(
        "\n".join([*preamble(exercice, "Montant payé", 21), REGIONAL_CP_HEADER, *rows]) + "\n", "utf-8"
    )
    return path


AIFE_AE_HEADER = (TEST_DATA / "chorus" / "national" / "aife_ae.csv").read_text("utf-8").splitlines()[0]


def aife_ae_row(
    n_ej: str, poste: int, montant: str, societe: str = "BRET", fournisseur: str = "FOURNISSEUR"
) -> str:
    """A line of the national AIFE engagements extract (24 columns, `";"`-separated)."""
    cells = [
        "0103",
        "0103-01-01",
        "DREETS0035",
        "010300000108",
        n_ej,
        "10/01/2023",
        str(poste),
        "10/01/2023",
        "1001465507",
        fournisseur,
        "85129663200017",
        "6522800000",
        "64",
        "09.02.01",
        "",
        "N5335238",
        montant,
        "0103-DR53",
        "",
        "",
        "",
        "",
        "",
        societe,
    ]
    assert len(cells) == 24
    return '"' + '";"'.join(cells) + '"'


def write_aife_ae(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join([AIFE_AE_HEADER, *rows]) + "\n", "utf-8")
    return path


def snapshot(engine) -> dict:
    """Counts and sums of every table an import writes (to prove a refused import wrote nothing)."""
    queries = {
        "ligne": "SELECT COUNT(*), COALESCE(SUM(montant_ae), 0), COALESCE(SUM(montant_cp), 0), COALESCE(SUM(id), 0) FROM ligne",
        "ae_annee": "SELECT COUNT(*), COALESCE(SUM(montant), 0) FROM ae_annee",
        "cp": "SELECT COUNT(*), COALESCE(SUM(montant), 0) FROM cp",
        "engagement": "SELECT COUNT(*), COALESCE(SUM(id), 0) FROM engagement",
        "import_fichier": "SELECT COUNT(*) FROM import_fichier",
    }
    with engine.connect() as conn:
        return {name: tuple(conn.exec_driver_sql(sql).one()) for name, sql in queries.items()}


def import_two_regions(engine, folder: Path):
    """Région 53, 2023: EJ 100 (1,000 €, two payments 300 + 200) and EJ 101 (50 €), an orphan CP
    (7 €); région 52, 2022: EJ 200 (9 €). Imported through the real importer; returns `engine`."""
    from dataetat.store.chorus_import import ImportOptions, import_chorus

    ae = write_ae(folder / "ae53.csv", [ae_row("100", 1, "1000"), ae_row("101", 1, "50")], exercice=2023)
    cp = write_cp(
        folder / "cp53.csv",
        [cp_row("100", 1, "900", "300"), cp_row("100", 1, "901", "200"), cp_row("#", "#", "902", "7")],
        exercice=2023,
    )
    assert import_chorus(engine, [ae, cp], ImportOptions(region="53")).written
    ae52 = write_ae(folder / "ae52.csv", [ae_row("200", 1, "9")], exercice=2022)
    assert import_chorus(engine, [ae52], ImportOptions(region="52")).written
    return engine
