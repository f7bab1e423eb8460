"""The printable 人民调解协议书: a PDF with the Chinese font embedded, only for those who may read the matter."""

import datetime as dt
import io
import shutil
import subprocess

import pytest
from django.urls import reverse
from pypdf import PdfReader

from gridgov.matters import actions
from gridgov.matters.pdf import agreement_pdf
from gridgov.matters.tests.helpers import record


def make_agreement(engine):
    matter = record(engine.grid_worker_a, title="王家与母家地界纠纷")
    return actions.record_agreement(
        engine.grid_worker_a,
        matter,
        actions.AgreementInput(
            number="桂调〔2026〕3号",
            organisation="桂园村人民调解委员会",
            parties=[
                {"name": "王建国", "role": "申请人", "address": "桂园村一组"},
                {"name": "母德明", "role": "被申请人"},
            ],
            facts="双方承包地相邻，地界不清。",
            terms="以2012年界桩为准，重新埋设界桩，费用各半。",
            performance="2026年4月30日前履行完毕",
            signed_on=dt.date(2026, 4, 12),
            mediator_names="张国林、母德华",
        ),
    )


def test_agreement_pdf_embeds_the_chinese_font(engine):
    body = agreement_pdf(make_agreement(engine))
    assert body.startswith(b"%PDF-")
    assert body.rstrip().endswith(b"%%EOF")
    assert b"/FontFile3" in body  # CFF outlines embedded (a subset)
    assert b"NotoSansCJKSC" in body
    assert len(body) < 200_000


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_agreement_pdf_text_reads_back_in_chinese(engine, tmp_path):
    path = tmp_path / "agreement.pdf"
    path.write_bytes(agreement_pdf(make_agreement(engine)))
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True).stdout.decode()
    flat = "".join(text.split())
    for expected in (
        "人民调解协议书",
        "桂调〔2026〕3号",
        "申请人：王建国",
        "被申请人：母德明",
        "王家与母家地界纠纷",
        "以2012年界桩为准，重新埋设界桩，费用各半。",
        "调解员（签名）：张国林、母德华",
        "桂园村人民调解委员会（盖章）",
        "2026年4月12日",
    ):
        assert expected in flat, expected


def test_agreement_pdf_page_is_scoped(engine, login):
    agreement = make_agreement(engine)
    url = reverse("matters:agreement_pdf", args=[agreement.pk])
    response = login(engine.grid_worker_a).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    from django.test import Client

    other = login(engine.grid_worker_b, Client())
    denied = other.get(url)
    assert denied.status_code == 404
    assert not denied.content.startswith(b"%PDF")


def pdf_text(body: bytes) -> str:
    """The PDF's text as a reader extracts it (through the font's ToUnicode map), whitespace removed. pypdf
    reads fpdf2's two-byte CID codes with a NUL before each character; those NULs carry no text."""
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    return "".join(text.replace("\x00", "").split())


def test_agreement_pdf_seal_line_names_the_committee(engine):
    text = pdf_text(agreement_pdf(make_agreement(engine)))
    assert "桂园村人民调解委员会（盖章）" in text
    assert "村（居）人民调解委员会" not in text
    assert "当事人（签名）：王建国" in text and "2026年4月12日" in text


def test_agreement_form_proposes_the_holding_units_committee(engine):
    from gridgov.matters.forms import AgreementForm

    matter = record(engine.grid_worker_a, title="王家与母家地界纠纷")
    assert AgreementForm(matter).fields["organisation"].initial == ""  # at the grid: the village's, typed in
    actions.report_up(engine.grid_worker_a, matter, reason="需村委会调解")
    matter.refresh_from_db()
    assert AgreementForm(matter).fields["organisation"].initial == "桂园村人民调解委员会"
