from django.core.management.base import BaseCommand, CommandError

from gridgov.accounts.actions import issue_api_token
from gridgov.accounts.models import User
from gridgov.core.context import acting


class Command(BaseCommand):
    help = "为账号创建 API 令牌并打印（只显示这一次）"

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("name", help="令牌用途，例如 '派出所对接'")

    def handle(self, *args, **options):
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"账号 {options['username']} 不存在")
        with acting("create_api_token"):
            raw = issue_api_token(user, options["name"])
        self.stdout.write(raw)
