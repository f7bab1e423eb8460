import datetime as dt
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from gridgov.publicity import actions


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def png_bytes(size=(4, 3), fmt="PNG") -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format=fmt)
    return out.getvalue()


def upload(name="a.png", content: bytes | None = None, content_type="image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes() if content is None else content, content_type=content_type)


def post_json(client, url, body):
    return client.post(url, json.dumps(body, default=str), content_type="application/json")


@pytest.fixture
def event():
    def _event(user, place, n_days_ago: int = 1, **extra):
        values = {
            "topic": "anti_fraud",
            "title": "防范电信诈骗宣讲",
            "channel": "bench_meeting",
            "speaker": "红管家张某",
            "attendance": 25,
        }
        values.update(extra)
        data = actions.EventInput(place=place, held_on=days_ago(n_days_ago), **values)
        return actions.record_event(user, data)[0]

    return _event
