"""`manage.py demo_accounts`: create the missing demo logins and print them."""

from django.core.management.base import BaseCommand

from gridgov.demo.accounts import ensure_demo_accounts, format_accounts


class Command(BaseCommand):
    help = "创建（如缺少）并列出演示账号：每个角色一个。"

    def handle(self, *args, **options):
        lines, skipped = ensure_demo_accounts()
        self.stdout.write(format_accounts(lines))
        if skipped:
            self.stderr.write(self.style.WARNING(f"缺少演示地域（先运行 seed_demo），未创建：{'、'.join(skipped)}"))
