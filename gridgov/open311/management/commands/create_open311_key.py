"""Issue an Open311 API key for a source channel and an area; the key is printed once and kept as a digest."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from gridgov.open311.actions import create_key
from gridgov.places.models import Place


class Command(BaseCommand):
    help = "创建 Open311 接入密钥（只显示一次）: --channel police --place 520330113 --name 寨坝派出所"

    def add_arguments(self, parser):
        parser.add_argument("--channel", required=True, help="来源渠道，如 police（警情推送）、hotline、online")
        parser.add_argument("--place", required=True, help="可报送地域代码（县、镇、村或网格）")
        parser.add_argument("--name", required=True, help="密钥名称，如 寨坝派出所")

    def handle(self, *args, channel: str, place: str, name: str, **options):
        target = Place.objects.filter(code=place.strip()).first()
        if target is None:
            raise CommandError(f"地域 {place} 不存在")
        try:
            row, key = create_key(name=name, channel=channel.strip(), place=target)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.stdout.write(key)
        self.stderr.write(f"已创建密钥 {row}：渠道 {row.get_channel_display()}，地域 {target.code} {target.name}。")
        self.stderr.write("密钥只显示这一次，请妥善交给接入方；系统只保存其摘要。")
