"""/api/v1/matters: the same permissions as the actions (refused: 403/409 and nothing changed),
scope (404), masked reporter data, filters and search, fixed query counts, the OpenAPI document."""

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from gridgov.matters.models import Matter, MatterEvent
from gridgov.matters.tests.helpers import category, record

API = "/api/v1/matters"


def post(client, url, body=None):
    return client.post(url, body or {}, content_type="application/json")


def snapshot(matter):
    m = Matter.objects.get(pk=matter.pk)
    return (m.state, m.level, m.holder_path, m.holder_department_id, m.result, m.events.count())


@pytest.fixture
def pending(engine):
    """A dispute recorded by the village committee: it waits at grid A to be accepted."""
    return record(engine.village_committee, title="地界纠纷", description="两家因地界争执")


def test_list_is_scoped_filtered_and_searchable(engine, login, client):
    w = engine
    a = record(w.grid_worker_a, title="王家漏水纠纷", color="red")
    b = record(w.grid_worker_b, household=w.household_b, title="垃圾堆放", code="environment.rubbish", color="blue")
    town = login(w.town_staff)

    def ids(query=""):
        response = town.get(f"{API}/{query}")
        assert response.status_code == 200
        return [m["id"] for m in response.json()["items"]]

    assert ids() == [b.pk, a.pk]
    assert ids("?kind=dispute") == [a.pk]
    assert ids("?color=blue") == [b.pk]
    assert ids(f"?category={category('environment.rubbish').pk}") == [b.pk]
    assert ids(f"?place={w.grid_a.code}") == [a.pk]
    assert ids("?state=in_progress") == [b.pk, a.pk]
    assert ids("?q=漏水") == [a.pk]
    assert ids("?q=垃圾") == [b.pk]
    assert ids("?q=纠纷&kind=environment") == []
    assert ids(f"?since={timezone.localdate() + dt.timedelta(days=1)}") == []
    assert ids("?limit=1")[0] == b.pk and town.get(f"{API}/?limit=1").json()["next_offset"] == 1
    worker = login(w.grid_worker_a, client.__class__())
    assert [m["id"] for m in worker.get(f"{API}/").json()["items"]] == [a.pk]
    assert [m["id"] for m in worker.get(f"{API}/?queue=true").json()["items"]] == [a.pk]
    assert worker.get(f"{API}/{b.pk}").status_code == 404
    auditor = login(w.auditor, client.__class__())
    assert auditor.get(f"{API}/").status_code == 404  # the operation's access marker, as on the pages
    assert auditor.get(f"{API}/{a.pk}").status_code == 404


def test_list_and_detail_query_counts_are_fixed(engine, login, client, django_assert_num_queries):
    w = engine
    for i in range(3):
        record(w.grid_worker_a, title=f"纠纷{i}")
    worker = login(w.grid_worker_a)
    worker.get(f"{API}/")  # warm the session
    with django_assert_num_queries(3):  # session, user, matters with category, holder and place
        assert len(worker.get(f"{API}/").json()["items"]) == 3
    for i in range(3):
        record(w.grid_worker_a, title=f"纠纷{i}")
    with django_assert_num_queries(3):
        assert len(worker.get(f"{API}/").json()["items"]) == 6
    pk = Matter.objects.order_by("id").first().pk
    with django_assert_num_queries(9):  # session, user, matter, events, mediations, agreements, feedbacks,
        # attachments, supervisions
        assert worker.get(f"{API}/{pk}").status_code == 200


def test_detail_has_timeline_actions_and_only_the_masked_phone(engine, login, client):
    w = engine
    matter = record(w.grid_worker_a, title="地界纠纷")
    response = login(w.grid_worker_a).get(f"{API}/{matter.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["reference"] == f"JF-{timezone.localdate().year}-{matter.pk:06d}"
    assert (body["reporter_name"], body["reporter_phone_masked"]) == (w.resident_a.name, w.resident_a.phone_masked)
    assert w.resident_a.reveal_phone() not in response.content.decode()
    assert [(e["action"], e["actor_name"], e["to_unit"]) for e in body["events"]] == [
        ("record", "网格员甲", "桂园村第1网格")
    ]
    assert "resolve_on_spot" in body["available_actions"] and "accept" not in body["available_actions"]


def test_create_records_through_the_action(engine, login, client):
    w = engine
    worker = login(w.grid_worker_a)
    body = {
        "kind": "appeal",
        "category_id": category("appeal.subsidy").pk,
        "title": "查询耕地地力保护补贴",
        "channel": "walk_in",
        "color": "blue",
        "reporter": {"type": "outsider", "name": "过路人", "phone": "13800138000"},
        "place": w.grid_a.code,
        "answer_type": "answer",
    }
    response = post(worker, f"{API}/", body)
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["state"], created["level"], created["reporter_phone_masked"]) == (
        "in_progress",
        "grid",
        "138****8000",
    )
    assert "13800138000" not in response.content.decode()
    assert MatterEvent.objects.filter(matter_id=created["id"]).count() == 1
    count = Matter.objects.count()
    outside = post(login(w.grid_worker_b, client.__class__()), f"{API}/", body)
    assert outside.status_code == 404  # out of scope answers as absent, naming nothing
    assert outside.json() == {"detail": "不存在或不在账号范围内", "errors": {}}
    wrong = post(worker, f"{API}/", {**body, "kind": "dispute", "answer_type": None})
    assert wrong.status_code == 422 and wrong.json()["errors"] == {"category": ["请选择该类事项下可用的分类"]}
    assert Matter.objects.count() == count


