"""`manage.py import_register FILE --user USERNAME`: import a household register workbook, with a progress bar."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from gridgov.accounts.models import User
from gridgov.core.context import acting
from gridgov.registers import actions
from gridgov.registers.choices import ImportStatus


class Command(BaseCommand):
    help = "导入户籍表（.xlsx）：逐行校验，有错则整表不导入并输出错误清单。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="户籍表 .xlsx")
        parser.add_argument("--user", required=True, help="以哪个账号导入（决定导入范围）")
        parser.add_argument("--errors", help="错误清单保存到此路径（默认：与文件同目录，文件名加 .错误清单.xlsx）")
        parser.add_argument("--no-progress", action="store_true", help="不显示进度条")

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            user = User.objects.select_related("place").get(username=options["user"])
        except User.DoesNotExist:
            raise CommandError(f"账号 {options['user']} 不存在") from None
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"无法读取 {path}：{exc}") from None
        with acting(username=user.username, user_id=user.pk, source="command"):
            try:
                register_import = actions.create_import(user, filename=path.name, data=data)
            except (actions.UploadRejected, actions.ActionRefused) as exc:
                raise CommandError(str(exc)) from None
            bar = tqdm(
                total=0,
                unit="行",
                desc="校验",
                disable=options["no_progress"],
                file=self.stderr._out,
                dynamic_ncols=True,
            )

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

            try:
                result = actions.run_import(register_import, data, progress)
            finally:
                bar.close()
        if result.status == ImportStatus.IMPORTED:
            self.stdout.write(self.style.SUCCESS(f"已导入 {result.total_rows} 行：{result.message}"))
            if result.warning_count:
                self.stdout.write(f"提示 {result.warning_count} 条，例如：")
                for line in result.warnings[:10]:
                    self.stdout.write(f"  {line}")
            return
        for row in result.error_details:  # the first bad rows, as the import's page lists them
            for error in row["errors"]:
                value = f"“{error['value']}”" if error["value"] else "（空）"
                self.stderr.write(f"第{row['row']}行 {error['column'] or '—'} {value}：{error['reason']}")
        if result.errors_not_shown:
            self.stderr.write(f"另有 {result.errors_not_shown} 行的错误见错误清单。")
        if result.error_workbook:
            target = Path(options["errors"] or path.with_name(path.stem + ".错误清单.xlsx"))
            target.write_bytes(bytes(result.error_workbook))
            self.stderr.write(f"错误清单已保存到 {target}")
        raise CommandError(result.message)
