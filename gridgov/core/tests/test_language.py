import ast
import gettext
import re
from pathlib import Path

from django.conf import settings

CATALOG = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES"
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def test_pages_are_chinese_even_for_an_english_browser(db, client):
    response = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "zh-hans"
    assert "网格化基层治理平台" in response.content.decode()


def test_english_is_chosen_with_the_language_switch(db, client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert response.status_code == 302
    response = client.get("/login/")
    assert response["Content-Language"] == "en"
    assert "Grid Governance Platform" in response.content.decode()


def _texts(html: str, tag: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", m).strip() for m in re.findall(rf"<{tag}[^>]*>(.*?)</{tag}>", html, re.S)]


def test_household_list_in_english_has_english_heading_columns_and_filters(world, client, login):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    login(world.town_staff)
    html = client.get("/households/").content.decode()
    assert _texts(html, "h1") == ["Household register"]
    assert _texts(html, "th") == [
        "Household number",
        "Householder",
        "Address",
        "Members",
        "Housing type",
        "Grid",
        "Household cluster",
    ]
    labels = re.findall(r'data-label="([^"]*)"', html)
    assert labels and not [label for label in labels if CJK.search(label)]
    assert not CJK.search(_texts(html, "title")[0].split("·")[0])
    assert "Register a household" in html and "Sign out" in html


def test_household_list_stays_chinese_without_the_switch(world, client, login):
    login(world.town_staff)
    html = client.get("/households/").content.decode()
    assert _texts(html, "h1") == ["户籍"]
    assert _texts(html, "th")[0] == "户编号"


def _po_entries(text: str) -> list[tuple[str, str, str, list[str], list[str]]]:
    """(context, msgid, msgid_plural, msgstrs, flags) of each live entry of a .po file."""
    entries = []
    for block in text.strip().split("\n\n"):
        lines = [line for line in block.splitlines() if not line.startswith("#~")]
        flags = [f.strip() for line in lines if line.startswith("#,") for f in line[2:].split(",")]
        fields: dict[str, str] = {}
        key = ""
        for line in lines:
            if line.startswith("#"):
                continue
            match = re.match(r"(msgctxt|msgid_plural|msgid|msgstr(?:\[\d\])?) (\".*\")$", line)
            if match:
                key = match.group(1)
                fields[key] = ast.literal_eval(match.group(2))
            else:
                fields[key] += ast.literal_eval(line)
        if "msgid" in fields:
            strs = [v for k, v in fields.items() if k.startswith("msgstr")]
            entries.append((fields.get("msgctxt", ""), fields["msgid"], fields.get("msgid_plural", ""), strs, flags))
    return entries


def test_every_english_message_is_translated_and_compiled():
    entries = [e for e in _po_entries((CATALOG / "django.po").read_text(encoding="utf-8")) if e[1]]
    assert len(entries) > 300
    assert [msgid for _, msgid, _, strs, _ in entries if not all(strs)] == []
    assert [msgid for _, msgid, _, _, flags in entries if "fuzzy" in flags] == []
    assert [msgid for _, msgid, _, strs, _ in entries if any(CJK.search(s) for s in strs)] == []
    with (CATALOG / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    stale = []
    for context, msgid, plural, strs, _ in entries:
        if plural:
            got = compiled.ngettext(msgid, plural, 1)
        else:
            got = compiled.pgettext(context, msgid) if context else compiled.gettext(msgid)
        if got != strs[0]:
            stale.append(msgid)
    assert stale == [], "run compilemessages (cd gridgov && ../.venv/bin/python ../manage.py compilemessages)"