def test_accept_allowed_for_the_holding_grid_refused_for_others(engine, pending, login, client):
    w = engine
    before = snapshot(pending)
    other = post(login(w.grid_worker_b), f"{API}/{pending.pk}/accept")
    assert other.status_code == 404  # grid B cannot even see it
    town = post(login(w.town_staff, client.__class__()), f"{API}/{pending.pk}/accept")
    assert town.status_code == 403 and town.json()["detail"] == "该事项现由桂园村第1网格办理，您不能受理"
    assert snapshot(pending) == before
    worker = login(w.grid_worker_a, client.__class__())
    ok = post(worker, f"{API}/{pending.pk}/accept", {"note": "已受理"})
    assert ok.status_code == 200 and ok.json()["state"] == "in_progress"
    assert Matter.objects.get(pk=pending.pk).events.count() == before[-1] + 1
    again = post(worker, f"{API}/{pending.pk}/accept")
    assert again.status_code == 409 and again.json()["detail"] == "事项当前为“办理中”，不能受理"


def test_refusals_are_english_for_an_english_user_and_state_refusals_stay_409(engine, pending, login, client):
    w = engine
    before = snapshot(pending)
    town = login(w.town_staff)
    town.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    refused = post(town, f"{API}/{pending.pk}/accept")
    assert refused.status_code == 403
    assert refused.json()["detail"] == "Not allowed (Accept): this matter is held by 桂园村第1网格."
    worker = login(w.grid_worker_a, client.__class__())
    assert post(worker, f"{API}/{pending.pk}/accept").status_code == 200
    worker.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    again = post(worker, f"{API}/{pending.pk}/accept")
    assert again.status_code == 409
    assert again.json()["detail"] == "Not allowed (Accept): the matter is “In progress”."
    assert Matter.objects.get(pk=pending.pk).events.count() == before[-1] + 1


def test_escalation_routing_and_reply_through_the_api(engine, login, client):
    w = engine
    matter = record(w.grid_worker_a)
    worker = login(w.grid_worker_a)
    assert post(worker, f"{API}/{matter.pk}/report-up", {"reason": " "}).json()["errors"] == {
        "reason": ["请填写上报理由"]
    }
    assert post(worker, f"{API}/{matter.pk}/report-up", {"reason": "调解不成"}).json()["level"] == "village"
    village = login(w.village_committee, client.__class__())
    refused = post(village, f"{API}/{matter.pk}/reopen", {"reason": "再办"})
    assert refused.status_code == 409 and refused.json()["detail"] == "事项当前为“待受理”，不能重新办理"
    assert post(village, f"{API}/{matter.pk}/accept").status_code == 200
    routed = post(village, f"{API}/{matter.pk}/route", {"department_id": w.judicial.pk, "note": "请司法所调解"})
    assert routed.status_code == 200 and routed.json()["holder_department"] == "寨坝镇司法所"
    police = login(w.police_liaison, client.__class__())
    assert post(police, f"{API}/{matter.pk}/reply", {"result": "x"}).status_code == 404
    liaison = login(w.department_liaison, client.__class__())
    before = snapshot(matter)
    assert post(liaison, f"{API}/{matter.pk}/send-back", {}).status_code == 403
    assert snapshot(matter) == before
    replied = post(liaison, f"{API}/{matter.pk}/reply", {"result": "达成协议"})
    assert replied.status_code == 200 and replied.json()["state"] == "in_progress"
    back = post(village, f"{API}/{matter.pk}/send-back", {})
    assert (back.json()["state"], back.json()["level"]) == ("resolved", "grid")
    close = post(worker, f"{API}/{matter.pk}/close")
    assert close.status_code == 403 and "回访" in close.json()["detail"]
    fb = {"method": "phone", "contacted_at": timezone.now().isoformat(), "said": "满意", "verdict": "accepted"}
    assert post(worker, f"{API}/{matter.pk}/feedback", {**fb, "satisfaction": 6}).status_code == 422
    assert post(worker, f"{API}/{matter.pk}/feedback", {**fb, "satisfaction": 5}).status_code == 200
    closed = post(worker, f"{API}/{matter.pk}/close", {"note": "办结"})
    assert closed.json()["state"] == "closed"
    assert [e["action"] for e in closed.json()["events"]] == [
        "record", "report_up", "accept", "route_to_department", "department_reply", "send_back", "record_feedback",
        "close",
    ]  # fmt: skip


