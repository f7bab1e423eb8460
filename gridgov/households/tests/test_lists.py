"""Household and resident lists: scope, filters, search, paging without COUNT, fixed query counts."""

import re

import pytest

from gridgov.households.queries import PAGE_SIZE

ID_A = "520330198005171232"
PHONE_A = "13812348000"


# session, user with place, one page of rows (related rows joined), the filter's places (+1: the capped
# total, only when more pages follow)
# (no session write: SessionIdleMiddleware saves at most once a minute).
QUERIES_LIST_PAGE = 4


def numbers(response) -> list[str]:
    return re.findall(r'href="/households/\d+/">([^<]+)</a>', response.content.decode())


def names(response) -> list[str]:
    return re.findall(r'href="/households/residents/\d+/">([^<]+)</a>', response.content.decode())


def search(client, url, **data):
    response = client.post(url, data)
    assert response.status_code == 302
    return client.get(response["Location"]), response["Location"]


def test_grid_worker_sees_only_own_grids_households(world, login):
    response = login(world.grid_worker_a).get("/households/")
    assert response.status_code == 200
    assert numbers(response) == ["H-A-001"]
    body = response.content.decode()
    assert "H-B-001" not in body and "永盛村" not in body and "李秀英" not in body


def test_village_committee_sees_its_village(world, login):
    response = login(world.village_committee).get("/households/")
    assert numbers(response) == ["H-A-001"]
    assert "H-B-001" not in response.content.decode()


def test_town_staff_see_both_villages_in_path_order(world, login):
    assert numbers(login(world.town_staff).get("/households/")) == ["H-A-001", "H-B-001"]


def test_resident_list_shows_masked_values_only(world, login):
    response = login(world.town_staff).get("/households/residents/")
    body = response.content.decode()
    assert names(response) == ["王建国", "李秀英"]
    assert "520330********1232" in body and "138****8000" in body
    assert ID_A not in body and PHONE_A not in body


def test_grid_worker_resident_list_is_scoped(world, login):
    response = login(world.grid_worker_b).get("/households/residents/")
    assert names(response) == ["李秀英"]
    assert "王建国" not in response.content.decode()


def test_place_filter_narrows_within_scope(world, login):
    client = login(world.town_staff)
    assert numbers(client.get("/households/?place=520330113202")) == ["H-B-001"]
    assert numbers(client.get("/households/?place=5203301132010102")) == []


def test_place_filter_outside_scope_finds_nothing(world, login):
    response = login(world.grid_worker_a).get("/households/?place=5203301132020101")
    assert response.status_code == 200
    assert numbers(response) == []
    assert "H-B-001" not in response.content.decode() and "永盛村" not in response.content.decode()


def test_house_type_filter(world, login, add_households):
    add_households(world.town_staff, world.grid_a, world.cluster_a1, 2)
    client = login(world.town_staff)
    assert numbers(client.get("/households/?house_type=commercial")) == ["H-X-000", "H-X-001"]
    assert numbers(client.get("/households/?house_type=self_built")) == ["H-A-001", "H-B-001"]


def test_search_by_address_contains(world, login):
    assert numbers(login(world.town_staff).get("/households/?q=永盛村一组")) == ["H-B-001"]


def test_search_by_resident_name(world, login):
    client = login(world.town_staff)
    assert numbers(client.get("/households/?q=王建")) == ["H-A-001"]
    assert names(client.get("/households/residents/?q=李秀英")) == ["李秀英"]


def test_search_by_exact_id_number_finds_the_resident(world, login):
    client = login(world.town_staff)
    response, location = search(client, "/households/residents/", id_number=ID_A)
    assert names(response) == ["王建国"]
    assert ID_A not in location and ID_A not in response.content.decode()
    response, location = search(client, "/households/", id_number=ID_A)
    assert numbers(response) == ["H-A-001"]
    assert ID_A not in location


def test_id_search_normalises_spaces_full_width_and_lower_case_x(world, login, add_households):
    client = login(world.town_staff)
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in ID_A)
    response, _ = search(client, "/households/residents/", id_number=f"  {full_width[:6]} {full_width[6:]} ")
    assert names(response) == ["王建国"]


def test_id_search_that_does_not_match_returns_nothing(world, login):
    client = login(world.town_staff)
    for attempt in ("520330198005171233", "520330198005", "52033019800517123X", "王建国"):
        response, _ = search(client, "/households/residents/", id_number=attempt)
        assert names(response) == [], attempt
        response, _ = search(client, "/households/", id_number=attempt)
        assert numbers(response) == [], attempt


