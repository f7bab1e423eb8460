"""Publicity events (小宣讲): recorded in one's own area only, photos checked by content and served scoped,
lists and the API scoped with fixed query counts, creation idempotent by client id."""

import io
import re
import uuid

import pytest
from django.core.exceptions import ValidationError

from gridgov.audit.models import AuditLog
from gridgov.core.actions import ActionRefused
from gridgov.publicity import actions
from gridgov.publicity.models import PublicityEvent, PublicityPhoto
from gridgov.publicity.tests.conftest import days_ago, png_bytes, post_json, upload

# session, user with place, totals, one page of events with their places, filter places
QUERIES_LIST = 5
# session, user with place, the event with place and recorder, its photos
QUERIES_DETAIL = 4


def links(response) -> list[str]:
    return re.findall(r'href="/publicity/(\d+)/"', response.content.decode())


def test_grid_worker_records_an_event_in_own_grid(world, event):
    made = event(world.grid_worker_a, world.grid_a, attendance=40)
    assert (made.path, made.attendance, made.recorded_by) == (world.grid_a.code, 40, world.grid_worker_a)
    logged = AuditLog.objects.filter(object_type="publicity.publicityevent", object_id=str(made.pk), action="create")
    assert logged.count() == 1


def test_grid_worker_cannot_record_in_another_grid(world, event):
    with pytest.raises(ActionRefused, match="不在您的管辖范围内"):
        event(world.grid_worker_a, world.grid_b)
    assert PublicityEvent.objects.count() == 0


def test_cluster_leader_cannot_record_events(world, event):
    with pytest.raises(ActionRefused, match="不能登记宣讲活动"):
        event(world.cluster_leader_a1, world.grid_a)
    assert PublicityEvent.objects.count() == 0


def test_event_at_a_household_cluster_or_town_is_refused(world, event):
    with pytest.raises(ValidationError) as town:
        event(world.town_staff, world.town)
    assert town.value.message_dict == {"place": ["地点应为村（社区）、村民小组或网格"]}
    assert PublicityEvent.objects.count() == 0


def test_future_date_topic_and_attendance_are_validated(world):
    data = actions.EventInput(
        place=world.grid_a, held_on=days_ago(-1), topic="gossip", title="x", channel="bench_meeting",
        speaker="甲", attendance=-1,
    )  # fmt: skip
    with pytest.raises(ValidationError) as exc:
        actions.record_event(world.grid_worker_a, data)
    assert exc.value.message_dict == {
        "topic": ["宣讲内容无效"],
        "attendance": ["受众人次应在 0 至 100000 之间"],
    }
    data.topic, data.attendance = "policy", 3
    with pytest.raises(ValidationError) as exc:
        actions.record_event(world.grid_worker_a, data)
    assert exc.value.message_dict == {"held_on": ["日期不能晚于今天"]}
    assert PublicityEvent.objects.count() == 0


def test_same_client_id_records_once(world, event):
    key = uuid.uuid4()
    first = event(world.grid_worker_a, world.grid_a, client_uuid=key)
    again = event(world.grid_worker_a, world.grid_a, client_uuid=key, title="另一个标题")
    assert first.pk == again.pk
    assert list(PublicityEvent.objects.values_list("title", flat=True)) == ["防范电信诈骗宣讲"]


def test_client_id_used_elsewhere_is_refused_without_revealing_the_record(world, event):
    key = uuid.uuid4()
    event(world.grid_worker_b, world.grid_b, client_uuid=key)
    with pytest.raises(ActionRefused, match="已被使用"):
        event(world.grid_worker_a, world.grid_a, client_uuid=key)
    assert PublicityEvent.objects.count() == 1


# ---------------------------------------------------------------- photos