def test_kind_specific_actions_and_mediation(engine, login, client):
    w = engine
    worker = login(w.grid_worker_a)
    hazard = record(w.grid_worker_a, code="hazard.safety.enterprise", title="消防通道堵塞")
    refused = post(worker, f"{API}/{hazard.pk}/resolve-on-spot", {"result": "清理"})
    assert refused.status_code == 403 and refused.json()["detail"] == "隐患须整改并经复查后才能办结"
    assert post(worker, f"{API}/{hazard.pk}/rectify", {"measures": "清理杂物"}).json()["state"] == "reinspection"
    assert post(worker, f"{API}/{hazard.pk}/reinspect", {"passed": True, "note": "畅通"}).json()["state"] == "resolved"

    dispute = record(w.grid_worker_a)
    outsider = post(worker, f"{API}/{dispute.pk}/mediations", {
        "scheduled_for": timezone.now().isoformat(), "mediator_ids": [w.elder_b.pk],
    })  # fmt: skip
    assert outsider.status_code == 422 and outsider.json()["errors"] == {
        "mediators": ["调解人员不存在或不在事项所在地任职"]
    }
    scheduled = post(worker, f"{API}/{dispute.pk}/mediations", {
        "scheduled_for": timezone.now().isoformat(), "mediator_ids": [w.elder_1.pk, w.elder_2.pk], "venue": "调解室",
    })  # fmt: skip
    session = scheduled.json()["mediations"][0]
    assert session["mediators"] == ["张国林", "母德华"]
    result = post(worker, f"{API}/{dispute.pk}/mediation-results", {"session_id": session["id"], "outcome": "success"})
    assert result.json()["mediations"][0]["outcome"] == "success"
    agreement = post(worker, f"{API}/{dispute.pk}/agreement", {
        "number": "寨司调〔2026〕1号", "organisation": "桂园村人民调解委员会", "facts": "地界", "terms": "以界桩为准",
        "signed_on": "2026-03-04", "parties": [{"name": "甲"}, {"name": "乙"}], "session_id": session["id"],
    })  # fmt: skip
    assert agreement.status_code == 200 and agreement.json()["agreements"][0]["number"] == "寨司调〔2026〕1号"
    appeal_refused = post(worker, f"{API}/{dispute.pk}/answer", {"answer_type": "answer", "text": "已答复"})
    assert appeal_refused.status_code == 403 and appeal_refused.json()["detail"] == "只有群众诉求事项可以答复"

    hardship = record(w.grid_worker_a, code="hardship.medical", title="就医困难")
    proxied = post(worker, f"{API}/{hardship.pk}/proxy-handle", {"steward_id": w.steward_a.pk, "result": "已代办"})
    assert proxied.json()["state"] == "resolved"
    reopened = post(worker, f"{API}/{hardship.pk}/reopen", {"reason": "情况反复"})
    assert reopened.json()["state"] == "in_progress"
    merged = post(worker, f"{API}/{hardship.pk}/merge", {"original_id": dispute.pk})
    assert merged.json()["state"] == "merged" and merged.json()["duplicate_of_id"] == dispute.pk


def test_cluster_leader_reads_own_reports_but_cannot_act(engine, login, client):
    w = engine
    own = record(w.cluster_leader_a1, title="楼道堆物")
    leader = login(w.cluster_leader_a1)
    assert [m["id"] for m in leader.get(f"{API}/").json()["items"]] == [own.pk]
    before = snapshot(own)
    refused = post(leader, f"{API}/{own.pk}/accept")
    assert refused.status_code == 403 and refused.json()["detail"] == "联户长只能上报事项，不能受理"
    assert snapshot(own) == before


def test_openapi_lists_the_matter_routes(engine, client):
    doc = client.get("/api/v1/openapi.json").json()
    paths = {p for p in doc["paths"] if p.startswith(API)}
    expected = {f"{API}/", f"{API}/{{pk}}"} | {
        f"{API}/{{pk}}/{a}"
        for a in (
            "accept", "resolve-on-spot", "report-up", "route", "reply", "send-back", "return", "merge", "reopen",
            "mediations", "mediation-results", "agreement", "answer", "rectify", "reinspect", "proxy-handle",
            "feedback", "close", "supervise", "edit", "attachments",
        )
    } | {f"{API}/attachments/{{attachment_id}}"}  # fmt: skip
    assert paths == expected
    assert doc["paths"][f"{API}/"]["get"]["tags"] == ["事项"]
