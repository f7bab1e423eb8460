import pytest

from gridgov.matters.tests.helpers import Engine, build_engine


@pytest.fixture
def engine(world) -> Engine:
    return build_engine(world)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploaded attachments go to a fresh directory per test (never into var/media)."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"
