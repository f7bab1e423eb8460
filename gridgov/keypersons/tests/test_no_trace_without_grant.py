"""Acceptance: a grid worker without key-population access cannot learn, by any page, list, count, search,
export or API route, that a resident is on the key-population list.

The proof is differential. Every GET route of the whole project (pages and API, every id and code
that matters, with search and filter variants) is fetched as grid worker A — whose grid holds the
resident — before and after that resident is enlisted, followed up, put under red follow-up, lost
(out of contact) and alerted on. Each answer must be byte-for-byte the same (after masking CSRF
tokens and the per-page ids and clock of blank forms). The key-population routes themselves answer
404 to every method, and a write attempted through them changes nothing.
"""

import io
import re
import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from python_calamine import CalamineWorkbook

from gridgov.keypersons import actions
from gridgov.keypersons.models import FollowUp, KeyPerson, KeyPersonAlert, KeyPersonEvent
from gridgov.visits import actions as visit_actions
from gridgov.visits.tests.conftest import days_ago

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_PLACES = ["5203301132010101", "520330113201"]  # grid A, and village A (above the worker: refused)
SKIP = {"logout", "set_language"}  # these change the session, not data
PARAM_RE = re.compile(r"<(?:(\w+):)?(\w+)>")
MASKS = [
    (re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"'), 'name="csrfmiddlewaretoken" value=""'),
    (re.compile(r'"X-CSRFToken": "[^"]+"'), '"X-CSRFToken": ""'),
    (re.compile(r'data-csrf-token="[^"]*"'), 'data-csrf-token=""'),
    (re.compile(r"\b[A-Za-z0-9]{64}\b"), "<csrf>"),  # masked CSRF tokens in scripts (API docs)
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "<uuid>"),
    (re.compile(r'value="\d{4}-\d\d-\d\dT\d\d:\d\d"'), 'value="<now>"'),
]
QUERY_VARIANTS = ["", "?q=王", "?status=all", "?status=out_of_contact", "?color=red", "?overdue=1"]


def walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern) and p.name not in SKIP:
            yield prefix + str(p.pattern)


def expand(route: str, ints: list[int], strs: list[str]) -> list[str]:
    urls = ["/" + route]
    for match in PARAM_RE.finditer(route):
        values = [str(i) for i in ints] if match.group(1) == "int" else strs
        urls = [u.replace(match.group(0), v, 1) for u in urls for v in values]
    return urls


def variants(scene: list[tuple[str, bool]], answers: dict[str, tuple[int, str]]) -> list[str]:
    """Search and filter variants of every parameterless page the worker can open, and of every key-population route."""
    out = []
    for url, has_params in scene:
        if has_params or "openapi" in url or url.endswith("/docs"):
            continue
        if url.startswith(("/keypersons/", "/api/v1/keypersons/")) or answers[url][0] == 200:
            out += [url + q for q in QUERY_VARIANTS[1:]]
    return out


def normalize(response) -> str:
    if response.get("Content-Type", "").startswith(XLSX):
        return workbook_text(b"".join(response.streaming_content) if response.streaming else response.content)
    text = response.content.decode("utf-8", errors="replace")
    for pattern, replacement in MASKS:
        text = pattern.sub(replacement, text)
    return text


def snapshot(client, urls: list[str]) -> dict[str, tuple[int, str]]:
    out = {url: (r.status_code, normalize(r)) for url in urls for r in [client.get(url)]}
    # The register export (a POST) of the grid and of the whole scope, read cell by cell.
    for code in EXPORT_PLACES:
        response = client.post("/registers/export/", {"place": code})
        out[f"POST /registers/export/ {code}"] = (response.status_code, normalize(response))
    return out


def workbook_text(data: bytes) -> str:
    """An xlsx file's cell values, sheet by sheet (the zip itself carries timestamps)."""
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    lines = []
    for name in book.sheet_names:
        rows = book.get_sheet_by_name(name).to_python()
        cells = ("" if v is None else str(v) for row in rows for v in row)
        lines.append(f"{name}: " + "|".join(cells))
    return "\n".join(lines)


@pytest.fixture
def scene(world, officer, leader_a, drug_users, visit_household_a):
    """Ids and codes to try in every route: the resident's, the household's, the records' to come."""
    # The records made later get ids 1 and 2 (key persons, follow-up, alerts), as do resident and household A.
    ints = sorted({world.resident_a.pk, world.household_a.pk, visit_household_a.pk, 1, 2})
    strs = [world.grid_a.code, world.cluster_a1.code, "id_number"]
    routes = list(walk(get_resolver().url_patterns))
    return [(url, PARAM_RE.search(route) is not None) for route in routes for url in expand(route, ints, strs)]


@pytest.fixture
def visit_household_a(world):
    """Household A visited 25 days ago: due in 65 days by the default rule, in 5 days if it had a key person."""
    return visit_actions.record_visit(
        world.grid_worker_a, visit_actions.VisitInput(household=world.household_a, visited_at=days_ago(25))
    )[0]


