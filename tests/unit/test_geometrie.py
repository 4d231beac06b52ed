"""Point in a GeoJSON polygon: the QPV of an établissement from its coordinates."""

from dataetat.model.geometrie import Zones, contains

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]], [[1, 1], [2, 1], [2, 2], [1, 2], [1, 1]]],
}
MULTI = {"type": "MultiPolygon", "coordinates": [[[[10, 10], [11, 10], [11, 11], [10, 11], [10, 10]]]]}


def test_polygon_with_a_hole_and_multipolygon():
    assert contains(SQUARE, 3, 3) and not contains(SQUARE, 1.5, 1.5) and not contains(SQUARE, 5, 1)
    assert contains(MULTI, 10.5, 10.5) and not contains(MULTI, 3, 3)


def test_zones_by_bounding_box_then_polygon():
    zones = Zones([("A", SQUARE), ("B", MULTI), ("vide", {"type": "Point", "coordinates": [0, 0]})])
    assert len(zones) == 2
    assert (
        zones.containing(3, 3) == ["A"]
        and zones.containing(10.5, 10.2) == ["B"]
        and zones.containing(1.5, 1.5) == []
    )
