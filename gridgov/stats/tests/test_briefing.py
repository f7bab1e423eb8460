"""The yearly briefing (年度工作简报) of the demo town 寨坝镇, as PDF, Word file and web page: the text read back out of
each form states the place and the year's figures exactly (each equal to the statistics' read and to a raw count
written here), the changes against the year before, the notable disputes without any personal data; scope (a grid
worker reads only its grid, another grid is 404 and writes nothing), the key-population section only with the
grant, and one export audit row per download."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from collections import Counter

import pytest
from django.db.models import Count
from django.test import Client
from django.utils import timezone

from gridgov.accounts.models import User
from gridgov.audit.models import AuditLog
from gridgov.deeds.models import Deed
from gridgov.demo.tests.conftest import zhaiba_activity  # noqa: F401  (the demo town and its activity, once)
from gridgov.households.models import Household, Resident
from gridgov.keypersons.models import KeyPerson
from gridgov.matters.models import Matter, MediationAgreement, Supervision
from gridgov.patrols.models import Patrol
from gridgov.personnel.models import Appointment
from gridgov.places.models import Place
from gridgov.publicity.models import PublicityEvent
from gridgov.stats import actions, briefing, queries
from gridgov.stats.periods import Period, day_start
from gridgov.testing import force_verified_login
from gridgov.visits.models import Visit

TOWN, GRID, OTHER_GRID, VILLAGE = "520330113", "5203301132010101", "5203301132020101", "520330113201"
TODAY = timezone.localdate()
DONE = ("resolved", "closed")
LONG_DIGITS = re.compile(r"\d{7,}")  # an ID number or a phone, clear
MASKED = re.compile(r"\d{3,6}\*{3,}\d{2,4}")  # an ID number or a phone, masked
SIX = (  # (code, term, unit, kind)
    ("disputes_resolved", "调处小纠纷", "件", "dispute"),
    ("appeals_resolved", "处理小诉求", "个", "appeal"),
    ("environment_resolved", "整治小环境", "处", "environment"),
    ("hardships_resolved", "解决小困难", "件", "hardship"),
    ("hazards_resolved", "排查小隐患", "处", "hazard"),
)


@pytest.fixture(scope="module")
def built(zhaiba_activity, django_db_blocker):  # noqa: F811
    with django_db_blocker.unblock():
        actions.rebuild()
    return zhaiba_activity


def user(name: str) -> User:
    return User.objects.select_related("place").get(username=name)


def signed_in(name: str) -> Client:
    client = Client()
    force_verified_login(client, user(name))
    return client


def flat(text: str) -> str:
    """Text without any whitespace: lines break anywhere in a PDF, and pypdf spaces CJK glyphs apart."""
    return "".join(text.split())


def pdf_text(body: bytes) -> str:
    """The PDF's text as poppler reads it (pdftotext, Debian's poppler-utils, installed by `make system-deps`).
    pypdf cannot be used: it reads the two-byte codes of fpdf2's CID font (its /Encoding is an embedded CMap) one
    byte at a time, which garbles every character past the 255th of the subset."""
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: install poppler-utils (make system-deps)")
    done = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", "-", "-"], input=body, capture_output=True,
                          check=True)  # fmt: skip
    return done.stdout.decode()


def docx_text(body: bytes) -> str:
    import docx

    document = docx.Document(io.BytesIO(body))
    out = [p.text for p in document.paragraphs]
    for table in document.tables:
        out += [" ".join(cell.text for cell in row.cells) for row in table.rows]
    return "\n".join(out)


def html_text(body: bytes) -> str:
    """The briefing's article (the page around it names the signed-in user, in the navigation)."""
    page = body.decode()
    article = page[page.index('<article class="briefing"') : page.index("</article>")]
    return re.sub(r"<[^>]+>", " ", article)


# ---------------------------------------------------------------- raw counts, written here


def matters(code: str, period: Period):
    return (
        Matter.objects.within(code)
        .exclude(state="merged")
        .filter(created_at__gte=day_start(period.since), created_at__lt=day_start(period.end))
    )


