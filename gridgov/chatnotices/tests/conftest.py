import pytest

from gridgov.chatnotices import actions
from gridgov.notifications.tests.receiver import Receiver
from gridgov.personnel import actions as personnel_actions


@pytest.fixture
def receiver(settings):
    """A local stand-in for the WeCom group robots (every group's webhook points at it, with its own key)."""
    rx = Receiver()
    rx.start()
    settings.GRIDGOV_CHAT_WEBHOOK_ORIGINS = ("https://qyapi.weixin.qq.com", f"http://127.0.0.1:{rx.port}")
    yield rx
    rx.stop()


@pytest.fixture(autouse=True)
def quick_robot(settings):
    settings.GRIDGOV_WECOM_TIMEOUT = 2


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """``with on_commit(execute=True):`` runs what the block scheduled after commit, as a real commit would."""
    return django_capture_on_commit_callbacks


def robot_url(receiver, key: str) -> str:
    return f"http://127.0.0.1:{receiver.port}/cgi-bin/webhook/send?key={key}"


@pytest.fixture
def groups(world, receiver):
    """Four "good neighbour" groups: grid A has two (one with a robot), grid C one, grid B one (with a robot)."""

    def make(grid, name, key=None):
        group = personnel_actions.register_chat_group(world.town_staff, grid=grid, name=name, member_count=80)
        if key:
            group = actions.set_group_webhook(world.town_staff, group, robot_url(receiver, key))
        return group

    return {
        "a1": make(world.grid_a, "桂园一网格好邻居群", "robot-key-a1-0001"),
        "a2": make(world.grid_a, "桂园一网格好邻居二群"),
        "c": make(world.grid_c, "桂园二网格好邻居群"),
        "b": make(world.grid_b, "永盛一网格好邻居群", "robot-key-b-00001"),
    }


def notice(user, title="防汛通知", body="近期有强降雨，请注意防范山洪和地质灾害。", **extra):
    return actions.send_notice(user, actions.NoticeInput(title=title, body=body, **extra))[0]
