"""`manage.py export_register --place CODE --out FILE`: export the register of a place (masked unless --reveal)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from gridgov.accounts.models import User
from gridgov.core.context import acting
from gridgov.places.models import Place
from gridgov.registers import actions


class Command(BaseCommand):
    help = "导出某地域的户籍表（.xlsx），默认身份证号和电话脱敏。"

    def add_arguments(self, parser):
        parser.add_argument("--place", required=True, help="地域代码，如 520330113201")
        parser.add_argument("--out", required=True, help="输出文件 .xlsx")
        parser.add_argument("--user", help="以哪个账号导出（限定在该账号的管辖范围内）")
        parser.add_argument("--reveal", action="store_true", help="导出完整身份证号和电话（须 --reason）")
        parser.add_argument("--reason", default="", help="导出完整信息的理由（记入审计日志）")

    def handle(self, *args, **options):
        try:
            place = Place.objects.get(code=options["place"])
        except Place.DoesNotExist:
            raise CommandError(f"地域 {options['place']} 不存在") from None
        user = None
        if options["user"]:
            user = User.objects.select_related("place").filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"账号 {options['user']} 不存在")
        name = user.username if user else "system"
        with acting(username=name, user_id=user.pk if user else None, source="command"):
            try:
                rows = actions.export_register(
                    user, place, options["out"], reveal=options["reveal"], reason=options["reason"]
                )
            except actions.ActionRefused as exc:
                raise CommandError(str(exc)) from None
            except ValidationError as exc:
                raise CommandError("；".join(exc.messages)) from None
        masked = "完整" if options["reveal"] else "脱敏"
        self.stdout.write(self.style.SUCCESS(f"已导出 {place.name} {rows} 人（{masked}）到 {options['out']}"))
