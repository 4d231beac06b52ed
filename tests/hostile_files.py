"""Bad and odd files, written by code, for the import tests and the campaign script (issue 15).

Each generator writes one file and returns its path (and, where it matters, the line of the
problem). `CASES` lists every case as (name, command line arguments after `dataetat import`, the
problem code expected); `write_case(name, folder)` writes the file(s) of a case and returns the
arguments. tests/integration/test_hostile_cli.py runs each through `dataetat import` and checks:
exit 1, a French message naming the file, no traceback, the base unchanged.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from tests.factories import REGIONAL_AE_HEADER, ae_row, preamble, write_ae

# The regional sample (three AE lines of an INF-BUD-53 export, 52,500.12 €).
SAMPLE_ROWS = [("2103105755", 5, "15000"), ("2103105755", 6, '"22 500,12"'), ("2103105756", 1, "15000")]
SAMPLE_TOTAL = Decimal("52500.12")
LABEL = "ATLAS SOUTENIR LES COMPETENCES"
FILLER_ROWS = 1500  # ~300 KB of valid rows: what follows is beyond the first 256 KB


def regional_sample(
    path: Path, *, preamble_extra: str = "", label_extra: str = "", exercice: int | str = 2023
) -> Path:
    """The sample, `preamble_extra` appended to line 2 (« Dernière MàJ des données : »),
    `label_extra` inside the label of the second data row."""
    lines = [*preamble(exercice, "Engagement", 18), REGIONAL_AE_HEADER]
    lines[1] = lines[1].replace(" :", " :" + preamble_extra, 1)
    for i, (ej, poste, montant) in enumerate(SAMPLE_ROWS):
        row = ae_row(ej, poste, montant)
        if i == 1 and label_extra:
            row = row.replace(LABEL, LABEL + label_extra)
        lines.append(row)
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def ae_row_with_label(n_ej: str, label: str, montant: str = "10") -> str:
    return ae_row(n_ej, 1, montant).replace(LABEL, label)


def latin1_file(path: Path) -> Path:
    """A valid file saved in Latin-1 (« Vue détaillée » on line 1)."""
    text = write_ae(path, [ae_row("1", 1, "10")]).read_text("utf-8")
    path.write_bytes(text.encode("latin-1"))
    return path


def _filler(count: int = FILLER_ROWS) -> list[str]:
    return [ae_row(str(3000000000 + i), 1, "1") for i in range(count)]


def blank_lines_then_bad_amount(path: Path) -> Path:
    """Blank lines between rows (lines 10 and 11); the bad amount is on line 12."""
    rows = [ae_row("1", 1, "10"), "", "", ae_row("2", 1, "douze"), ae_row("3", 1, "30")]
    return write_ae(path, rows)


def big_amount(path: Path, *, after_256k: bool = False) -> tuple[Path, int]:
    rows = (_filler() if after_256k else []) + [ae_row("2100000001", 1, "10000000000000000")]
    return write_ae(path, rows), 8 + len(rows)


def sum_overflow(path: Path) -> Path:
    """Two rows of one EJ/poste whose sum does not fit DECIMAL(18, 2) (each one does)."""
    rows = [ae_row("2100000001", 1, "9000000000000000"), ae_row("2100000001", 1, "9000000000000000")]
    return write_ae(path, rows)


def nul_in_label(path: Path, *, after_256k: bool = False) -> tuple[Path, int]:
    rows = (_filler() if after_256k else []) + [ae_row_with_label("2100000001", "ATLAS\x00NUL")]
    return write_ae(path, rows), 8 + len(rows)


def huge_label(path: Path, *, row: int, megabytes: float) -> tuple[Path, int]:
    """A label of `megabytes` MB on data row `row` (1 or 2) of a two-row file."""
    big = ae_row_with_label("2100000002", "X" * int(megabytes * 1024 * 1024))
    rows = [big, ae_row("2100000003", 1, "10")] if row == 1 else [ae_row("2100000003", 1, "10"), big]
    return write_ae(path, rows), 8 + row


# --- other sources ---------------------------------------------------------------------------------

ADEME_HEADER = (
    "Nom de l attribuant,idAttribuant,dateConvention,referenceDecision,nomBeneficiaire,idBeneficiaire,"
    "objet,montant,nature,conditionsVersement,datesPeriodeVersement,idRAE,notificationUE,pourcentageSubvention"
)


def ademe_row(reference: str, montant: str, date: str = "2023-03-01", siret: str = "85129663200017") -> str:
    return (
        f"ADEME,38529030900454,{date},{reference},BENEFICIAIRE,{siret},Objet,{montant},aide en numéraire,"
        "Unique,2023-03-01_2024-03-01,,NON,1"
    )


def write_ademe(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join([ADEME_HEADER, *rows]) + "\n", "utf-8")
    return path


LIEU_HEADER = "annee_exercice,ref_action,ej,code_qpv,code_qpv24,montant_ventillé,libellé action,siret"


def write_lieu_action(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join([LIEU_HEADER, *rows]) + "\n", "utf-8")
    return path


def nested_geojson(path: Path, depth: int = 100_000) -> Path:
    """A GeoJSON whose geometry is nested `depth` levels deep (json.loads recurses)."""
    coordinates = "[" * depth + "]" * depth
    path.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"code_qp": "QP001"}, '
        f'"geometry": {{"type": "Polygon", "coordinates": {coordinates}}}}}]}}'
    )
    return path


def zip_bomb(path: Path, megabytes: int = 1024) -> Path:
    """A shapefile .zip whose .shp unpacks to `megabytes` MB of zeros (a few MB compressed)."""
    block = b"\x00" * (1 << 20)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        with z.open("qpv.shp", "w", force_zip64=True) as f:
            for _ in range(megabytes):
                f.write(block)
        z.writestr("qpv.dbf", b"\x03" + b"\x00" * 31)
        z.writestr("qpv.shx", b"\x00" * 100)
    return path


def tags_file(path: Path, tag: str) -> Path:
    path.write_text(f"n_ej,n_poste_ej,tags\n2103105755,5,{tag}\n", "utf-8")
    return path


# --- the campaign: every case through `dataetat import` --------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    write: Callable[[Path], list[str]]  # writes its file(s) in a folder, returns the CLI arguments
    code: str  # the problem code the refusal must name
    text: str | None = None  # a part of the French message (default: the fixed part of the code's)


def _chorus(make: Callable[[Path], Path | tuple[Path, int]], *options: str) -> Callable[[Path], list[str]]:
    def write(folder: Path) -> list[str]:
        made = make(folder)
        path = made[0] if isinstance(made, tuple) else made
        return ["chorus", str(path), *options]

    return write


def _source(kind: str, make: Callable[[Path], Path]) -> Callable[[Path], list[str]]:
    return lambda folder: [kind, str(make(folder))]


def _bytes(name: str, data: bytes) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(data)
        return path

    return make


CASES: list[Case] = [
    Case("vide", _chorus(_bytes("vide.csv", b""), "--region", "53"), "fichier-vide"),
    Case("pdf", _chorus(_bytes("doc.csv", b"%PDF-1.4\n%\xe2\xe3\n"), "--region", "53"), "fichier-non-texte"),
    Case("latin1", _chorus(lambda f: latin1_file(f / "latin1.csv"), "--region", "53"), "encodage-invalide"),
    Case(
        "montant_17_chiffres_apres_256k",
        _chorus(lambda f: big_amount(f / "gros.csv", after_256k=True), "--region", "53"),
        "montant-trop-grand",
    ),
    Case(
        "somme_ej_poste_deborde",
        _chorus(lambda f: sum_overflow(f / "somme.csv"), "--region", "53"),
        "somme-trop-grande",
    ),
    Case(
        "nul_apres_256k",
        _chorus(lambda f: nul_in_label(f / "nul.csv", after_256k=True), "--region", "53"),
        "caractere-nul",
    ),
    Case(
        "lignes_vides_montant_ligne_12",
        _chorus(lambda f: blank_lines_then_bad_amount(f / "blancs.csv"), "--region", "53"),
        "montant-invalide",
    ),
    Case(
        "annee_2999",
        _chorus(lambda f: write_ae(f / "a.csv", [ae_row("1", 1, "10")]), "--region", "53", "--annee", "2999"),
        "annee-hors-limites",
    ),
    Case(
        "annee_0",
        _chorus(lambda f: write_ae(f / "a.csv", [ae_row("1", 1, "10")]), "--region", "53", "--annee", "0"),
        "annee-hors-limites",
    ),
    Case(
        "annee_moins_5",
        _chorus(lambda f: write_ae(f / "a.csv", [ae_row("1", 1, "10")]), "--region", "53", "--annee=-5"),
        "annee-hors-limites",
    ),
    Case(
        "exercice_preambule_2999",
        _chorus(lambda f: write_ae(f / "a.csv", [ae_row("1", 1, "10")], exercice=2999), "--region", "53"),
        "annee-hors-limites",
    ),
    Case(
        "region_99",
        _chorus(lambda f: write_ae(f / "a.csv", [ae_row("1", 1, "10")]), "--region", "99"),
        "region-invalide",
    ),
    Case(
        "region_injection_sql",
        _chorus(
            lambda f: write_ae(f / "a.csv", [ae_row("1", 1, "10")]), "--region", "'; DROP TABLE ligne;--"
        ),
        "region-invalide",
    ),
    Case(
        "montant_trois_decimales",
        _chorus(lambda f: write_ae(f / "a.csv", [ae_row("1", 1, '"1,005"')]), "--region", "53"),
        "montant-decimales",
    ),
    Case(
        "libelle_2_mo_ligne_2",
        _chorus(lambda f: huge_label(f / "long.csv", row=2, megabytes=2), "--region", "53"),
        "ligne-trop-longue",
    ),
    Case(
        "libelle_9_mo_ligne_1",
        _chorus(lambda f: huge_label(f / "long.csv", row=1, megabytes=9), "--region", "53"),
        "ligne-trop-longue",
    ),
    Case(
        "ademe_montant_17_chiffres",
        _source("ademe", lambda f: write_ademe(f / "ademe.csv", [ademe_row("R1", "10000000000000000")])),
        "montant-trop-grand",
    ),
    Case(
        "ademe_somme_deborde",
        _source(
            "ademe",
            lambda f: write_ademe(
                f / "ademe.csv", [ademe_row("R1", "9000000000000000"), ademe_row("R2", "9000000000000000")]
            ),
        ),
        "somme-trop-grande",
    ),
    Case(
        "ademe_annee_3000",
        _source("ademe", lambda f: write_ademe(f / "ademe.csv", [ademe_row("R1", "10", date="3000-01-01")])),
        "annee-hors-limites",
    ),
    Case(
        "lieu_action_annee_texte",
        _source(
            "qpv-lieu-action",
            lambda f: write_lieu_action(f / "lieu.csv", ["deux mille,A1,2103105755,QN05301M,,100,Action,"]),
        ),
        "entier-invalide",
    ),
    Case(
        "geojson_imbrique",
        _source("qpv", lambda f: nested_geojson(f / "qpv.geojson")),
        "imbrication-trop-profonde",
        "imbriquées",
    ),
    Case(
        "shapefile_bombe",
        _source("qpv", lambda f: zip_bomb(f / "qpv.zip")),
        "fichier-trop-gros",
        "Archive refusée",
    ),
    Case(
        "etiquette_script",
        _source("tags", lambda f: tags_file(f / "tags.csv", "<script>alert(1)</script>")),
        "tag-invalide",
    ),
]


def write_case(name: str, folder: Path) -> list[str]:
    """Write the file(s) of case `name` in `folder`; returns the arguments after `dataetat import`."""
    folder.mkdir(parents=True, exist_ok=True)
    return next(c for c in CASES if c.name == name).write(folder)
