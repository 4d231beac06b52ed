"""The French formats of amounts, numbers and shares (model/format_fr.py), shared by the pages, the
reports and the CLI: narrow no-break spaces, decimal comma, exact Decimals."""

from decimal import Decimal

import pytest

from dataetat.model.format_fr import euros, nombre, pourcent

NNBSP = "\u202f"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (1234567.8, f"1{NNBSP}234{NNBSP}567,80{NNBSP}€"),
        (Decimal("52500.12"), f"52{NNBSP}500,12{NNBSP}€"),
        ("1502.5", f"1{NNBSP}502,50{NNBSP}€"),  # a sum stored as text (audit details)
        (0, f"0,00{NNBSP}€"),
        (-42, f"-42,00{NNBSP}€"),
        (Decimal("9999999999999999.99"), f"9{NNBSP}999{NNBSP}999{NNBSP}999{NNBSP}999{NNBSP}999,99{NNBSP}€"),
        (None, "Non renseigné"),
    ],
)
def test_euros_are_exact_with_cents(value, shown):
    assert euros(value) == shown


def test_euros_without_zero_cents():
    assert euros(12000, centimes_nuls=False) == f"12{NNBSP}000{NNBSP}€"
    assert euros(12000.5, centimes_nuls=False) == f"12{NNBSP}000,50{NNBSP}€"


def test_numbers_and_shares():
    assert nombre(1234567) == f"1{NNBSP}234{NNBSP}567"
    assert pourcent(0.1234) == f"12,3{NNBSP}%"
    assert pourcent(Decimal("0.5"), digits=0) == f"50{NNBSP}%"
    assert nombre(None) == pourcent(None) == "Non renseigné"
