"""`manage.py backup OUT.tar [--no-media]`: the database and the uploaded files in one file (see
`gridgov.backups.actions`). SQLite is copied with its online backup API while the app keeps serving;
PostgreSQL with pg_dump. Keep the master key apart from the backup: without it, no ID number can be read."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from gridgov.backups.actions import BackupError, make_backup, restored_at_a_glance


class Command(BaseCommand):
    help = "Back up the database and the uploaded files into one tar file."

    def add_arguments(self, parser) -> None:
        parser.add_argument("out", type=Path, help="the backup file to write (must not exist)")
        parser.add_argument("--no-media", action="store_true", help="leave the uploaded files out")

    def handle(self, *args, out: Path, no_media: bool, **options) -> None:
        try:
            manifest = make_backup(out, media=not no_media)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"已备份到 {out}：{restored_at_a_glance(manifest)}")
        self.stdout.write(f"主密钥指纹 {manifest.key_fingerprint[:16]}（恢复时须使用同一主密钥）")