def test_photos_are_checked_by_content_not_by_name(world, event):
    made = event(world.grid_worker_a, world.grid_a, photos=[upload("a.png"), upload("b.jpg", png_bytes(fmt="JPEG"))])
    assert list(made.photos.values_list("content_type", "width", "height")) == [
        ("image/png", 4, 3),
        ("image/jpeg", 4, 3),
    ]
    with pytest.raises(ValidationError) as exc:
        actions.add_photos(world.grid_worker_a, made, [upload("evil.png", b"<script>alert(1)</script>", "image/png")])
    assert exc.value.message_dict == {"photos": ["只能上传 JPEG、PNG 或 WebP 图片"]}
    with pytest.raises(ValidationError):
        actions.add_photos(world.grid_worker_a, made, [upload("a.gif", png_bytes(fmt="GIF"), "image/gif")])
    assert made.photos.count() == 2


def jpeg_with_gps_exif(size=(4, 3), orientation=6) -> bytes:
    from PIL import ExifTags, Image

    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Model] = "Phone X"
    exif[ExifTags.Base.Orientation] = orientation
    exif.get_ifd(ExifTags.IFD.GPSInfo).update(
        {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (27.0, 42.0, 5.0)}
    )
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format="JPEG", exif=exif, comment=b"taken at home")
    return out.getvalue()


def test_photos_are_stored_without_exif_and_turned_upright(world, event):
    original = jpeg_with_gps_exif()
    assert b"PhoneMaker" in original
    made = event(world.grid_worker_a, world.grid_a, photos=[upload("a.jpg", original, "image/jpeg")])
    photo = made.photos.get()
    with photo.file.open("rb") as stored:
        data = stored.read()
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        seen = (image.format, image.size, dict(image.getexif()), image.info.get("comment"))
    assert seen == ("JPEG", (3, 4), {}, None)
    assert b"PhoneMaker" not in data and b"Exif" not in data
    # orientation 6 = turned a quarter: the stored pixels are upright, so width and height swap
    assert (photo.content_type, photo.width, photo.height, photo.size) == ("image/jpeg", 3, 4, len(data))


def test_photo_larger_than_the_limit_is_refused(world, event, settings):
    settings.GRIDGOV_PHOTO_MAX_BYTES = 100
    made = event(world.grid_worker_a, world.grid_a)
    with pytest.raises(ValidationError) as exc:
        actions.add_photos(world.grid_worker_a, made, [upload(content=png_bytes((300, 300)))])
    assert exc.value.message_dict == {"photos": ["照片不能超过 0 MB"]}
    assert PublicityPhoto.objects.count() == 0


def test_at_most_nine_photos_per_event(world, event):
    made = event(world.grid_worker_a, world.grid_a, photos=[upload() for _ in range(8)])
    with pytest.raises(ValidationError) as exc:
        actions.add_photos(world.grid_worker_a, made, [upload(), upload()])
    assert exc.value.message_dict == {"photos": ["每场活动最多 9 张照片"]}
    assert made.photos.count() == 8


def test_photo_count_is_checked_before_any_upload_is_decoded(world, event, monkeypatch):
    made = event(world.grid_worker_a, world.grid_a, photos=[upload() for _ in range(8)])
    decoded = []
    monkeypatch.setattr(actions, "check_image", lambda f: decoded.append(f) or ("image/png", 4, 3))
    with pytest.raises(ValidationError) as exc:
        actions.add_photos(world.grid_worker_a, made, [upload(), upload()])
    assert exc.value.message_dict == {"photos": ["每场活动最多 9 张照片"]}
    assert (decoded, made.photos.count()) == ([], 8)


def test_photo_is_served_only_inside_scope(world, event, login, client):
    made = event(world.grid_worker_a, world.grid_a, photos=[upload()])
    photo = made.photos.get()
    url = f"/publicity/{made.pk}/photos/{photo.pk}/"
    mine = login(world.grid_worker_a).get(url)
    assert (mine.status_code, mine["Content-Type"], mine["X-Content-Type-Options"]) == (200, "image/png", "nosniff")
    assert b"".join(mine.streaming_content) == png_bytes()
    client.logout()
    other = login(world.grid_worker_b).get(url)
    assert other.status_code == 404
    assert not hasattr(other, "streaming_content")


