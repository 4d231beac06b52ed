"""The open twin of a territory's page: key figures and breakdowns (by source, thème, year,
programme) made ONLY of sums of published cells (query/ouvert.py), so that no withheld cell can be
computed back from them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from dataetat.query.ouvert import AUTRES, AUTRES_LIBELLE, FAMILLES, SANS_PROGRAMME, Cellule

AUTRES_THEME = "Autres (secret statistique)"


@dataclass
class Somme:
    code: Any
    label: str
    count: int = 0
    montant_ae: Decimal = Decimal(0)
    montant_cp: Decimal = Decimal(0)

    def add(self, cell: Cellule) -> None:
        self.count += cell.lignes
        self.montant_ae += cell.montant_ae
        self.montant_cp += cell.montant_cp

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "libelle": self.label,
            "nombre_lignes": self.count,
            "montant_ae": float(self.montant_ae),
            "montant_cp": float(self.montant_cp),
        }


@dataclass
class FicheOuverte:
    total: Somme
    par_source: list[Somme] = field(default_factory=list)
    par_theme: list[Somme] = field(default_factory=list)
    par_annee: list[Somme] = field(default_factory=list)
    par_programme: list[Somme] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "total": self.total.as_dict(),
            **{
                name: [s.as_dict() for s in getattr(self, name)]
                for name in ("par_source", "par_theme", "par_annee", "par_programme")
            },
        }


def _by(cells: list[Cellule], key: Callable[[Cellule], tuple[Any, str]], *, by_code=False) -> list[Somme]:
    sums: dict[Any, Somme] = {}
    for cell in cells:
        code, label = key(cell)
        sums.setdefault(code, Somme(code, label)).add(cell)
    if by_code:
        return [sums[k] for k in sorted(sums)]
    return sorted(sums.values(), key=lambda s: (s.code == AUTRES, -s.montant_ae, str(s.code)))


def _programme(cell: Cellule) -> tuple[str, str]:
    if cell.programme_code == AUTRES:
        return AUTRES, AUTRES_LIBELLE
    if cell.programme_code == SANS_PROGRAMME:
        return SANS_PROGRAMME, "Sans programme (aides des opérateurs)"
    return cell.programme_code, cell.programme_libelle or cell.programme_code


def _theme(cell: Cellule) -> tuple[str, str]:
    if cell.programme_code == AUTRES:
        return AUTRES, AUTRES_THEME
    theme = cell.theme or "Non renseigné"
    return theme, theme


def fiche_ouverte(cells: Iterable[Cellule]) -> FicheOuverte:
    cells = list(cells)
    total = Somme("total", "Total")
    for cell in cells:
        total.add(cell)
    return FicheOuverte(
        total,
        par_source=_by(cells, lambda x: (x.famille, FAMILLES.get(x.famille, x.famille))),
        par_theme=_by(cells, _theme),
        par_annee=_by(cells, lambda x: (x.annee, str(x.annee)), by_code=True),
        par_programme=_by(cells, _programme),
    )


def annees(cells: Iterable[Cellule]) -> list[int]:
    return sorted({c.annee for c in cells})


def par_jeu(cells: Iterable[Cellule]) -> dict[str, list[Cellule]]:
    found: dict[str, list[Cellule]] = defaultdict(list)
    for cell in cells:
        found[cell.jeu].append(cell)
    return found
