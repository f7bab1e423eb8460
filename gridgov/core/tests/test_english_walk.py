"""Acceptance (issue 10): the English UI shows no Chinese outside data, the Chinese UI no English outside data.

The walk: the crowded world of the list walker (`crowd.build_crowd`, every list holding records), six personas
who between them may open every page (town staff, a grid worker, the key-population officer, the auditor, the
system and the security administrator) plus a visitor who is not signed in. Each one switches to English the
way a user does (the language switch, `POST /i18n/setlang/`) and opens every page of the project: every route
without parameters and the records of `args_of()` for the others, plus an unknown URL (our 404 page). Every
page that answers with HTML is read.

What is read: the text a reader sees or hears, i.e. the text of the page outside <script> and <style>, the
attributes shown or read aloud (title, placeholder, aria-label, alt, data-label on phone tables, the value of
a button), and the string values of the JSON a page hands to its charts and maps (`json_script`), since
those end up as chart labels and legends.

What counts as data: every text the people of the world typed or imported, that is every value stored in a
text column without choices (CharField/TextField, strings inside JSONField) of every model: place names,
people's names, addresses, titles and descriptions, category and department names (seeded in Chinese as the
county's own taxonomy, editable in settings), answers, notes. A choice column is not data: its labels are UI
and must be translated. The data strings are removed from the page text, longest first, before the check;
no UI string is listed anywhere in this file.

The reverse walk (no switch: Chinese) reads the same pages for the same personas and finds no English word
(two or more ASCII letters) outside data, apart from the product and format names of `ASCII_NAMES`.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.db import models
from django.test import Client

from gridgov.core.tests.crowd import Crowd
from gridgov.core.tests.test_list_pages_are_paged import crowd, urls  # noqa: F401  (crowd: the module's world)
from gridgov.testing import force_verified_login

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+")
# A token is a word when it has two letters or more and nothing else; one with a digit, a dot or an underscore is
# a code (H-A-001, JF-2026-000001, households.resident, a setting's name, a path such as /visits/today/).
TOKEN = re.compile(r"[\w/][\w./:?=&-]*[\w/]|[A-Za-z]")
WORD = re.compile(r"[A-Za-z]{2,}")
PERSONAS = ("town", "grid1", "keypop", "auditor", "sysadmin", "secadmin")
# Names of products, protocols and file formats, the same in either language (and codes of the ID card).
ASCII_NAMES = {
    "API", "TOTP", "GeoJSON", "JSON", "Excel", "PDF", "Word", "PNG", "JPG", "WebP", "Markdown", "GIS", "ID",
    "xlsx", "docx",  # file extensions an upload accepts
    "FeatureCollection", "Polygon", "MultiPolygon",  # GeoJSON's own type names, which the file must carry
    "FreeOTP", "Google", "Microsoft", "Authenticator",  # the authenticator apps the sign-in page names
}  # fmt: skip
SHOWN_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt", "data-label"}


class VisibleText(HTMLParser):
    """The texts of a page a reader sees or hears, and the strings its charts are handed (apart). Left out: code
    (<code>, <kbd>, <samp>: a key to type, a setting's name, a file format's keyword) and the options of the
    language switch, each language's name in its own language (so a reader finds theirs)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.chart_strings: list[str] = []
        self.skipped: list[str] = []  # the open elements whose text is not read
        self.json = False
        self.buffer: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name in SHOWN_ATTRIBUTES & attributes.keys():
            self.texts.append(attributes[name] or "")
        if tag == "input" and attributes.get("type") in ("submit", "button", "reset"):
            self.texts.append(attributes.get("value") or "")
        if (
            tag in ("script", "style", "code", "kbd", "samp")
            or tag == "select"
            and attributes.get("name") == "language"
        ):
            self.skipped.append(tag)
            self.json = tag == "script" and attributes.get("type") == "application/json"
            self.buffer = []

    def handle_endtag(self, tag):
        if self.skipped and self.skipped[-1] == tag:
            self.skipped.pop()
            if self.json:
                self.chart_strings += strings_in(json.loads("".join(self.buffer) or "null"))
            self.json = False

    def handle_data(self, data):
        if self.skipped:
            self.buffer.append(data)
        elif data.strip():
            self.texts.append(data)


