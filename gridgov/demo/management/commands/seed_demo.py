"""`manage.py seed_demo`: build 寨坝镇 (and more towns of 习水县 for benchmarks)."""

import time

from django.core.management.base import BaseCommand, CommandError

from gridgov.demo.accounts import DEMO_PASSWORD, ensure_demo_accounts
from gridgov.demo.activity import activity_modules, load_matters_demo
from gridgov.demo.seed import SeedError, seed_demo, xishui_towns
from gridgov.places.models import Place


class Command(BaseCommand):
    help = "生成演示数据：习水县寨坝镇（网格、联户、户、居民、网格人员），--towns N 生成更多乡镇用于性能测试。"

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=1, help="随机种子：同一种子生成完全相同的数据（默认 1）")
        parser.add_argument(
            "--towns",
            type=int,
            default=1,
            help="乡镇数：第一个总是寨坝镇，其余按代码顺序取习水县的真实乡镇（共 26 个，全县约 53 万人）",
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="数据库中已有地域数据时不生成（只确保演示账号存在）"
        )
        parser.add_argument("--no-accounts", action="store_true", help="不创建演示账号")
        parser.add_argument(
            "--no-matters",
            action="store_true",
            help="不生成演示事项（一年的矛盾纠纷、诉求等），也不生成其后的工作记录：只有地域、户、居民和网格人员",
        )
        parser.add_argument(
            "--no-activity",
            action="store_true",
            help="不生成2021年以来的工作记录（走访、重点人员、巡逻、宣讲、议事协商、办实事等）",
        )

    def handle(self, *args, seed: int, towns: int, if_empty: bool, no_accounts: bool, verbosity: int, **options):
        self._seed_demo(seed, towns, if_empty, no_accounts, verbosity)
        if not options.get("no_matters"):  # the matter engine's demo year (gridgov.matters.demo, found lazily)
            made = load_matters_demo().seed_matters(seed=seed)
            if made is not None and verbosity >= 1:
                self.stdout.write(f"演示事项 {made.matters:,} 件（流转记录 {made.events:,} 条）。")
            if not no_accounts:
                ensure_demo_accounts()  # again, now that the departments exist: links the liaison to its 司法所
            if not options.get("no_activity"):
                self._seed_activity(seed, verbosity)

    def _seed_activity(self, seed: int, verbosity: int) -> None:
        """Each field app's demo activity since 2021 (`gridgov.<app>.demo.seed`), apps without one skipped."""
        from gridgov.core.bulk import muted

        for app, module in activity_modules():
            t0 = time.perf_counter()
            with muted():  # a demo's past activity notifies nobody
                made = module.seed(seed=seed)
            if verbosity >= 1 and made:
                counts = "，".join(f"{key} {value:,}" for key, value in made.items())
                self.stdout.write(f"演示{app}：{counts}（{time.perf_counter() - t0:.1f} 秒）")

    def _seed_demo(self, seed: int, towns: int, if_empty: bool, no_accounts: bool, verbosity: int):
        say = self.stdout.write if verbosity >= 1 else (lambda message: None)
        available = len(xishui_towns())
        if towns > available:
            self.stderr.write(self.style.WARNING(f"习水县只有 {available} 个乡镇、街道，按 {available} 个生成。"))
            towns = available
        if if_empty and Place.objects.exists():
            say("数据库中已有地域数据，跳过演示数据生成。")
        else:
            try:
                result = seed_demo(seed=seed, towns=towns, progress=say)
            except SeedError as exc:
                raise CommandError(str(exc)) from None
            if result.towns:
                say(
                    self.style.SUCCESS(
                        f"完成：{len(result.towns)} 个乡镇，户 {result.total('households'):,} 户，"
                        f"居民 {result.total('residents'):,} 人，用时 {result.seconds:.1f} 秒。"
                    )
                )
        if not no_accounts:
            lines, skipped = ensure_demo_accounts()
            created = sum(line.created for line in lines)
            say(
                f"演示账号 {len(lines)} 个（本次新建 {created} 个），密码均为 {DEMO_PASSWORD}；"
                "用 manage.py demo_accounts 列出。"
            )
            if skipped:
                self.stderr.write(self.style.WARNING(f"缺少演示地域，未创建：{'、'.join(skipped)}"))