def test_photo_removed_by_its_area_only(world, event, login):
    made = event(world.grid_worker_a, world.grid_a, photos=[upload()])
    photo = made.photos.get()
    response = login(world.grid_worker_b).post(f"/publicity/{made.pk}/photos/{photo.pk}/remove/")
    assert response.status_code == 404
    assert made.photos.count() == 1
    with pytest.raises(ActionRefused):
        actions.remove_photo(world.grid_worker_b, photo)
    actions.remove_photo(world.grid_worker_a, photo)
    assert made.photos.count() == 0


# ---------------------------------------------------------------- pages


def test_list_shows_only_events_in_scope_with_totals(world, event, login):
    mine = event(world.grid_worker_a, world.grid_a, attendance=30)
    event(world.grid_worker_b, world.grid_b, title="永盛村移风易俗宣讲", attendance=99)
    response = login(world.grid_worker_a).get("/publicity/")
    assert links(response) == [str(mine.pk)]
    page = response.content.decode()
    assert "永盛村移风易俗宣讲" not in page
    assert "<b>30</b>" in page and "<b>99</b>" not in page


def test_town_list_filters_by_place_topic_channel_and_period(world, event, login):
    a = event(world.grid_worker_a, world.grid_a, topic="policy", channel="loudspeaker", n_days_ago=10)
    b = event(world.grid_worker_b, world.grid_b, topic="policy", channel="mass_meeting", n_days_ago=2)
    c = event(world.village_committee, world.village_a, topic="civility", channel="mass_meeting", n_days_ago=3)
    client = login(world.town_staff)
    assert links(client.get("/publicity/")) == [str(b.pk), str(c.pk), str(a.pk)]
    assert links(client.get(f"/publicity/?place={world.village_a.code}")) == [str(c.pk), str(a.pk)]
    assert links(client.get("/publicity/?topic=policy")) == [str(b.pk), str(a.pk)]
    assert links(client.get("/publicity/?channel=mass_meeting&topic=policy")) == [str(b.pk)]
    assert links(client.get(f"/publicity/?since={days_ago(5)}")) == [str(b.pk), str(c.pk)]
    assert links(client.get(f"/publicity/?until={days_ago(5)}&topic=nonsense")) == [str(a.pk)]


def test_list_at_a_fixed_query_count(world, event, login, django_assert_num_queries):
    for n in range(12):
        event(world.grid_worker_a, world.grid_a, title=f"第{n}场", n_days_ago=n)
    client = login(world.grid_worker_a)
    with django_assert_num_queries(QUERIES_LIST):
        response = client.get("/publicity/")
    assert len(links(response)) == 12


def test_detail_is_404_outside_scope(world, event, login):
    other = event(world.grid_worker_b, world.grid_b, title="永盛村宣讲")
    response = login(world.grid_worker_a).get(f"/publicity/{other.pk}/")
    assert response.status_code == 404
    assert "永盛村宣讲" not in response.content.decode()


def test_detail_at_a_fixed_query_count(world, event, login, django_assert_num_queries):
    made = event(world.grid_worker_a, world.grid_a, photos=[upload(), upload()])
    client = login(world.grid_worker_a)
    with django_assert_num_queries(QUERIES_DETAIL):
        response = client.get(f"/publicity/{made.pk}/")
    assert response.content.decode().count(f"/publicity/{made.pk}/photos/") == 2 * 2 + 1 + 2  # links, images, forms