def dated(qs, field: str, period: Period):
    return qs.filter(**{f"{field}__gte": day_start(period.since), f"{field}__lt": day_start(period.end)})


def raw(code: str, period: Period) -> dict[str, int]:
    qs = matters(code, period)
    done = qs.filter(state__in=DONE)
    out = {
        "received": qs.count(),
        "resolved": done.count(),
        "visits": dated(Visit.objects.within(code), "visited_at", period).count(),
        "night_patrols": Patrol.objects.within(code)
        .filter(shift="night", date__gte=period.since, date__lte=period.until)
        .count(),
        "deeds": Deed.objects.within(code).filter(done_on__gte=period.since, done_on__lte=period.until).count(),
        "appeals_found_resolved": done.filter(kind="appeal", channel="visit").count(),
        "publicity_events": PublicityEvent.objects.within(code)
        .filter(held_on__gte=period.since, held_on__lte=period.until)
        .count(),
        "late": qs.filter(id__in=Supervision.objects.filter(issued_by__isnull=True).values("matter_id")).count(),
    }
    for code_, _term, _unit, kind in SIX:
        out[code_] = done.filter(kind=kind).count()
    return out


def said_change(now: int, before: int, partial: bool) -> str:
    """The rule of the specification: percentages against a previous figure, never against 0."""
    if now == before:
        return "与上年同期持平" if partial else "与上年持平"
    if before == 0:
        return "上年同期为0" if partial else "上年为0"
    pct = (now - before) * 100 / before
    word = ("同比" if partial else "较上年") + ("增长" if pct > 0 else "下降")
    return f"{word}{abs(pct):,.1f}%"


def table_change(now: int, before: int) -> str:
    if now == before:
        return "持平"
    if before == 0:
        return "—"
    pct = (now - before) * 100 / before
    return f"{'+' if pct > 0 else '-'}{abs(pct):,.1f}%"


def expected_phrases(code: str, year: int) -> list[str]:
    """What the briefing of ``code`` for ``year`` must say, from the raw counts of both years."""
    period, previous, partial = briefing.periods(year, TODAY)
    now, before = raw(code, period), raw(code, previous)
    rate = f"{100 * now['resolved'] / now['received']:.1f}%"
    out = [
        f"共受理各类事项{now['received']:,}件",
        f"办结{now['resolved']:,}件，办结率{rate}",
        f"入户走访{now['visits']:,}次",
        f"开展夜间巡逻{now['night_patrols']:,}次",
        f"发现并解决群众诉求{now['appeals_found_resolved']:,}条",
        f"为群众办实事{now['deeds']:,}件",
        f"开展小宣讲{now['publicity_events']:,}次",
        f"{now['late']:,}件曾超过办理时限",
        f"受理事项（件）{now['received']:,}{before['received']:,}{table_change(now['received'], before['received'])}",
        f"入户走访（次）{now['visits']:,}{before['visits']:,}{table_change(now['visits'], before['visits'])}",
        f"为群众办实事（件）{now['deeds']:,}{before['deeds']:,}{table_change(now['deeds'], before['deeds'])}",
    ]
    for code_, term, unit, _kind in SIX:
        out.append(f"{term}{now[code_]:,}{unit}")
        out.append(f"{term}（{unit}）{now[code_]:,}{before[code_]:,}{table_change(now[code_], before[code_])}")
    out.append(f"入户走访{now['visits']:,}次（{said_change(now['visits'], before['visits'], partial)}）")
    out.append(f"为群众办实事{now['deeds']:,}件（{said_change(now['deeds'], before['deeds'], partial)}）")
    colors = Counter(matters(code, period).values_list("color", flat=True))
    out.append(f"红色{colors['red']:,}件、黄色{colors['yellow']:,}件、蓝色{colors['blue']:,}件")
    notable = (
        matters(code, period)
        .filter(kind="dispute", color__in=["red", "yellow"], state__in=DONE)
        .filter(id__in=MediationAgreement.objects.values("matter_id"))
    )
    out.append(f"经调解达成书面调解协议的{notable.count():,}件")
    return out


