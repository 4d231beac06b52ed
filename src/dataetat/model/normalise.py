"""Normalisers of Chorus values, as Polars expressions (vectorised, one pass per column).

Each function takes the raw text column (Utf8, already stripped and with `#`/"" turned into null by
`empty_to_null`) and returns the normalised column. A value that cannot be normalised becomes null;
the validator compares raw and normalised columns to report it.
"""

from __future__ import annotations

import polars as pl

# Characters Chorus and spreadsheets put inside amounts: spaces of every kind and the euro sign.
_AMOUNT_NOISE = r"[\s\u00a0\u202f\u2009\u2007€]"
# Typographic minus signs and dashes that mean "minus" in an amount.
_MINUS_SIGNS = r"[\u2212\u2013\u2014\u2012\u2010]"


# Control characters (C0 but tab and newline, DEL, C1): never meaningful in a label, refused by
# spreadsheets (openpyxl) and, for NUL, by PostgreSQL. Replaced by a space, reported.
CONTROL = r"[\x00-\x08\x0b-\x1f\x7f-\x9f]"


def with_control_characters(frame: pl.DataFrame, columns: list[str]) -> list[str]:
    """The columns of `frame` where some value holds a control character (one pass)."""
    if not columns or frame.height == 0:
        return []
    found = frame.select(pl.col(c).str.contains(CONTROL).any() for c in columns).row(0)
    return [c for c, hit in zip(columns, found, strict=True) if hit]


def control_flags(columns: list[str]) -> list[pl.Expr]:
    """`{col}__ctl` (a control character) and `{col}__nul` (a NUL byte) for each column."""
    return [
        e
        for c in columns
        for e in (
            pl.col(c).str.contains(CONTROL).fill_null(False).alias(f"{c}__ctl"),
            pl.col(c).str.contains("\x00", literal=True).fill_null(False).alias(f"{c}__nul"),
        )
    ]


def without_control_characters(col: str) -> pl.Expr:
    return pl.col(col).str.replace_all(CONTROL, " ").alias(col)


def empty_to_null(col: str) -> pl.Expr:
    """Strip spaces; `#` (Chorus' "not assigned") and empty become null.

    Stripping allocates a new string, so only padded values are stripped (10× faster on real files)."""
    c = pl.col(col)
    padded = c.str.starts_with(" ") | c.str.ends_with(" ") | c.str.starts_with("\t") | c.str.ends_with("\t")
    text = pl.when(padded).then(c.str.strip_chars()).otherwise(c)
    return pl.when((text == "") | (text == "#")).then(None).otherwise(text).alias(col)


def montant_texte(col: str) -> pl.Expr:
    """The amount's text without noise: '22 500,12 €' → '22500.12', '12,5-' → '-12.5'."""
    text = (
        pl.col(col)
        .str.replace_all(_AMOUNT_NOISE, "")
        .str.replace_all(_MINUS_SIGNS, "-")
        .str.replace(",", ".", literal=True)
    )
    # SAP writes negative numbers with a trailing minus.
    return pl.when(text.str.ends_with("-")).then(pl.lit("-") + text.str.strip_chars_end("-")).otherwise(text)


# An amount fits DECIMAL(18, 2): at most 16 digits before the decimal point, cents at most.
_SYNTAX = r"^-?(\d+(\.\d*)?|\.\d+)$"
_TOO_BIG = r"^-?0*[1-9]\d{16}"
_BELOW_CENT = r"\.\d{2}\d*[1-9]"


def montant_probleme(col: str) -> pl.Expr:
    """Why a present amount is refused (a problem code), null when it is fine or absent."""
    text = montant_texte(col)
    return (
        pl.when(pl.col(col).is_null())
        .then(None)
        .when(~text.str.contains(_SYNTAX))
        .then(pl.lit("montant-invalide"))
        .when(text.str.contains(_TOO_BIG))
        .then(pl.lit("montant-trop-grand"))
        .when(text.str.contains(_BELOW_CENT))
        .then(pl.lit("montant-decimales"))
        .otherwise(None)
    )


def montant(col: str) -> pl.Expr:
    """'22 500,12 €', '−1 234,5', '1234.56', '12,5-' → Decimal(18, 2); anything else (not a number,
    17 digits or more before the point, a fraction of a cent) → null."""
    text = montant_texte(col)
    ok = montant_probleme(col).is_null()
    return pl.when(ok).then(text.str.to_decimal(scale=2)).otherwise(None).cast(pl.Decimal(18, 2)).alias(col)


def date(col: str) -> pl.Expr:
    """dd.mm.yyyy, dd/mm/yyyy or yyyy-mm-dd → Date; anything else → null."""
    c = pl.col(col)
    return pl.coalesce(
        c.str.strptime(pl.Date, "%d.%m.%Y", strict=False),
        c.str.strptime(pl.Date, "%d/%m/%Y", strict=False),
        c.str.strptime(pl.Date, "%Y-%m-%d", strict=False),
    ).alias(col)


def entier(col: str) -> pl.Expr:
    """'0000000001', '5', '5.0' → 1, 5, 5; anything else → null."""
    text = pl.col(col).str.replace(r"\.0+$", "").str.replace(r"^0+(\d)", "$1")
    return pl.when(text.str.contains(r"^\d{1,9}$")).then(text.cast(pl.Int32, strict=False)).alias(col)


def programme(col: str) -> pl.Expr:
    """'0103' → '103' (national files carry a leading zero); other codes kept as they are."""
    c = pl.col(col)
    return pl.when(c.str.contains(r"^0\d{3}$")).then(c.str.slice(1)).otherwise(c).alias(col)


def sans_prefixe(col: str, prefix: str) -> pl.Expr:
    """'BG00/DREETS0035' → 'DREETS0035', 'PCE/6522800000' → '6522800000'."""
    return pl.col(col).str.strip_prefix(prefix).alias(col)


def siret(col: str) -> pl.Expr:
    """14 digits, left-padded with zeros when a spreadsheet ate them; anything else → null."""
    digits = pl.col(col).str.replace_all(r"[\s\u00a0]", "")
    ok = digits.str.contains(r"^\d{9,14}$")
    return pl.when(ok).then(digits.str.zfill(14)).otherwise(None).alias(col)


def societe(col: str) -> pl.Expr:
    return pl.col(col).str.to_uppercase().alias(col)
