"""Deterministic, realistic demo data: a region's Chorus INF-BUD-53 AE/CP files (one per exercice)
and the SIRENE extracts of every payee, drawn from the bundled referentials.

`generate(lignes, out_dir)` is the entry point; same arguments → byte-identical files.
"""

from dataetat.demo.generator import GeneratedFiles, generate

__all__ = ["GeneratedFiles", "generate"]
