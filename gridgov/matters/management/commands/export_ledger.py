"""`manage.py export_ledger --kind dispute|hazard --place CODE --year Y --out FILE`: a ledger as .xlsx."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from gridgov.accounts.models import User
from gridgov.core.context import acting
from gridgov.matters import ledgers
from gridgov.matters.actions import ActionRefused


class Command(BaseCommand):
    help = "导出矛盾纠纷台账或安全隐患台账（.xlsx，电话脱敏），记入审计日志。"

    def add_arguments(self, parser):
        parser.add_argument("--kind", required=True, choices=[ledgers.DISPUTE, ledgers.HAZARD], help="台账")
        parser.add_argument("--place", required=True, help="地域代码，如 520330113")
        parser.add_argument("--year", type=int, help="登记年份（默认全部）")
        parser.add_argument("--out", required=True, help="输出文件 .xlsx")
        parser.add_argument("--user", help="以哪个账号导出（限定在该账号的管辖范围内）")

    def handle(self, *args, kind, place, year, out, user, **options):
        account = None
        if user:
            account = User.objects.select_related("place").filter(username=user).first()
            if account is None:
                raise CommandError(f"账号 {user} 不存在")
        filters = ledgers.LedgerFilters.for_year(year, place=place) if year else ledgers.LedgerFilters(place=place)
        name = account.username if account else "system"
        with acting(username=name, user_id=account.pk if account else None, source="command"):
            try:
                rows = ledgers.export_ledger(account, kind, out, filters)
            except ActionRefused as exc:
                raise CommandError(str(exc)) from None
            except ValidationError as exc:
                raise CommandError("；".join(exc.messages)) from None
        self.stdout.write(self.style.SUCCESS(f"已导出{ledgers.TITLES[kind]} {rows} 条到 {out}"))
