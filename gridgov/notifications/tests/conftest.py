import pytest

from gridgov.matters.tests.helpers import Engine, build_engine
from gridgov.notifications import actions
from gridgov.notifications.tests.receiver import Receiver


@pytest.fixture
def engine(world) -> Engine:
    return build_engine(world)


@pytest.fixture(autouse=True)
def no_recent_failure(monkeypatch):
    """Each test starts as if the receiver never failed (the cool-down is per process)."""
    monkeypatch.setattr(actions, "_last_failure", None)


@pytest.fixture
def receiver():
    rx = Receiver()
    rx.start()
    yield rx
    rx.stop()


@pytest.fixture
def robot(receiver, settings):
    """The WeCom robot turned on, pointing at the local receiver."""
    settings.GRIDGOV_WECOM_WEBHOOK_URL = receiver.url
    settings.GRIDGOV_WECOM_TIMEOUT = 2
    return receiver


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """``with on_commit(execute=True):`` runs what the block scheduled after commit, as a real commit would."""
    return django_capture_on_commit_callbacks
