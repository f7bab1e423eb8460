"""Attachments: type decided by content (a renamed executable is refused), size-limited, stored privately,
served only to someone who may read the matter (404 otherwise, with nothing of the file in the answer)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.urls import reverse

from gridgov.audit.models import AuditLog
from gridgov.matters import actions, files
from gridgov.matters.models import Attachment, MatterEvent, media_root
from gridgov.matters.tests.helpers import image_bytes, record, upload

API = "/api/v1/matters"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200 + b"This program cannot be run"


def zip_bytes(names: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in names.items():
            archive.writestr(name, data)
    return out.getvalue()


DOCX = zip_bytes({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
XLSX = zip_bytes({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
DOCM = zip_bytes(
    {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>", "word/vbaProject.bin": b"\x00"}
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def stored_files() -> list[Path]:
    return sorted(p for p in Path(media_root()).rglob("*") if p.is_file())


def act_url(matter) -> str:
    return reverse("matters:act", args=[matter.pk, "add_attachment"])


def post_file(client, matter, name, content, content_type="image/jpeg", caption=""):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        act_url(matter),
        {
            "add_attachment-file": SimpleUploadedFile(name, content, content_type=content_type),
            "add_attachment-caption": caption,
        },
    )


# ---------------------------------------------------------------- content checks


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (image_bytes("JPEG"), ("jpg", "image/jpeg", "photo")),
        (image_bytes("PNG"), ("png", "image/png", "photo")),
        (image_bytes("WEBP"), ("webp", "image/webp", "photo")),
        (PDF, ("pdf", "application/pdf", "document")),
        (DOCX, ("docx", files.DOCX.content_type, "document")),
        (XLSX, ("xlsx", files.XLSX.content_type, "document")),
    ],
)
def test_allowed_types_are_recognised_by_content(content, expected):
    found = files.sniff(io.BytesIO(content))
    assert (found.extension, found.content_type, found.kind) == expected


@pytest.mark.parametrize(
    "content",
    [
        EXE,
        b"\xff\xd8\xff\xe0" + b"not really a jpeg" * 10,  # JPEG magic, broken body
        DOCM,  # macros
        zip_bytes({"readme.txt": b"hello"}),  # any other zip
        b"<html><script>alert(1)</script></html>",
        b"GIF89a\x01\x00\x01\x00",
    ],
    ids=["exe", "fake-jpeg", "docm", "zip", "html", "gif"],
)
def test_other_content_is_refused(content):
    assert files.sniff(io.BytesIO(content)) is None


def test_sizes_read_like_people_say_them():
    assert [files.human_size(n) for n in (1024, 2100, 10 * 1048576, 1572864)] == ["1 KB", "2.1 KB", "10 MB", "1.5 MB"]


def test_name_gets_the_real_extension_and_loses_its_directories():
    checked = files.check_upload(upload("../../etc/现场.jpg", image_bytes("PNG")))
    assert (checked.original_name, checked.type.content_type, checked.size) == (
        "现场.png",
        "image/png",
        len(image_bytes("PNG")),
    )


# ---------------------------------------------------------------- the action through the page


def test_grid_worker_adds_a_photo_shown_on_the_matter_and_served_in_scope(engine, login):
    matter = record(engine.grid_worker_a, title="围墙倒塌")
    client = login(engine.grid_worker_a)
    photo = image_bytes("JPEG")
    response = post_file(client, matter, "IMG_0001.jpg", photo, caption="倒塌的围墙")
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert (attachment.kind, attachment.content_type, attachment.original_name, attachment.caption) == (
        "photo",
        "image/jpeg",
        "IMG_0001.jpg",
        "倒塌的围墙",
    )
    assert (attachment.path, attachment.uploaded_by, attachment.size) == (matter.path, engine.grid_worker_a, len(photo))
    event = MatterEvent.objects.filter(matter=matter).latest("id")
    assert (event.action, event.note, event.data["attachment"]) == (
        "add_attachment",
        "IMG_0001.jpg 倒塌的围墙",
        attachment.pk,
    )
    assert AuditLog.objects.filter(object_type="matters.attachment", object_id=str(attachment.pk)).count() == 1
    [stored] = stored_files()
    assert stored.read_bytes() == photo and stored.suffix == ".jpg"
    assert str(stored).startswith(str(Path(media_root()) / "matters" / "520330" / str(matter.pk)))

    url = reverse("matters:attachment", args=[attachment.pk])
    page = client.get(reverse("matters:detail", args=[matter.pk])).content.decode()
    assert f'<img src="{url}"' in page
    served = client.get(url)
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == photo
    assert served["Content-Type"] == "image/jpeg"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Disposition"].startswith("inline")


def test_a_renamed_exe_is_refused_and_nothing_is_kept(engine, login):
    matter = record(engine.grid_worker_a)
    client = login(engine.grid_worker_a)
    events = MatterEvent.objects.count()
    audit = AuditLog.objects.count()
    response = post_file(client, matter, "photo.jpg", EXE)
    assert response.status_code == 400
    assert "不支持此类文件" in response.content.decode()
    assert (Attachment.objects.count(), MatterEvent.objects.count(), AuditLog.objects.count()) == (0, events, audit)
    assert stored_files() == []


def test_an_oversized_file_is_refused(engine, login, settings):
    settings.GRIDGOV_ATTACHMENT_MAX_BYTES = 1024
    matter = record(engine.grid_worker_a)
    client = login(engine.grid_worker_a)
    response = post_file(client, matter, "big.pdf", PDF + b"%" * 2000, content_type="application/pdf")
    assert response.status_code == 400
    assert "文件过大（2 KB），单个附件不能超过 1 KB" in response.content.decode()
    assert (Attachment.objects.count(), stored_files()) == (0, [])


def test_documents_download_and_pdfs_open_inline(engine, login):
    matter = record(engine.grid_worker_a)
    client = login(engine.grid_worker_a)
    post_file(client, matter, "调解记录.docx", DOCX, content_type="application/octet-stream")
    post_file(client, matter, "现场笔录.pdf", PDF, content_type="application/pdf")
    docx, pdf = Attachment.objects.order_by("id")
    word = client.get(reverse("matters:attachment", args=[docx.pk]))
    assert (word["Content-Type"], word["Content-Disposition"].split(";")[0]) == (files.DOCX.content_type, "attachment")
    reader = client.get(reverse("matters:attachment", args=[pdf.pk]))
    assert (reader["Content-Type"], reader["Content-Disposition"].split(";")[0]) == ("application/pdf", "inline")
    page = client.get(reverse("matters:detail", args=[matter.pk])).content.decode()
    assert "调解记录.docx" in page and "现场笔录.pdf" in page


def test_out_of_scope_users_get_404_and_nothing_of_the_file(engine, login, client):
    matter = record(engine.grid_worker_a, title="王家地界纠纷")
    photo = image_bytes("JPEG")
    attachment = actions.add_attachment(engine.grid_worker_a, matter, upload("王家界桩.jpg", photo))
    url = reverse("matters:attachment", args=[attachment.pk])
    for user in (engine.grid_worker_b, engine.department_liaison, engine.police_liaison, engine.auditor):
        c = login(user, client.__class__())
        for address in (url, f"{API}/attachments/{attachment.pk}", f"{API}/{matter.pk}/attachments"):
            response = c.get(address)
            assert response.status_code == 404, (user, address)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            assert photo not in body and "王家".encode() not in body
    anonymous = client.__class__().get(url)
    assert anonymous.status_code in (302, 404) and photo not in anonymous.content


def test_out_of_scope_user_cannot_attach(engine, login):
    matter = record(engine.grid_worker_a)
    response = post_file(login(engine.grid_worker_b), matter, "x.jpg", image_bytes())
    assert response.status_code == 404
    assert (Attachment.objects.count(), stored_files()) == (0, [])


def test_files_have_no_public_url(engine):
    matter = record(engine.grid_worker_a)
    attachment = actions.add_attachment(engine.grid_worker_a, matter, upload())
    with pytest.raises(ValueError, match="没有公开地址"):
        attachment.file.url  # noqa: B018


# ---------------------------------------------------------------- the API


def test_api_adds_lists_and_serves_attachments(engine, login):
    matter = record(engine.grid_worker_a)
    client = login(engine.grid_worker_a)
    photo = image_bytes("PNG")
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        f"{API}/{matter.pk}/attachments",
        {"file": SimpleUploadedFile("现场.png", photo, content_type="image/png"), "caption": "现场"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["content_type"], body["original_name"], body["caption"], body["size"]) == (
        "photo",
        "image/png",
        "现场.png",
        "现场",
        len(photo),
    )
    assert body["download"] == f"{API}/attachments/{body['id']}"
    assert [a["id"] for a in client.get(f"{API}/{matter.pk}/attachments").json()] == [body["id"]]
    assert [a["id"] for a in client.get(f"{API}/{matter.pk}").json()["attachments"]] == [body["id"]]
    served = client.get(body["download"])
    assert (served.status_code, b"".join(served.streaming_content)) == (200, photo)


def test_api_refuses_a_renamed_exe_with_422(engine, login):
    matter = record(engine.grid_worker_a)
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = login(engine.grid_worker_a).post(
        f"{API}/{matter.pk}/attachments", {"file": SimpleUploadedFile("a.jpg", EXE, content_type="image/jpeg")}
    )
    assert response.status_code == 422
    assert "不支持此类文件" in response.json()["errors"]["file"][0]
    assert (Attachment.objects.count(), stored_files()) == (0, [])


def test_api_refuses_someone_who_may_read_but_not_act(engine, login):
    matter = record(engine.grid_worker_a)
    actions.report_up(engine.grid_worker_a, matter, reason="需村委会协调")
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = login(engine.town_staff).post(
        f"{API}/{matter.pk}/attachments", {"file": SimpleUploadedFile("a.jpg", image_bytes())}
    )
    assert response.status_code == 403
    assert "您不能添加附件" in response.json()["detail"]
    assert (Attachment.objects.count(), stored_files()) == (0, [])


def test_files_left_by_a_rolled_back_upload_are_pruned(engine):
    from django.db import transaction

    from gridgov.matters.management.commands.prune_attachment_files import prune

    matter = record(engine.grid_worker_a)
    kept = actions.add_attachment(engine.grid_worker_a, matter, upload())
    with pytest.raises(RuntimeError), transaction.atomic():
        actions.add_attachment(engine.grid_worker_a, matter, upload("b.jpg"))
        raise RuntimeError("the caller's transaction fails after the upload")
    assert len(stored_files()) == 2 and Attachment.objects.count() == 1
    assert prune(min_age_seconds=3600) == []  # too fresh: may be an upload in flight
    [orphan] = prune(min_age_seconds=0)
    assert orphan != kept.file.name
    assert [str(p.relative_to(media_root())) for p in stored_files()] == [kept.file.name]
