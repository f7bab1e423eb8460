"""`manage.py demo_totp USER`: the current code of a demo login's demo authenticator."""

import time

import segno
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP

from gridgov.accounts.models import SealedTOTPDevice
from gridgov.demo.accounts import DEMO_DEVICE_NAME


class Command(BaseCommand):
    help = "打印演示账号的当前6位动态码（仅限 demo_accounts 建立的演示验证器）；--qr 打印二维码供手机验证器扫描。"

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--qr", action="store_true", help="打印二维码（otpauth 地址），用手机验证器扫描")
        parser.add_argument("--uri", action="store_true", help="打印 otpauth:// 地址")

    def handle(self, *args, username: str, qr: bool, uri: bool, **options):
        device = (
            SealedTOTPDevice.objects.select_related("user")
            .filter(user__username=username, name=DEMO_DEVICE_NAME, confirmed=True)
            .first()
        )
        if device is None:
            raise CommandError(f"{username} 没有演示验证器（只有 demo_accounts 建立的需要动态码的演示账号才有）")
        if uri or qr:
            self.stdout.write(device.config_url)
        if qr:
            segno.make(device.config_url, error="m").terminal(out=self.stdout, compact=True)
            return
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        left = device.step - int(time.time() - device.t0) % device.step
        self.stdout.write(f"{totp.token():0{device.digits}d}")
        self.stderr.write(f"{username} 的当前动态码，{left} 秒后更换")
