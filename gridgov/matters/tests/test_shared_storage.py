"""Attachments on the deployment's storage (GRIDGOV_FILE_STORAGE, e.g. an object store every app node
reaches) instead of the local media directory: stored there, served from there, nothing on local disk."""

from pathlib import Path

from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from gridgov.matters.models import Attachment, media_root, private_storage
from gridgov.matters.tests.helpers import image_bytes, record


def test_attachments_go_to_the_configured_storage_and_are_served_from_it(engine, login, settings):
    settings.GRIDGOV_FILE_STORAGE = "django.core.files.storage.InMemoryStorage"  # the test settings' default
    assert private_storage() is storages["default"]
    matter = record(engine.grid_worker_a, title="围墙倒塌")
    client = login(engine.grid_worker_a)
    photo = image_bytes("JPEG")
    response = client.post(
        reverse("matters:act", args=[matter.pk, "add_attachment"]),
        {"add_attachment-file": SimpleUploadedFile("IMG_0001.jpg", photo, content_type="image/jpeg")},
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    with storages["default"].open(attachment.file.name, "rb") as stored:
        assert stored.read() == photo
    assert not any(p.is_file() for p in Path(media_root()).rglob("*"))
    served = client.get(reverse("matters:attachment", args=[attachment.pk]))
    assert served.status_code == 200 and b"".join(served.streaming_content) == photo


def test_without_a_configured_storage_attachments_stay_in_the_media_directory(settings):
    settings.GRIDGOV_FILE_STORAGE = ""
    assert private_storage() is not storages["default"]
    assert private_storage().location == str(Path(media_root()).resolve())