def personal_data() -> list[str]:
    """Every name, address and matter title the demo holds (residents, reporters, parties, mediators, staff)."""
    names = set(Resident.objects.values_list("name", flat=True))
    names |= set(Matter.objects.exclude(reporter_name="").values_list("reporter_name", flat=True))
    names |= set(Appointment.objects.exclude(person_name="").values_list("person_name", flat=True))
    names |= {u.display_name for u in User.objects.all() if u.display_name and "中心" not in u.display_name}
    for parties, mediators in MediationAgreement.objects.values_list("parties", "mediator_names"):
        names |= {p["name"] for p in parties}
        names |= set(filter(None, re.split(r"[、，,\s]+", mediators)))
    places = set(Place.objects.values_list("name", flat=True))
    names = {n for n in names if len(n) >= 2 and n not in places}
    addresses = set(Household.objects.values_list("address", flat=True))
    titles = set(Matter.objects.filter(kind="dispute").values_list("title", flat=True))
    return sorted(names | addresses | titles)


def assert_no_personal_data(text: str, secrets: list[str]) -> None:
    found = [s for s in secrets if s in flat(text)]
    assert found == []
    assert LONG_DIGITS.findall(text) == []
    assert MASKED.findall(text) == []


# ---------------------------------------------------------------- the three forms


def test_the_pdf_states_the_town_year_exactly(built, db):
    response = signed_in("town").get(f"/stats/{TOWN}/briefing.pdf", {"year": TODAY.year})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"/FontFile3" in response.content and b"NotoSansCJKSC" in response.content  # the font is embedded
    text = flat(pdf_text(response.content))
    assert text.startswith(f"寨坝镇{TODAY.year}年度工作简报")
    assert f"第1页/共{len(re.findall('第[0-9]+页/共', text))}页" in text  # every page numbered
    missing = [p for p in expected_phrases(TOWN, TODAY.year) if p not in text]
    assert missing == []
    assert "寨坝镇综治中心（盖章）" in text


def test_the_word_file_states_last_year_exactly_with_real_headings(built, db):
    import docx

    year = TODAY.year - 1
    response = signed_in("town").get(f"/stats/{TOWN}/briefing.docx", {"year": year})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    assert "attachment" in response["Content-Disposition"]
    text = flat(docx_text(response.content))
    missing = [p for p in expected_phrases(TOWN, year) if p not in text]
    assert missing == []
    document = docx.Document(io.BytesIO(response.content))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == ["一、总体情况", "二、“六小行动”开展情况", "三、矛盾纠纷化解", "四、事项办理时限"]
    assert [p.text for p in document.paragraphs if p.style.name == "Title"] == [f"寨坝镇{year}年度工作简报"]
    assert [p.text for p in document.paragraphs[-2:]] == ["寨坝镇综治中心（盖章）", "年　　月　　日"]
    assert document.core_properties.title == f"寨坝镇{year}年度工作简报"
    assert len(document.tables) == 3


def test_the_web_page_states_the_same_and_links_each_number_to_its_records(built, db):
    client = signed_in("town")
    response = client.get("/stats/briefing/")
    assert response.status_code == 200
    text = flat(html_text(response.content))
    missing = [p for p in expected_phrases(TOWN, TODAY.year) if p not in text]
    assert missing == []
    page = response.content.decode()
    assert f'href="/stats/{TOWN}/briefing.pdf?year={TODAY.year}"' in page
    assert f'href="/stats/{TOWN}/briefing.docx?year={TODAY.year}"' in page
    assert f'<option value="{TODAY.year - 1}"' in page
    # A linked figure opens the list of exactly the records it counts (the list states the same total).
    link = re.search(r'<a href="([^"]+)" data-figure="received">([\d,]+)</a>', page)
    listed = client.get(link.group(1).replace("&amp;", "&"))
    assert re.search(r'data-total="(\d+)"', listed.content.decode()).group(1) == link.group(2).replace(",", "")