def strings_in(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        value = value.values()
    if isinstance(value, list | tuple) or hasattr(value, "__iter__") and not isinstance(value, bytes):
        return [s for v in value for s in strings_in(v)]
    return []


def data_strings() -> list[str]:
    """Every text stored in the database outside choice columns, longest first (see the module's docstring)."""
    found: set[str] = set()
    for model in apps.get_models():
        texts = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField) and not f.choices
        ]
        blobs = [f.attname for f in model._meta.concrete_fields if isinstance(f, models.JSONField)]
        if not texts and not blobs:
            continue
        for row in model._default_manager.values_list(*texts, *blobs):
            found.update(v for v in row[: len(texts)] if isinstance(v, str))
            for blob in row[len(texts) :]:
                found.update(strings_in(blob))
    found = {s.strip() for s in found if s and s.strip()}
    return sorted(found, key=len, reverse=True)


def without_data(text: str, data: list[str]) -> str:
    for value in data:
        if value in text:
            text = text.replace(value, " ")
    return text


def walk(the_crowd: Crowd, english: bool) -> dict[tuple[str, str], str]:
    """(persona, url) -> the visible text of every HTML page the persona opens."""
    people = {name: user for name, user in the_crowd.personas().items() if name in PERSONAS}
    out = {}
    for persona in ("visitor", *people):
        client = Client()
        if english:
            assert client.post("/i18n/setlang/", {"language": "en", "next": "/"}).status_code == 302
        if persona != "visitor":
            force_verified_login(client, people[persona])
        for url in [*urls(the_crowd), "/no/such/page/"]:
            response = client.get(url)
            if not response.get("Content-Type", "").startswith("text/html") or response.status_code >= 500:
                continue
            if response.status_code in (301, 302):
                continue
            assert response["Content-Language"] == ("en" if english else "zh-hans"), (persona, url)
            parser = VisibleText()
            parser.feed(response.content.decode())
            out[persona, url] = "\n".join(parser.texts + (parser.chart_strings if english else []))
    return out


def chinese(line: str) -> list[str]:
    return CJK.findall(line)


def english(line: str) -> list[str]:
    return [token for token in TOKEN.findall(line) if WORD.fullmatch(token) and token not in ASCII_NAMES]


def leaks(pages: dict[tuple[str, str], str], finder) -> dict[str, list[str]]:
    """Each leaked text -> the pages (persona url) it shows on; data removed first."""
    relevant = [s for s in data_strings() if finder(s)]
    found: dict[str, list[str]] = defaultdict(list)
    for (persona, url), text in pages.items():
        for line in without_data(text, relevant).splitlines():
            for hit in finder(line):
                found[hit].append(f"{persona} {url}")
    return dict(found)


@pytest.fixture(scope="module")
def english_pages(crowd, django_db_blocker):  # noqa: F811
    with django_db_blocker.unblock():
        return walk(crowd, english=True)


@pytest.mark.django_db
def test_the_english_ui_shows_no_chinese_outside_data(english_pages):
    opened = {url for _persona, url in english_pages}
    assert len(english_pages) > 200 and "/stats/" in opened and "/audit/" in opened and "/me/" in opened
    found = leaks(english_pages, chinese)
    assert {text: pages[:2] for text, pages in sorted(found.items())} == {}


@pytest.mark.django_db
def test_the_chinese_ui_shows_no_english_outside_data(crowd, django_db_blocker):  # noqa: F811
    with django_db_blocker.unblock():
        pages = walk(crowd, english=False)
    assert len(pages) > 200
    found = leaks(pages, english)
    assert {text: pages[:2] for text, pages in sorted(found.items())} == {}


@pytest.mark.django_db
def test_data_is_removed_but_ui_text_is_not(crowd):  # noqa: F811
    """The separation of data from UI is not a blanket: a place name goes, a Chinese UI word stays."""
    data = [s for s in data_strings() if CJK.search(s)]
    w = crowd.world
    assert w.grid_a.name in data and w.resident_a.name in data
    assert CJK.findall(without_data(f"Grid {w.grid_a.name}: 户籍 of {w.resident_a.name}", data)) == ["户籍"]
