from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from gridgov.accounts.actions import ActionRefused, issue_api_token
from gridgov.accounts.models import User
from gridgov.core.context import acting


class Command(BaseCommand):
    help = "为账号创建 API 令牌并打印（只显示这一次）；令牌到期后失效，可在“账号安全”页撤销"

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("name", help="令牌用途，例如 '派出所对接'")
        parser.add_argument(
            "--days",
            type=int,
            default=settings.GRIDGOV_API_TOKEN_DAYS,
            help=f"有效天数（默认 {settings.GRIDGOV_API_TOKEN_DAYS}，最多 {settings.GRIDGOV_API_TOKEN_MAX_DAYS}）",
        )

    def handle(self, *args, **options):
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"账号 {options['username']} 不存在")
        with acting("create_api_token"):
            try:
                raw = issue_api_token(user, options["name"], days=options["days"])
            except ActionRefused as exc:
                raise CommandError(str(exc)) from exc
        self.stdout.write(raw)
