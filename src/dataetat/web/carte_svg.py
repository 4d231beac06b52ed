"""A map of the départements drawn on the server as SVG paths (no script, no tiles): the contours of
static/geo/departements.json (overseas départements already placed as insets) projected once per
process — for small thematic maps such as the DECP coverage, with a table beside them."""

from __future__ import annotations

import json
import math
from functools import cache

from dataetat.web.geo import GEO

LARGEUR = 600


@cache
def departements() -> tuple[tuple[str, str, str], ...]:
    """(code, nom, SVG path) of every département, in a LARGEUR-wide frame (`hauteur()` high)."""
    data = json.loads((GEO / "departements.json").read_text("utf-8"))
    rings = [
        (f["properties"]["code"], f["properties"]["nom"], _polygons(f["geometry"])) for f in data["features"]
    ]
    lon = [p[0] for _, _, polys in rings for ring in polys for p in ring]
    lat = [p[1] for _, _, polys in rings for ring in polys for p in ring]
    k = math.cos(math.radians((min(lat) + max(lat)) / 2))
    scale = LARGEUR / ((max(lon) - min(lon)) * k)
    x0, y1 = min(lon), max(lat)
    out = []
    for code, nom, polys in rings:
        d = " ".join(
            "M" + "L".join(f"{(x - x0) * k * scale:.1f},{(y1 - y) * scale:.1f}" for x, y in ring) + "Z"
            for ring in polys
        )
        out.append((code, nom, d))
    _HAUTEUR[0] = (max(lat) - min(lat)) * scale
    return tuple(out)


_HAUTEUR = [0.0]


def hauteur() -> int:
    departements()
    return math.ceil(_HAUTEUR[0])


def _polygons(geometry: dict) -> list[list[list[float]]]:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"][0]]
    return [poly[0] for poly in geometry["coordinates"]]