def test_every_stated_figure_is_the_statistics_read(built, db):
    """The briefing states what `queries` reads, which equals the raw count, for both years."""
    town = user("town")
    place = Place.objects.get(code=TOWN)
    made = briefing.build(town, place, TODAY.year, TODAY)
    for figures, period in ((made.figures, made.period), (made.previous_figures, made.previous)):
        counted = raw(TOWN, period)
        read = queries.figures(town, place, period, list(figures))
        for code, figure in figures.items():
            assert figure.value == read[code].value, code
            if code in counted:
                assert figure.value == counted[code], code
    assert made.text.count(made.figures["received"].text) >= 2  # in the sentence and in table 1


def test_no_personal_data_in_any_form(built, db):
    secrets = personal_data()
    assert len(secrets) > 10_000 and "王世洪" in secrets  # residents, reporters, parties, staff, addresses, titles
    client = signed_in("keypop")  # the fullest briefing: with the key-population section
    year = TODAY.year
    texts = {
        "pdf": pdf_text(client.get(f"/stats/{TOWN}/briefing.pdf", {"year": year}).content),
        "docx": docx_text(client.get(f"/stats/{TOWN}/briefing.docx", {"year": year}).content),
        "html": html_text(client.get(f"/stats/{TOWN}/briefing/", {"year": year}).content),
    }
    for form, text in texts.items():
        assert "重点人群稳控" in text, form
        assert_no_personal_data(text, secrets)
    # The notable disputes are told by category, village and outcome.
    notable = queries.notable_disputes(user("keypop"), Place.objects.get(code=TOWN), briefing.periods(year)[0])
    assert notable.items
    for item in notable.items:
        assert f"{item.village}一起{item.category}（{item.color_label}风险）" in flat(texts["pdf"])


def test_the_notable_disputes_follow_their_rule(built, db):
    period = briefing.periods(TODAY.year, TODAY)[0]
    found = queries.notable_disputes(user("town"), Place.objects.get(code=TOWN), period, limit=50)
    qs = (
        matters(TOWN, period)
        .filter(kind="dispute", color__in=["red", "yellow"], state__in=DONE)
        .filter(id__in=MediationAgreement.objects.values("matter_id"))
    )
    assert found.total == qs.count() > 3
    assert sorted(i.matter_id for i in found.items) == sorted(qs.values_list("id", flat=True))
    colors = [i.color for i in found.items]
    assert colors == sorted(colors, key=lambda c: c != "red")  # red first
    assert {i.village for i in found.items} <= set(Place.objects.filter(kind="village").values_list("name", flat=True))


# ---------------------------------------------------------------- the key-population grant


def test_key_population_section_only_with_the_grant(built, db):
    period = briefing.periods(TODAY.year, TODAY)[0]
    enlisted = KeyPerson.objects.within(TOWN).filter(enlisted_on__gte=period.since, enlisted_on__lte=period.until)
    kinds = enlisted.aggregate(n=Count("category", distinct=True))["n"]
    active = KeyPerson.objects.within(TOWN).filter(status__in=["under_follow_up", "out_of_contact"]).count()
    with_grant = signed_in("keypop")
    for form, read in (("pdf", pdf_text), ("docx", docx_text)):
        text = flat(read(with_grant.get(f"/stats/{TOWN}/briefing.{form}").content))
        assert f"五、重点人群稳控{TODAY.year}年以来" in text, form
        assert f"摸排稳控{kinds:,}类重点人员{enlisted.count():,}人" in text, form
        assert f"目前在册稳控{active:,}人" in text, form
    without = signed_in("town")
    for form, read in (("pdf", pdf_text), ("docx", docx_text)):
        text = flat(read(without.get(f"/stats/{TOWN}/briefing.{form}").content))
        assert "重点" not in text and "稳控" not in text, form
    page = without.get("/stats/briefing/").content.decode()
    assert "重点" not in page and "稳控" not in page and "key_population" not in page


