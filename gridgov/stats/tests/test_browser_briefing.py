"""The yearly briefing in Debian's chromium, on the demo town: the town's staff open their briefing on a phone
(390 px) and a desktop (1366 px), pick last year, follow a figure to its records, and download the PDF and the
Word file; a grid worker opens theirs. Screenshots go to /tmp/shots/briefing-web-*.png (looked at by hand)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from gridgov.demo.accounts import DEMO_PASSWORD
from gridgov.testing import sign_in_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
YEAR = timezone.localdate().year


def sign_in(browser, base: str, username: str, viewport: dict):
    context = browser.new_context(viewport=viewport, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    sign_in_page(page, base, username, DEMO_PASSWORD)
    return context, page


def overflow(page) -> int:
    """How far the page is wider than the window (0: nothing to scroll sideways)."""
    return page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")


def test_the_town_reads_picks_follows_and_downloads_its_briefing(live_server, browser):
    import docx

    from gridgov.stats import actions

    call_command("seed_demo", stdout=io.StringIO())
    actions.rebuild()
    SHOTS.mkdir(exist_ok=True)
    base = live_server.url

    for name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        context, page = sign_in(browser, base, "town", viewport)
        response = page.goto(f"{base}/stats/briefing/")
        assert response.status == 200
        assert page.locator("h1").inner_text() == f"寨坝镇{YEAR}年度工作简报"
        headings = page.locator("article.briefing h2").all_inner_texts()
        assert headings == ["一、总体情况", "二、“六小行动”开展情况", "三、矛盾纠纷化解", "四、事项办理时限"]
        assert overflow(page) <= 0, name  # the tables scroll inside their frame, not the page
        page.screenshot(path=str(SHOTS / f"briefing-web-{name}.png"), full_page=True)
        context.close()

    context, page = sign_in(browser, base, "town", DESKTOP)
    page.goto(f"{base}/stats/briefing/")
    page.select_option("#briefing-year", str(YEAR - 1))
    with page.expect_navigation():
        page.click(".briefing-year button")
    assert page.url.endswith(f"/stats/520330113/briefing/?year={YEAR - 1}")
    assert page.locator("h1").inner_text() == f"寨坝镇{YEAR - 1}年度工作简报"
    page.screenshot(path=str(SHOTS / "briefing-web-last-year.png"), full_page=True)

    stated = page.locator('article.briefing p a[data-figure="received"]').first
    number = stated.inner_text()
    with page.expect_navigation():
        stated.click()
    assert "/matters/" in page.url
    total = re.search(r'data-total="(\d+)"', page.content())
    assert total and f"{int(total.group(1)):,}" == number  # the list holds exactly the records counted

    page.goto(f"{base}/stats/520330113/briefing/?year={YEAR - 1}")
    with page.expect_download() as pdf:
        page.click('a[data-download="pdf"]')
    assert pdf.value.suggested_filename == f"寨坝镇{YEAR - 1}年度工作简报.pdf"
    assert Path(pdf.value.path()).read_bytes().startswith(b"%PDF-")
    with page.expect_download() as word:
        page.click('a[data-download="docx"]')
    assert word.value.suggested_filename == f"寨坝镇{YEAR - 1}年度工作简报.docx"
    document = docx.Document(word.value.path())
    assert document.paragraphs[0].text == f"寨坝镇{YEAR - 1}年度工作简报"
    context.close()

    context, page = sign_in(browser, base, "grid1", PHONE)
    page.goto(f"{base}/stats/briefing/")
    assert page.locator("h1").inner_text() == f"桂园村第1网格{YEAR}年度工作简报"
    assert overflow(page) <= 0
    page.screenshot(path=str(SHOTS / "briefing-web-grid-phone.png"), full_page=True)
    assert page.goto(f"{base}/stats/5203301132020101/briefing/").status == 404
    context.close()
