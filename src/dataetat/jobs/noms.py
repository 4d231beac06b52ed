"""Names of uploaded files: as shown to the user, and as saved on disk or in the store."""

from __future__ import annotations

import re

_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def display_name(filename: str, field: str) -> str:
    """The name the user gave the file, as shown in the report (escaped by the templates): without
    a Windows path (old browsers send `C:\\…\\name.csv`) nor control characters."""
    name = _CONTROL.sub("", filename.rsplit("\\", 1)[-1]).strip()
    return name[-200:] or f"fichier-{field}.csv"


def safe_name(filename: str, field: str) -> str:
    """The name on disk: the displayed name without characters a file system refuses (`/` too:
    « ademe<i>x</i>.csv » is saved as « ademe_i_x__i_.csv », and still shown as it was sent)."""
    name = _UNSAFE.sub("_", display_name(filename, field)).strip(" .")
    return name[-200:] or f"fichier-{field}.csv"
