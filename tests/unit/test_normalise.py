"""Normalisers of Chorus values (dataetat.model.normalise): pure Polars expressions, no database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import polars as pl
import pytest

from dataetat.model import normalise as n


def _apply(expr_factory, values: list[str | None]) -> list:
    return pl.DataFrame({"v": values}, schema={"v": pl.String}).select(expr_factory("v"))["v"].to_list()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1234.56", Decimal("1234.56")),
        ("22500,12", Decimal("22500.12")),
        ("22 500,12", Decimal("22500.12")),  # plain space as thousands separator
        ("1\u00a0234,5", Decimal("1234.50")),  # no-break space
        ("1\u202f234,50", Decimal("1234.50")),  # narrow no-break space (French typography)
        ("1\u2009234", Decimal("1234.00")),  # thin space
        ("1 234,50 €", Decimal("1234.50")),
        ("€12", Decimal("12.00")),
        ("\u22121 234,5", Decimal("-1234.50")),  # typographic minus
        ("\u2013100", Decimal("-100.00")),  # en dash used as minus
        ("-0,5", Decimal("-0.50")),
        ("12,5-", Decimal("-12.50")),  # SAP trailing minus
        ("100-", Decimal("-100.00")),
        (",5", Decimal("0.50")),
        ("0", Decimal("0.00")),
        ("9999999999999999", Decimal("9999999999999999.00")),
    ],
)
def test_montant_valid(raw, expected):
    assert _apply(n.montant, [raw]) == [expected]


@pytest.mark.parametrize("raw", ["12,3,4", "abc", "1.2.3", "12 EUR", "--5", "1e5", "-", "€", "12-5"])
def test_montant_invalid_gives_null(raw):
    assert _apply(n.montant, [raw]) == [None]


def test_montant_keeps_null():
    assert _apply(n.montant, [None]) == [None]


def test_montant_dtype_is_decimal_18_2():
    out = pl.DataFrame({"v": ["1,5"]}).select(n.montant("v"))
    assert out.schema["v"] == pl.Decimal(18, 2)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("31.12.2023", date(2023, 12, 31)),  # Chorus
        ("08/08/2024", date(2024, 8, 8)),  # AIFE national
        ("2024-09-25", date(2024, 9, 25)),  # daily pipe extracts
        ("29.02.2024", date(2024, 2, 29)),
    ],
)
def test_date_three_forms(raw, expected):
    assert _apply(n.date, [raw]) == [expected]


@pytest.mark.parametrize(
    "raw", ["31.02.2023", "2023/13/45", "29.02.2023", "hier", "2023-13-01", "32/01/2023"]
)
def test_date_invalid_gives_null(raw):
    assert _apply(n.date, [raw]) == [None]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0000000001", 1),
        ("00001", 1),
        ("5", 5),
        ("5.0", 5),
        ("002", 2),
        ("0", 0),
        ("00", 0),
        ("123456789", 123456789),
    ],
)
def test_entier_leading_zeros(raw, expected):
    assert _apply(n.entier, [raw]) == [expected]


@pytest.mark.parametrize("raw", ["abc", "-1", "1.5", "1234567890", "1 2"])
def test_entier_invalid_gives_null(raw):
    assert _apply(n.entier, [raw]) == [None]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0103", "103"),
        ("0354", "354"),
        ("103", "103"),
        ("0216", "216"),
        ("01", "01"),
        ("ABC", "ABC"),
        ("01030", "01030"),
    ],
)
def test_programme(raw, expected):
    assert _apply(n.programme, [raw]) == [expected]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("85129663200017", "85129663200017"),
        ("5129663200017", "05129663200017"),  # a spreadsheet ate the leading zero
        ("851296632", "00000851296632"),
        ("851 296 632 00017", "85129663200017"),
        ("851\u00a0296\u00a0632\u00a000017", "85129663200017"),
    ],
)
def test_siret_padding(raw, expected):
    assert _apply(n.siret, [raw]) == [expected]


@pytest.mark.parametrize("raw", ["ABC", "12345678", "123456789012345", "8512966320001A"])
def test_siret_invalid_gives_null(raw):
    assert _apply(n.siret, [raw]) == [None]


def test_prefixes_removed():
    assert (
        _apply(lambda c: n.sans_prefixe(c, "BG00/"), ["BG00/DREETS0035", "DREETS0035"]) == ["DREETS0035"] * 2
    )
    assert _apply(lambda c: n.sans_prefixe(c, "PCE/"), ["PCE/6522800000"]) == ["6522800000"]


def test_empty_and_hash_are_null():
    assert _apply(n.empty_to_null, ["#", " # ", "", "  ", " x ", None]) == [None, None, None, None, "x", None]


def test_societe_upper():
    assert _apply(n.societe, ["bret", "ADCE"]) == ["BRET", "ADCE"]
