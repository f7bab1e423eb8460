import pytest

from gridgov.open311 import geo
from gridgov.open311.actions import clear_caches, create_key


def square(lon: float, lat: float, size: float = 0.01) -> dict:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


# Grid A: a square with a hole (a pond that belongs to grid C); grid B beside it.
GRID_A = {
    "type": "Polygon",
    "coordinates": [
        square(106.20, 28.30)["coordinates"][0],
        square(106.204, 28.304, 0.002)["coordinates"][0],
    ],
}
GRID_B = {"type": "MultiPolygon", "coordinates": [square(106.22, 28.30)["coordinates"]]}
GRID_C = square(106.204, 28.304, 0.002)


@pytest.fixture
def mapped_world(world):
    for place, boundary in ((world.grid_a, GRID_A), (world.grid_b, GRID_B), (world.grid_c, GRID_C)):
        place.boundary = boundary
        place.save(update_fields=["boundary"])
    geo.clear_cache()
    clear_caches()
    yield world
    geo.clear_cache()
    clear_caches()


@pytest.fixture
def police_key(mapped_world) -> str:
    _, key = create_key(name="寨坝派出所", channel="police", place=mapped_world.town)
    return key


@pytest.fixture(autouse=True)
def _fresh_caches():
    clear_caches()
    yield
    clear_caches()
