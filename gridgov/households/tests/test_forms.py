"""Adding households and residents and changing a phone, through the pages and `actions.py`."""

import re

from gridgov.households.models import Household, Resident

VALID_ID = "520330199001011236"


def options(body: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', body, re.S).group(1)
    return [v for v in re.findall(r'<option value="([^"]*)"', select) if v]


def test_household_form_offers_only_grids_and_clusters_in_scope(world, login):
    body = login(world.grid_worker_a).get("/households/new/").content.decode()
    assert options(body, "grid") == [str(world.grid_a.pk)]
    assert options(body, "cluster") == [str(world.cluster_a1.pk)]
    assert "永盛村" not in body


def test_add_household(world, login):
    response = login(world.grid_worker_a).post(
        "/households/new/",
        {
            "number": "H-A-002",
            "grid": world.grid_a.pk,
            "cluster": world.cluster_a1.pk,
            "address": "寨坝镇桂园村一组15号",
            "house_type": "resettlement",
            "longitude": "106.21",
            "latitude": "28.31",
        },
    )
    household = Household.objects.get(number="H-A-002")
    assert response.status_code == 302 and response["Location"] == f"/households/{household.pk}/"
    assert (household.path, household.address, household.house_type) == (
        "520330113201010101",
        "寨坝镇桂园村一组15号",
        "resettlement",
    )
    assert household.point == {"type": "Point", "coordinates": [106.21, 28.31]}


def test_add_household_in_other_grid_is_refused_and_keeps_input(world, login):
    response = login(world.grid_worker_a).post(
        "/households/new/",
        {"number": "H-B-009", "grid": world.grid_b.pk, "address": "永盛村某处", "house_type": "self_built"},
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "选择一个有效的选项" in body
    assert 'value="H-B-009"' in body and 'value="永盛村某处"' in body
    assert not Household.objects.filter(number="H-B-009").exists()


def test_add_household_with_cluster_of_another_grid_is_an_error(world, login):
    response = login(world.village_committee).post(
        "/households/new/",
        {
            "number": "H-C-001",
            "grid": world.grid_c.pk,
            "cluster": world.cluster_a1.pk,
            "address": "桂园村二组1号",
            "house_type": "self_built",
        },
    )
    assert response.status_code == 400
    assert "联户 桂园村第1网格第1联户 不在网格 桂园村第2网格 内" in response.content.decode()
    assert not Household.objects.filter(number="H-C-001").exists()


def test_duplicate_household_number_is_an_error(world, login):
    response = login(world.town_staff).post(
        "/households/new/",
        {"number": "H-A-001", "grid": world.grid_a.pk, "address": "别处", "house_type": "self_built"},
    )
    assert response.status_code == 400
    assert "户编号" in response.content.decode() and "已存在" in response.content.decode()
    assert Household.objects.filter(number="H-A-001").count() == 1


def test_add_resident_to_household(world, login):
    client = login(world.grid_worker_a)
    response = client.post(
        f"/households/{world.household_a.pk}/residents/new/",
        {
            "name": "王小明",
            "id_number": VALID_ID,
            "phone": "138 0013 8000",
            "relation": "child",
            "ethnicity": "苗族",
            "residence_type": "registered",
        },
    )
    assert response.status_code == 302
    resident = Resident.objects.get(name="王小明")
    assert (resident.household_id, resident.path, resident.sex, str(resident.birth_date)) == (
        world.household_a.pk,
        "520330113201010101",
        "M",
        "1990-01-01",
    )
    assert (resident.id_number_masked, resident.phone_masked, resident.ethnicity) == (
        "520330********1236",
        "138****8000",
        "苗族",
    )
    assert Household.objects.get(pk=world.household_a.pk).member_count == 2
    body = client.get(response["Location"]).content.decode()
    assert "王小明" in body and VALID_ID not in body


def test_bad_resident_input_shows_chinese_errors_and_keeps_everything(world, login):
    response = login(world.grid_worker_a).post(
        f"/households/{world.household_a.pk}/residents/new/",
        {
            "name": "王小明",
            "id_number": "520330199001011237",
            "phone": "12345",
            "relation": "child",
            "ethnicity": "汉族",
            "residence_type": "floating",
            "works_away": "on",
            "works_away_place": "广东东莞",
        },
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "身份证号校验位错误（应为 6）" in body
    assert "手机号应为11位，以1开头，第二位为3-9" in body
    for kept in ('value="王小明"', 'value="520330199001011237"', 'value="12345"', 'value="广东东莞"'):
        assert kept in body
    assert 'value="floating" selected' in body
    assert "no-store" in response["Cache-Control"]
    assert not Resident.objects.filter(name="王小明").exists()


def test_duplicate_id_number_is_refused(world, login):
    response = login(world.town_staff).post(
        f"/households/{world.household_b.pk}/residents/new/",
        {
            "name": "冒名",
            "id_number": "520330198005171232",
            "relation": "other",
            "ethnicity": "汉族",
            "residence_type": "registered",
        },
    )
    assert response.status_code == 400
    assert "该身份证号已登记" in response.content.decode()
    assert Resident.objects.count() == 2


def test_update_phone(world, login):
    client = login(world.grid_worker_a)
    response = client.post(f"/households/residents/{world.resident_a.pk}/phone/", {"phone": "+86 139-0000-2222"})
    assert response.status_code == 302
    resident = Resident.objects.get(pk=world.resident_a.pk)
    assert (resident.phone_masked, resident.reveal_phone()) == ("139****2222", "13900002222")


def test_bad_phone_is_an_error_and_changes_nothing(world, login):
    response = login(world.grid_worker_a).post(
        f"/households/residents/{world.resident_a.pk}/phone/", {"phone": "02812345678"}
    )
    assert response.status_code == 400
    assert "手机号应为11位，以1开头，第二位为3-9" in response.content.decode()
    assert 'value="02812345678"' in response.content.decode()
    assert Resident.objects.get(pk=world.resident_a.pk).reveal_phone() == "13812348000"


def test_phone_of_other_grids_resident_is_404_and_unchanged(world, login):
    response = login(world.grid_worker_a).post(
        f"/households/residents/{world.resident_b.pk}/phone/", {"phone": "13900002222"}
    )
    assert response.status_code == 404
    assert Resident.objects.get(pk=world.resident_b.pk).reveal_phone() == "13900001111"


def test_phone_form_shows_only_the_masked_phone(world, login):
    response = login(world.grid_worker_a).get(f"/households/residents/{world.resident_a.pk}/phone/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "138****8000" in body
    assert "13812348000" not in body and "520330198005171232" not in body
