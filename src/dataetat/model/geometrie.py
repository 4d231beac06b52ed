"""Point in a GeoJSON polygon (WGS84), pure Python: the QPV of an établissement from its coordinates.

    zones = Zones([(code, geojson_geometry_dict), ...])
    zones.containing(longitude, latitude) -> [code, ...]

Ray casting over each ring (holes subtract), after a bounding-box test; enough for ~1,600 QPV
contours and thousands of points a minute.
"""

from __future__ import annotations

from typing import Any


def _in_ring(x: float, y: float, ring: list) -> bool:
    inside = False
    n = len(ring)
    for i in range(n):
        x1, y1 = ring[i][0], ring[i][1]
        x2, y2 = ring[i - 1][0], ring[i - 1][1]
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


def _polygons(geometry: dict[str, Any]) -> list[list]:
    kind = geometry.get("type")
    if kind == "Polygon":
        return [geometry["coordinates"]]
    if kind == "MultiPolygon":
        return list(geometry["coordinates"])
    return []


def contains(geometry: dict[str, Any], x: float, y: float) -> bool:
    for rings in _polygons(geometry):
        if rings and _in_ring(x, y, rings[0]) and not any(_in_ring(x, y, hole) for hole in rings[1:]):
            return True
    return False


class Zones:
    def __init__(self, zones: list[tuple[str, dict[str, Any]]]) -> None:
        self._zones = []
        for code, geometry in zones:
            points = [p for rings in _polygons(geometry) for ring in rings for p in ring]
            if points:
                xs, ys = [p[0] for p in points], [p[1] for p in points]
                self._zones.append((code, geometry, (min(xs), min(ys), max(xs), max(ys))))

    def __len__(self) -> int:
        return len(self._zones)

    def containing(self, x: float, y: float) -> list[str]:
        return [
            code
            for code, geometry, (x0, y0, x1, y1) in self._zones
            if x0 <= x <= x1 and y0 <= y <= y1 and contains(geometry, x, y)
        ]