def test_malformed_id_number_says_so(world, login):
    response, location = search(login(world.town_staff), "/households/residents/", id_number="520330198005")
    assert location == "/households/residents/?idx=invalid"
    assert "身份证号格式不正确" in response.content.decode()


def test_id_search_outside_scope_finds_nothing(world, login):
    response, _ = search(login(world.grid_worker_b), "/households/residents/", id_number=ID_A)
    assert names(response) == []
    assert "王建国" not in response.content.decode()


def test_id_number_in_a_get_link_is_moved_out_of_the_url(world, login):
    response = login(world.town_staff).get(f"/households/residents/?id_number={ID_A}&place=520330113")
    assert response.status_code == 302
    assert ID_A not in response["Location"]
    assert response["Location"].startswith("/households/residents/?place=520330113&idx=")


def test_pages_of_fifty_with_the_total_counted_only_when_more_follow(
    world, login, add_households, django_assert_num_queries
):
    add_households(world.town_staff, world.grid_a, world.cluster_a1, PAGE_SIZE + 5)
    client = login(world.grid_worker_a)
    with django_assert_num_queries(QUERIES_LIST_PAGE + 1) as ctx:  # the total, through a capped subquery
        first = client.get("/households/")
    assert [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()][0].endswith("LIMIT 10001) subquery")
    assert len(numbers(first)) == PAGE_SIZE
    assert numbers(first)[:2] == ["H-A-001", "H-X-000"]
    assert 'href="?page=2" rel="next"' in first.content.decode()
    assert 'rel="prev"' not in first.content.decode()
    assert "共 56 条 · 第 1–50 条" in first.content.decode()
    second = client.get("/households/?page=2")
    assert numbers(second) == [f"H-X-{i:03d}" for i in range(PAGE_SIZE - 1, PAGE_SIZE + 5)]
    assert 'rel="next"' not in second.content.decode()
    assert 'href="?" rel="prev"' in second.content.decode()
    assert "共 56 条 · 第 51–56 条" in second.content.decode()
    with django_assert_num_queries(QUERIES_LIST_PAGE) as ctx:  # the last page knows the total without a COUNT
        client.get("/households/?page=2")
    assert not any("COUNT(" in q["sql"].upper() for q in ctx.captured_queries)


@pytest.mark.parametrize("extra", [0, PAGE_SIZE + 5])
def test_household_list_query_count_is_fixed(world, login, add_households, django_assert_num_queries, extra):
    add_households(world.town_staff, world.grid_a, world.cluster_a1, extra)
    client = login(world.town_staff)
    with django_assert_num_queries(QUERIES_LIST_PAGE + (1 if extra else 0)):  # the total when a page follows
        response = client.get("/households/?place=520330113201&house_type=commercial&q=桂园")
    assert response.status_code == 200


@pytest.mark.parametrize("extra", [0, PAGE_SIZE + 5])
def test_resident_list_query_count_is_fixed(world, login, add_households, django_assert_num_queries, extra):
    add_households(world.town_staff, world.grid_a, world.cluster_a1, extra)
    client = login(world.town_staff)
    with django_assert_num_queries(QUERIES_LIST_PAGE + (1 if extra else 0)):  # the total when a page follows
        response = client.get("/households/residents/")
    assert len(names(response)) == min(2 + extra, PAGE_SIZE)


def test_pager_keeps_filters(world, login, add_households):
    add_households(world.town_staff, world.grid_a, world.cluster_a1, PAGE_SIZE + 1)
    body = login(world.town_staff).get("/households/?house_type=commercial").content.decode()
    assert 'href="?house_type=commercial&amp;page=2" rel="next"' in body


def test_bad_page_numbers_fall_back_to_the_first_page(world, login):
    client = login(world.town_staff)
    assert numbers(client.get("/households/?page=abc")) == ["H-A-001", "H-B-001"]
    assert numbers(client.get("/households/?page=-3")) == ["H-A-001", "H-B-001"]
    assert numbers(client.get("/households/?page=99")) == []


def test_filter_offers_the_path_and_children_of_the_chosen_place(world, login):
    body = login(world.town_staff).get("/households/?place=520330113201").content.decode()
    options = re.findall(r'<option value="(\d+)"', body)
    assert options == ["520330113", "520330113201", "52033011320101"]


def test_lists_need_a_business_role(world, login):
    for user in (world.auditor, world.system_admin, world.department_liaison):
        from django.test import Client

        client = login(user, Client())
        for url in ("/households/", "/households/residents/"):
            response = client.get(url)
            assert response.status_code == 404
            assert "王建国" not in response.content.decode()