# ---------------------------------------------------------------- scope and audit


def test_a_grid_worker_reads_only_its_grid_and_nothing_is_written_elsewhere(built, db):
    client = signed_in("grid1")
    own = client.get("/stats/briefing/")
    assert own.status_code == 200
    grid = Place.objects.get(code=GRID)
    assert f"{grid.name}{TODAY.year}年度工作简报" in own.content.decode()
    text = flat(html_text(own.content))
    assert f"共受理各类事项{raw(GRID, briefing.periods(TODAY.year)[0])['received']:,}件" in text
    before = AuditLog.objects.count()
    for code in (OTHER_GRID, VILLAGE, TOWN):
        for url in (f"/stats/{code}/briefing/", f"/stats/{code}/briefing.pdf", f"/stats/{code}/briefing.docx"):
            denied = client.get(url, {"year": TODAY.year})
            assert denied.status_code == 404, url
            assert not denied.content.startswith((b"%PDF", b"PK")), url
            page = denied.content.decode(errors="replace")  # the 404 page: the menu, but no briefing
            assert "年度工作简报" not in page and 'class="briefing' not in page, url
    assert AuditLog.objects.count() == before
    assert client.get(f"/stats/{GRID}/briefing.pdf").status_code == 200
    assert AuditLog.objects.count() == before + 1


def test_each_download_writes_one_export_audit_row_and_the_page_none(built, db):
    client = signed_in("town")
    before = AuditLog.objects.filter(action="export").count()
    client.get("/stats/briefing/")
    assert AuditLog.objects.filter(action="export").count() == before
    first = client.get(f"/stats/{TOWN}/briefing.pdf", {"year": TODAY.year - 1})
    second = client.get(f"/stats/{TOWN}/briefing.docx", {"year": TODAY.year - 1})
    rows = list(AuditLog.objects.filter(action="export").order_by("id"))[before:]
    assert [(r.actor_name, r.object_repr, r.detail["format"], r.detail["year"]) for r in rows] == [
        ("town", "寨坝镇", "pdf", TODAY.year - 1),
        ("town", "寨坝镇", "docx", TODAY.year - 1),
    ]
    assert rows[0].detail["bytes"] == len(first.content) and rows[1].detail["bytes"] == len(second.content)
    assert rows[0].detail["sections"] == ["overview", "actions", "disputes", "lateness"]


def test_the_same_briefing_is_the_same_file(built, db):
    client = signed_in("town")
    for form in ("pdf", "docx"):
        one = client.get(f"/stats/{TOWN}/briefing.{form}", {"year": TODAY.year - 1}).content
        two = client.get(f"/stats/{TOWN}/briefing.{form}", {"year": TODAY.year - 1}).content
        assert one == two, form


def test_a_bad_year_is_refused_with_a_chinese_message(built, db):
    client = signed_in("town")
    before = AuditLog.objects.count()
    for bad in ("1999", str(TODAY.year + 1), "abcd", "20255"):
        page = client.get("/stats/briefing/", {"year": bad})
        assert page.status_code == 400
        assert f"年份应为2000年至{TODAY.year}年之间的四位数字" in page.content.decode()
        download = client.get(f"/stats/{TOWN}/briefing.pdf", {"year": bad})
        assert download.status_code == 400 and not download.content.startswith(b"%PDF")
    assert AuditLog.objects.count() == before


def test_the_own_place_route_is_the_briefing_view(db):
    from django.urls import resolve, reverse

    assert resolve("/stats/briefing/").url_name == "my_briefing"
    assert reverse("stats:briefing", kwargs={"code": TOWN}) == f"/stats/{TOWN}/briefing/"
    assert reverse("stats:briefing_pdf", kwargs={"code": TOWN}) == f"/stats/{TOWN}/briefing.pdf"
    assert reverse("stats:briefing_docx", kwargs={"code": TOWN}) == f"/stats/{TOWN}/briefing.docx"
