"""The work-queue page and Chinese search with 1,000,000 matters (`python -m bench.matters_bench`).

Builds once (cached in bench/out/): 寨坝镇 from `seed_demo` (no demo year of matters), then
1,000,000 matters written with raw inserts over its 114 grids and ten years, about 3% open
(a few hundred per grid's queue, a share held by villages and the town), with the bigram
search column filled as `Matter.refresh_search_text` does and the full-text index rebuilt once.

Prints medians (each the median of 3 runs of N requests): the work-queue page's server time
through Django's test client (grid worker, town staff; target < 25 ms) and search time for
two-character words (target < 100 ms), next to the raw queries they run.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import random
import statistics
import sys
import time

from bench.common import OUT, line, median_ms, median_wall_cpu_ms, setup_django

MATTERS = int(os.environ.get("BENCH_MATTERS", "1000000"))
RUNS = 3
REQUESTS = 20
WORDS = ("纠纷", "漏水", "垃圾")
OPEN_SHARE = 0.03
RAW_FTS = "SELECT rowid FROM matters_matter_fts WHERE matters_matter_fts MATCH %s ORDER BY rowid DESC LIMIT 100"

# (kind, category code, title, description); {a} {b} are names, {g} the grid. Word frequencies over
# the corpus: 纠纷 ~ 17%, 垃圾 ~ 12%, 漏水 ~ 3%.
TEMPLATES = [
    ("dispute", "dispute.neighbour", "{a}与{b}邻里口角纠纷", "{a}与邻居{b}因琐事发生口角。"),
    ("dispute", "dispute.housing_homestead", "{a}与{b}宅基地界址纠纷", "{a}建房时与{b}对宅基地界址有争议。"),
    ("dispute", "dispute.contract", "{a}与{b}土地租赁合同纠纷", "{a}租种{b}的承包地，因租金产生分歧。"),
    ("dispute", "dispute.land_forest", "{a}与{b}承包地地界纠纷", "两家承包地相邻，地界不清。"),
    ("appeal", "appeal.subsidy", "{a}查询耕地地力保护补贴", "{a}想查询补贴是否到账。"),
    ("appeal", "appeal.infrastructure", "{g}饮水管漏水", "{a}反映{g}饮水管道漏水，用水不便。"),
    ("appeal", "appeal.agriculture", "{a}咨询小麦打药技术", "{a}反映小麦出现病虫害。"),
    ("appeal", "appeal.social_insurance", "{a}咨询养老保险缴费", "{a}咨询养老保险缴费档次。"),
    ("environment", "environment.rubbish", "{g}积存垃圾", "{g}房前屋后有积存垃圾，影响村容村貌。"),
    ("environment", "environment.roadside_rubbish", "{g}道路暴露性垃圾", "{g}通组路两侧有暴露性垃圾。"),
    ("environment", "environment.sewage", "{g}生活污水横流", "{g}有生活污水直排路面。"),
    ("hardship", "hardship.medical", "{a}看病就医困难", "{a}年老体弱，需要陪同就医。"),
    ("hardship", "hardship.daily_care", "{a}生活照料困难", "{a}独自居住，子女在外务工。"),
    ("hardship", "hardship.minimum_living", "{a}申请低保救助", "{a}家庭收入低，因病致困。"),
    ("hazard", "hazard.safety.electricity_gas", "{a}家用电线路老化", "{a}家电线私拉乱接、线路老化。"),
    ("hazard", "hazard.safety.self_built_house", "{a}家自建房屋顶漏水墙体开裂", "{a}家自建房屋顶漏水，墙体裂缝。"),
    ("hazard", "hazard.safety.drowning", "{g}山塘防溺水设施缺失", "{g}山塘无警示牌和防护栏。"),
    ("dispute", "dispute.marriage_family", "{a}家庭赡养纠纷", "{a}的子女对赡养费用分担有分歧。"),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "国建华明德兴文光荣强军平伟志勇斌海涛俊刚成"


def _build(total: int) -> float:
    """Write ``total`` matters into 寨坝镇; returns seconds."""
    from django.db import connection, transaction
    from django.utils import timezone

    from gridgov.demo.seed import Table, write
    from gridgov.matters import fts
    from gridgov.matters.demo import MATTER_FIELDS, _adapters
    from gridgov.matters.models import Category, DeadlineRule, Matter
    from gridgov.matters.search import bigram_tokens
    from gridgov.places.models import Place

    t0 = time.perf_counter()
    rng = random.Random(7)
    town = Place.objects.get(code="520330113")
    grids = list(Place.objects.within(town.code).filter(kind="grid").order_by("code").values_list("code", "id", "name"))
    villages = dict(Place.objects.within(town.code).filter(kind="village").values_list("code", "id"))
    categories = dict(Category.objects.values_list("code", "id"))
    hours = {(k, c, lv): h for k, c, lv, h in DeadlineRule.objects.values_list("kind", "color", "level", "hours")}
    adt, jsn = _adapters()
    names = [s + g1 + g2 for s in SURNAMES for g1 in GIVEN[:8] for g2 in GIVEN[8:]]
    # Texts and their tokens, made once and reused (tokenizing a million texts would dominate the build).
    texts = []
    for _ in range(4000):
        kind, code, title_t, desc_t = rng.choice(TEMPLATES)
        g = rng.choice(grids)
        a, b = rng.choice(names), rng.choice(names)
        title, desc = title_t.format(a=a, b=b, g=g[2]), desc_t.format(a=a, b=b, g=g[2])
        texts.append((kind, categories[code], title, desc, bigram_tokens(f"{title} {desc}")))
    now = timezone.now()
    start = now - dt.timedelta(days=3650)
    empty = jsn({})
    table = Table(Matter, MATTER_FIELDS)
    fts.drop_search_index(connection)
    next_id = (Matter.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    batch = 50_000
    for offset in range(0, total, batch):
        rows = []
        for i in range(offset, min(total, offset + batch)):
            pk = next_id + i
            created = start + dt.timedelta(seconds=(i / total) * 3650 * 86400 + rng.random() * 60)
            kind, category, title, desc, tokens = texts[rng.randrange(len(texts))]
            gcode, gid, _ = grids[rng.randrange(len(grids))]
            color = rng.choices(("blue", "yellow", "red"), (6, 3, 1))[0]
            is_open = rng.random() < OPEN_SHARE * (2 if created > now - dt.timedelta(days=60) else 0.9)
            level = "grid"
            holder_code, holder_id = gcode, gid
            if is_open:
                r = rng.random()
                if r < 0.15:
                    level, holder_code, holder_id = "village", gcode[:12], villages[gcode[:12]]
                elif r < 0.2:
                    level, holder_code, holder_id = "town", town.code, town.pk
                state = rng.choice(("pending", "in_progress", "in_progress", "resolved"))
                arrived = created + dt.timedelta(hours=rng.randint(1, 48))
                h = hours.get((kind, color, level), 168)
                deadline, red = arrived + dt.timedelta(hours=h), arrived + dt.timedelta(hours=2 * h)
                overdue = deadline < now
                card = ("red" if red < now else "yellow") if overdue else ""
                resolved = closed = None
            else:
                state = "closed"
                arrived = created + dt.timedelta(hours=rng.randint(1, 72))
                h = hours.get((kind, color, level), 168)
                deadline, red = arrived + dt.timedelta(hours=h), arrived + dt.timedelta(hours=2 * h)
                overdue, card = False, ""
                resolved = arrived + dt.timedelta(hours=rng.randint(1, 100))
                closed = resolved + dt.timedelta(hours=rng.randint(1, 48))
            rows.append((
                pk, adt(created), adt(closed or arrived), gcode, kind, category, empty, title, desc, tokens, "visit",
                "anonymous", None, "", "", None, gid, color, state, is_open, level, holder_id, holder_code, None,
                adt(arrived), adt(deadline), adt(red), overdue, card, "已办结" if resolved else "",
                adt(resolved) if resolved else None, adt(closed) if closed else None, adt(closed) if closed else None,
                "", "", None, None, False,
            ))  # fmt: skip
        with transaction.atomic():
            write(table, rows)
        print(f"  ... {min(total, offset + batch):,} matters", flush=True)
    fts.create_search_index(connection)  # rebuilds the index once over all rows
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return time.perf_counter() - t0


def _median_of_runs(fn, runs: int = RUNS, n: int = REQUESTS) -> float:
    return statistics.median(median_ms(fn, runs=n, warmup=2) for _ in range(runs))


def _wall_and_cpu(fn, runs: int = RUNS, n: int = REQUESTS) -> tuple[float, float]:
    """Median of ``runs`` medians of ``n`` calls: (wall ms, CPU ms)."""
    results = [median_wall_cpu_ms(fn, runs=n, warmup=2) for _ in range(runs)]
    return statistics.median(r[0] for r in results), statistics.median(r[1] for r in results)


def run() -> dict:
    db_path = OUT / f"matters_{MATTERS}.sqlite3"
    setup_django(db_path)
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from gridgov.accounts.models import User
    from gridgov.matters import queries
    from gridgov.matters.models import Matter
    from gridgov.places.models import Place

    call_command("migrate", verbosity=0)
    if not Place.objects.filter(code="520330113").exists():
        call_command("seed_demo", verbosity=0, no_matters=True, no_accounts=True)
    call_command("demo_accounts", verbosity=0, stdout=io.StringIO())
    count = Matter.objects.count()
    built = None
    if count < MATTERS:
        built = _build(MATTERS - count)
        count = Matter.objects.count()
    results: dict = {"matters": count, "build_seconds": built}
    print(f"matters, {connection.vendor}, {count:,} matters ({Matter.objects.filter(is_open=True).count():,} open)")
    if built is not None:
        line("build (raw inserts + full-text index)", f"{built:.1f} s")
    from gridgov.testing import force_verified_login

    client = Client()
    connection.force_debug_cursor = True  # so the query count below is captured across the request's close
    for label, username in (("grid worker", "grid1"), ("town staff", "town")):
        user = User.objects.select_related("place").get(username=username)
        force_verified_login(client, user)  # as after the sign-in pages (town must pass a code)
        url = "/matters/queue/"
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        page_ms, page_cpu = _wall_and_cpu(lambda url=url: client.get(url))
        qs = queries.work_queue(user)
        sql, params = qs[:50].query.sql_with_params()
        with connection.cursor() as cursor:
            raw_ms = _median_of_runs(lambda sql=sql, params=params: (cursor.execute(sql, params), cursor.fetchall()))
        queue = qs.count()
        line(f"{label}: work-queue page server time ({queue:,} in queue)", f"{page_ms:.2f} ms", "target < 25 ms")
        line(f"{label}:   CPU per page (this process)", f"{page_cpu:.2f} ms", f"load average {os.getloadavg()[0]:.1f}")
        line(f"{label}: SQL queries per page", str(len(ctx.captured_queries)))
        line(f"{label}: the queue's raw query (first page, SQL only)", f"{raw_ms:.2f} ms")
        results[f"queue {label}"] = {
            "page_ms": page_ms, "cpu_ms": page_cpu, "raw_ms": raw_ms, "queries": len(ctx.captured_queries)
        }  # fmt: skip
        for word in WORDS:
            search_ms, search_cpu = _wall_and_cpu(lambda word=word, user=user: list(queries.search(user, word)))
            found = len(list(queries.search(user, word)))
            expr = f'"{word}"'
            with connection.cursor() as cursor:
                raw = _median_of_runs(lambda expr=expr: (cursor.execute(RAW_FTS, [expr]), cursor.fetchall()))
                cursor.execute("SELECT count(*) FROM matters_matter_fts WHERE matters_matter_fts MATCH %s", [expr])
                matches = cursor.fetchone()[0]
            line(
                f"{label}: search {word} ({found} shown, {matches:,} match in all)",
                f"{search_ms:.2f} ms",
                f"target < 100 ms (CPU {search_cpu:.2f} ms)",
            )
            line(f"{label}: raw FTS query for {word} (newest 100, unscoped)", f"{raw:.2f} ms")
            results[f"search {label} {word}"] = {"ms": search_ms, "raw_ms": raw, "matches": matches}
    return results


if __name__ == "__main__":
    sys.exit(0 if run() else 1)
