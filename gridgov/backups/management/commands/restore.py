"""`manage.py restore BACKUP.tar [--force] [--no-media]`: put a backup back. The master key is checked
first: a backup sealed with another key is refused and nothing is changed. Stop the app nodes and
workers first (a restore replaces the whole database)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from gridgov.backups.actions import BackupError, restore_backup, restored_at_a_glance


class Command(BaseCommand):
    help = "Restore a backup made by `manage.py backup` (checks the master key first)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("backup", type=Path)
        parser.add_argument("--force", action="store_true", help="overwrite a database that holds data")
        parser.add_argument("--no-media", action="store_true", help="leave the uploaded files as they are")

    def handle(self, *args, backup: Path, force: bool, no_media: bool, **options) -> None:
        try:
            manifest = restore_backup(backup, force=force, media=not no_media)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"已恢复 {backup}：{restored_at_a_glance(manifest)}")