def test_record_form_saves_once_with_photos(world, login):
    client = login(world.grid_worker_a)
    form = client.get("/publicity/new/")
    assert form.status_code == 200
    key = re.search(r'name="client_uuid" value="([0-9a-f-]+)"', form.content.decode()).group(1)
    data = {
        "held_on": days_ago(0).isoformat(),
        "place": world.grid_a.pk,
        "topic": "customs",
        "title": "移风易俗 反对高价彩礼",
        "channel": "first_secretary",
        "speaker": "第一书记",
        "attendance": "52",
        "client_uuid": key,
    }
    first = client.post("/publicity/new/", {**data, "photos": [upload()]})
    again = client.post("/publicity/new/", {**data, "photos": [upload()]})
    made = PublicityEvent.objects.get()
    assert first["Location"] == again["Location"] == f"/publicity/{made.pk}/"
    assert (made.channel, made.attendance, made.photos.count()) == ("first_secretary", 52, 1)


def test_record_form_offers_only_places_in_scope_and_rejects_others(world, login):
    client = login(world.grid_worker_a)
    page = client.get("/publicity/new/").content.decode()
    assert world.grid_a.name in page and world.grid_b.name not in page
    response = client.post(
        "/publicity/new/",
        {"held_on": days_ago(0), "place": world.grid_b.pk, "topic": "policy", "title": "x", "channel": "online",
         "speaker": "y", "attendance": 0},
    )  # fmt: skip
    assert response.status_code == 400
    assert PublicityEvent.objects.count() == 0


# ---------------------------------------------------------------- API


def test_api_create_is_idempotent_by_client_id(world, login):
    client = login(world.grid_worker_a)
    body = {
        "place_code": world.grid_a.code,
        "held_on": days_ago(1).isoformat(),
        "topic": "safety",
        "title": "防溺水宣讲",
        "channel": "bench_meeting",
        "speaker": "网格员甲",
        "attendance": 18,
        "client_uuid": str(uuid.uuid4()),
    }
    first = post_json(client, "/api/v1/publicity/", body)
    again = post_json(client, "/api/v1/publicity/", body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert (first.json()["topic_label"], first.json()["channel_label"]) == ("安全防范", "村口板凳会")
    assert PublicityEvent.objects.count() == 1


def test_api_create_outside_scope_is_refused(world, login):
    client = login(world.grid_worker_a)
    body = {"place_code": world.grid_b.code, "held_on": days_ago(1).isoformat(), "topic": "safety",
            "title": "x", "channel": "online", "speaker": "y"}  # fmt: skip
    response = post_json(client, "/api/v1/publicity/", body)
    assert response.status_code == 400
    assert response.json()["errors"] == {"place": ["地点不存在"]}
    assert PublicityEvent.objects.count() == 0


def test_api_list_and_detail_are_scoped(world, event, login):
    mine = event(world.grid_worker_a, world.grid_a, photos=[upload()])
    other = event(world.grid_worker_b, world.grid_b)
    client = login(world.grid_worker_a)
    assert [e["id"] for e in client.get("/api/v1/publicity/").json()["items"]] == [mine.pk]
    assert client.get(f"/api/v1/publicity/{other.pk}").status_code == 404
    detail = client.get(f"/api/v1/publicity/{mine.pk}").json()
    photo = mine.photos.get()
    assert detail["photos"] == [
        {"id": photo.pk, "url": f"/publicity/{mine.pk}/photos/{photo.pk}/", "content_type": "image/png",
         "width": 4, "height": 3}
    ]  # fmt: skip
    assert client.get("/api/v1/publicity/?topic=policy").json()["items"] == []


def test_api_photo_upload_checks_content(world, event, login):
    made = event(world.grid_worker_a, world.grid_a)
    client = login(world.grid_worker_a)
    bad = client.post(f"/api/v1/publicity/{made.pk}/photos", {"photos": [upload("x.png", b"not an image")]})
    assert bad.status_code == 400
    good = client.post(f"/api/v1/publicity/{made.pk}/photos", {"photos": [upload(), upload()]})
    assert good.status_code == 201
    assert [p["content_type"] for p in good.json()] == ["image/png", "image/png"]
    other = login(world.grid_worker_b).post(f"/api/v1/publicity/{made.pk}/photos", {"photos": [upload()]})
    assert other.status_code == 404
    assert made.photos.count() == 2
