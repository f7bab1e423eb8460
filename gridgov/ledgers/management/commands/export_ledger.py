"""`manage.py export_ledger --kind KIND --place CODE [--year Y | --since D --until D] [...] --out FILE`: a ledger
as .xlsx (ID numbers and phones masked, formula-safe), with a progress bar; audited."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from gridgov.accounts.models import User
from gridgov.core.context import acting
from gridgov.ledgers import actions
from gridgov.ledgers.books import BOOKS, LedgerFilters


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"日期 {text} 无效，应为 YYYY-MM-DD") from None


class Command(BaseCommand):
    help = "导出电子台账（走访、重点人群、矛盾纠纷、安全隐患、巡逻、宣讲）为 .xlsx，身份证号和电话脱敏，记入审计日志。"

    def add_arguments(self, parser):
        parser.add_argument("--kind", required=True, choices=list(BOOKS), help="台账")
        parser.add_argument("--place", required=True, help="地域代码，如 520330113")
        parser.add_argument("--year", type=int, help="年份（默认全部）")
        parser.add_argument("--since", help="起始日期 YYYY-MM-DD（含）")
        parser.add_argument("--until", help="截止日期 YYYY-MM-DD（含）")
        parser.add_argument("--category", default="", help="类别（各台账的类别代码或编号）")
        parser.add_argument("--color", default="", help="风险等级 red / yellow / blue")
        parser.add_argument("--state", default="", help="状态")
        parser.add_argument("--out", required=True, help="输出文件 .xlsx")
        parser.add_argument("--user", help="以哪个账号导出（限定在该账号的管辖范围内）")
        parser.add_argument("--no-progress", action="store_true", help="不显示进度条")

    def handle(self, *args, kind, place, year, since, until, category, color, state, out, user, **options):
        account = None
        if user:
            account = User.objects.select_related("place").filter(username=user).first()
            if account is None:
                raise CommandError(f"账号 {user} 不存在")
        book = BOOKS[kind]
        if year and (since or until):
            raise CommandError("--year 与 --since/--until 只能选一种")
        asked = {"place": place, "category": category, "color": color, "state": state}
        filters = LedgerFilters.from_query(asked, book)
        for name, value in asked.items():
            if value and getattr(filters, name) != value:
                offered = "、".join(v for v, _ in book.choice(name).options()) if book.choice(name) else "无"
                raise CommandError(f"{book.title}的 {name} 不能是 {value}（可选：{offered}）")
        if year:
            filters = LedgerFilters.for_year(year, place=filters.place, category=category, color=color, state=state)
        elif since or until:
            filters = LedgerFilters(
                place=filters.place,
                since=_day(since) if since else None,
                until=_day(until) if until else None,
                category=category,
                color=color,
                state=state,
            )
        name = account.username if account else "system"
        bar = tqdm(unit="条", desc=book.title, disable=options["no_progress"], file=self.stderr._out)
        with acting(username=name, user_id=account.pk if account else None, source="command"):
            try:
                rows = actions.export_ledger(
                    account, kind, out, filters, progress=lambda done: bar.update(done - bar.n)
                )
            except actions.ActionRefused as exc:
                raise CommandError(str(exc)) from None
            except ValidationError as exc:
                raise CommandError("；".join(exc.messages)) from None
            finally:
                bar.close()
        self.stdout.write(self.style.SUCCESS(f"已导出{book.title} {rows} 条到 {out}"))
