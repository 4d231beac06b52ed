"""French formats of amounts, numbers and shares (fr-FR: narrow no-break space, decimal comma), one
place for the pages, the API's messages, the import and validation reports and the CLI. The browser's
twin is static/app/formats.js."""

from __future__ import annotations

from decimal import Decimal

NNBSP = "\u202f"  # narrow no-break space: thousands separator, and before « € » and « % »
NON_RENSEIGNE = "Non renseigné"


def euros(value: float | Decimal | str | None, *, centimes_nuls: bool = True) -> str:
    """An exact amount, with its cents: 1234567.8 → « 1 234 567,80 € »; None → « Non renseigné ».
    `centimes_nuls=False` leaves out « ,00 » (12000 → « 12 000 € »: the DECP validation's thresholds).
    A Decimal is written as is (no float: 9 999 999 999 999 999,99 stays exact)."""
    if value is None:
        return NON_RENSEIGNE
    if isinstance(value, str):
        value = Decimal(value)
    text = f"{value:,.2f}".replace(",", NNBSP).replace(".", ",")
    if not centimes_nuls:
        text = text.removesuffix(",00")
    return f"{text}{NNBSP}€"


def nombre(value: int | float | None) -> str:
    """12345 → « 12 345 »; None → « Non renseigné »."""
    if value is None:
        return NON_RENSEIGNE
    return f"{value:,}".replace(",", NNBSP)


def pourcent(share: float | Decimal | None, digits: int = 1) -> str:
    """0.1234 → « 12,3 % »; None → « Non renseigné »."""
    if share is None:
        return NON_RENSEIGNE
    return f"{100 * float(share):.{digits}f}".replace(".", ",") + f"{NNBSP}%"
