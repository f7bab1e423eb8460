"""`manage.py deliver_chat_notices`: one round of group-robot deliveries of chat notices (retries that are due).

`manage.py run_periodic` is meant to run the same job (`gridgov.chatnotices.tasks.deliver_chat_notices`)
every round; this command runs it once, e.g. from cron or by hand after a robot came back.
"""

from django.core.management.base import BaseCommand

from gridgov.chatnotices.actions import deliver_due


class Command(BaseCommand):
    help = "发送到期的群通知（群机器人首次发送或重试）。"

    def handle(self, *args, **options) -> None:
        report = deliver_due()
        self.stdout.write(f"sent={report.sent} failed={report.failed} left={report.left}")