def put_resident_a_on_the_list(world, officer, leader_a, drug_users, enlist, follow_up):
    person = enlist(world.resident_a, drug_users, "blue", responsible=leader_a, days_ago_=40)
    follow_up(leader_a, person, 30, color="red", color_reason="复吸迹象")
    actions.raise_alerts(timezone.now())  # red: 7 days, last follow-up 30 days ago -> overdue alert
    actions.mark_out_of_contact(officer, person, note="电话不通，家人称外出")
    other = enlist(world.resident_b, drug_users, "yellow")
    return person, other


def test_grid_worker_without_the_grant_sees_every_route_exactly_as_before(
    world, officer, leader_a, drug_users, enlist, follow_up, scene, login
):
    client = login(world.grid_worker_a)
    before = snapshot(client, [url for url, _ in scene])
    before |= snapshot(client, variants(scene, before))
    urls = list(before)

    person, _ = put_resident_a_on_the_list(world, officer, leader_a, drug_users, enlist, follow_up)
    assert (KeyPersonAlert.objects.count(), FollowUp.objects.count()) == (2, 1)  # overdue + out of contact

    after = snapshot(client, urls)
    changed = sorted(url for url in after if after[url] != before[url])
    assert changed == []
    assert len(urls) > 300  # every route of the project, with ids, codes and query variants

    # The key-population routes exist and answer 404 whatever the id (422 for a malformed filter and 405 for
    # GET on a POST-only operation: the API checks both before any handler runs, for everyone alike).
    key_urls = [u for u in urls if u.startswith(("/keypersons/", "/api/v1/keypersons/"))]
    assert len(key_urls) > 40
    for url in key_urls:
        expected = 422 if url.startswith("/api/v1/keypersons/?status=all") else 404
        expected = 405 if "/follow-ups" in url else expected  # a POST-only operation, for everyone
        assert after[url][0] == expected, url
    # The household's plan does not move although key persons shorten the visit cadence for holders.
    assert "H-A-001" not in client.get("/visits/today/").content.decode()
    assert "重点" not in client.get(f"/households/residents/{world.resident_a.pk}/").content.decode()
    export = before["POST /registers/export/ 5203301132010101"]
    assert export[0] == 200 and "王建国" in export[1]  # the export was really made, and it names the resident


def test_the_same_routes_do_show_the_person_to_a_holder_of_the_grant(
    world, officer, leader_a, drug_users, enlist, follow_up, login
):
    person, _ = put_resident_a_on_the_list(world, officer, leader_a, drug_users, enlist, follow_up)
    client = login(leader_a)
    assert "王建国" in client.get("/keypersons/?status=all").content.decode()
    assert client.get(f"/api/v1/keypersons/{person.pk}").json()["name"] == "王建国"
    assert "H-A-001" in client.get("/visits/today/").content.decode()  # key persons make household A due in 5 days
    assert 'href="/keypersons/"' in client.get("/visits/today/").content.decode()


def test_writes_through_key_population_routes_are_404_and_change_nothing(
    world, officer, leader_a, drug_users, enlist, follow_up, scene, login
):
    person, _ = put_resident_a_on_the_list(world, officer, leader_a, drug_users, enlist, follow_up)
    counts = (KeyPerson.objects.count(), FollowUp.objects.count(), KeyPersonEvent.objects.count())
    state = KeyPerson.objects.values().get(pk=person.pk)
    client = login(world.grid_worker_a)
    for url in [u for u, _ in scene if u.startswith("/keypersons/")]:
        response = client.post(url, {"reason": "x", "out-note": "x", "end-reason": "x", "note": "x"})
        assert response.status_code == 404, url
    response = client.post(
        f"/api/v1/keypersons/{person.pk}/follow-ups",
        {"followed_up_at": timezone.now().isoformat(), "whereabouts": "at_home", "client_uuid": str(uuid.uuid4())},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert response.json() == {"detail": "不存在或不在账号范围内", "errors": {}}  # as for an id that does not exist
    assert (KeyPerson.objects.count(), FollowUp.objects.count(), KeyPersonEvent.objects.count()) == counts
    assert KeyPerson.objects.values().get(pk=person.pk) == state


def test_menu_entry_only_for_holders(world, officer, login):
    from django.test import Client

    assert 'href="/keypersons/"' not in login(world.grid_worker_a).get("/visits/today/").content.decode()
    assert 'href="/keypersons/"' in login(officer, Client()).get("/visits/today/").content.decode()


def test_for_user_is_empty_without_the_grant_even_for_county_staff(world, drug_users, enlist):
    enlist(world.resident_a, drug_users)
    assert list(KeyPerson.objects.for_user(world.county_staff)) == []
    assert KeyPerson.objects.for_user(world.county_staff).count() == 0
    world.county_staff.may_view_key_population = True
    assert KeyPerson.objects.for_user(world.county_staff).count() == 1
