"""Backup and restore (备份与恢复) of one deployment: the database, the uploaded files, and a check that
the master key in force is the one the backup's personal data was sealed with.

A backup is one tar file:

- ``manifest.json``: format, engine, time, row counts, the key's fingerprint and a sealed canary;
- ``database.sqlite3`` (SQLite's online backup API: a consistent copy while the app keeps serving)
  or ``database.pgdump`` (``pg_dump --format=custom``: a consistent snapshot of a county's database);
- ``media/...``: the uploaded photos and attachments (unless ``media=False``, e.g. when they live on
  a storage that is backed up by its own means).

For a province, PostgreSQL's base backup plus WAL archiving (point-in-time recovery) replaces the
dump: see docs/deploy.md. Without the master key a backup's ID numbers and phones cannot be read, so
the key is kept apart from the backup (never inside it) and `restore_backup` refuses a key that does
not match, before it changes anything.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.core.pii import sealer

FORMAT = "gridgov-backup/1"
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database.sqlite3"
PG_MEMBER = "database.pgdump"
MEDIA_PREFIX = "media/"
CANARY_TEXT = "gridgov backup canary"
CANARY_CONTEXT = b"backup.canary"
FINGERPRINT_INPUT = "gridgov backup key fingerprint"
# Tables whose rows the manifest counts and a restore checks (the personal data and the case files).
COUNTED = ("households.Household", "households.Resident", "matters.Matter", "visits.Visit", "audit.AuditLog")


class BackupError(Exception):
    """The backup or restore cannot go on; the message says why, for the operator."""


@dataclass
class Manifest:
    format: str
    engine: str
    created_at: str
    database_member: str
    key_fingerprint: str
    key_canary: str
    counts: dict[str, int]
    migrations: dict[str, str]
    media_files: int

    @classmethod
    def from_json(cls, raw: bytes) -> Manifest:
        data = json.loads(raw)
        if data.get("format") != FORMAT:
            raise BackupError(
                _("不是本系统的备份文件，或备份格式不受支持（%(format)s）") % {"format": data.get("format")}
            )
        return cls(**{name: data[name] for name in cls.__dataclass_fields__})


# ---------------------------------------------------------------- the key check


def key_fingerprint() -> str:
    """A keyed digest of a fixed text with the master key's index key: equal keys give equal
    fingerprints, and the fingerprint tells nothing of the key."""
    return sealer().blind_index(FINGERPRINT_INPUT, CANARY_CONTEXT)


def check_key(manifest: Manifest) -> None:
    """Refuse a master key other than the backup's (its personal data could not be decrypted)."""
    try:
        opened = sealer().open(base64.b64decode(manifest.key_canary), CANARY_CONTEXT)
    except Exception:  # cryptography's InvalidTag, or a damaged canary
        opened = None
    if manifest.key_fingerprint != key_fingerprint() or opened != CANARY_TEXT:
        raise BackupError(
            _(
                "主密钥与备份不匹配：该备份中的身份证号、电话等个人信息是用另一个主密钥加密的，"
                "用当前主密钥（GRIDGOV_MASTER_KEY）恢复后将无法解密。请设置备份时使用的主密钥后再恢复；"
                "数据库未作任何改动。"
            )
        )


# ---------------------------------------------------------------- helpers


def _engine(alias: str = DEFAULT_DB_ALIAS) -> str:
    return connections[alias].vendor


def _counts(alias: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    from django.apps import apps

    return {label: apps.get_model(label).objects.using(alias).count() for label in COUNTED}


def _migrations(alias: str = DEFAULT_DB_ALIAS) -> dict[str, str]:
    latest: dict[str, str] = {}
    for app, name in MigrationRecorder(connections[alias]).applied_migrations():
        latest[app] = max(latest.get(app, ""), name)
    return dict(sorted(latest.items()))


def media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def _pg_tool(name: str) -> str:
    """``pg_dump`` / ``pg_restore`` of the server's major version (Debian installs one per version)."""
    override = getattr(settings, "GRIDGOV_PG_BIN", "") or os.environ.get("GRIDGOV_PG_BIN", "")
    if override:
        return str(Path(override) / name)
    connection = connections[DEFAULT_DB_ALIAS]
    connection.ensure_connection()
    major = connection.pg_version // 10000
    candidate = Path(f"/usr/lib/postgresql/{major}/bin/{name}")
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if not found:
        raise BackupError(
            _("找不到 %(tool)s：请安装 PostgreSQL %(major)s 的客户端工具") % {"tool": name, "major": major}
        )
    return found


def _pg_args_env(alias: str = DEFAULT_DB_ALIAS) -> tuple[list[str], dict]:
    s = connections[alias].settings_dict
    args = ["--dbname", s["NAME"]]
    if s.get("HOST"):
        args += ["--host", str(s["HOST"])]
    if s.get("PORT"):
        args += ["--port", str(s["PORT"])]
    if s.get("USER"):
        args += ["--username", str(s["USER"])]
    env = {**os.environ}
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = str(s["PASSWORD"])
    return args, env


def _run(command: list[str], env: dict) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name}: {done.stderr.strip()[-2000:]}")


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(timezone.now().timestamp())
    info.mode = 0o600
    archive.addfile(info, io.BytesIO(data))


# ---------------------------------------------------------------- backup


def make_backup(out: Path, *, media: bool = True, alias: str = DEFAULT_DB_ALIAS) -> Manifest:
    """Write a backup of the database (and the uploaded files) to ``out``, a new tar file."""
    out = Path(out)
    if out.exists():
        raise BackupError(_("%(path)s 已存在，不会覆盖") % {"path": out})
    engine = _engine(alias)
    with tempfile.TemporaryDirectory(prefix="gridgov-backup-") as work:
        work_dir = Path(work)
        counts, migrations = _counts(alias), _migrations(alias)
        if engine == "sqlite":
            member, path = SQLITE_MEMBER, work_dir / SQLITE_MEMBER
            connection = connections[alias]
            connection.ensure_connection()
            target = sqlite3.connect(path)
            try:
                connection.connection.backup(target)  # one step: a consistent snapshot, writers go on (WAL)
            finally:
                target.close()
        elif engine == "postgresql":
            member, path = PG_MEMBER, work_dir / PG_MEMBER
            args, env = _pg_args_env(alias)
            _run(
                [_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "--file", str(path), *args],
                env,
            )
        else:
            raise BackupError(f"unsupported database engine: {engine}")
        files = sorted(p for p in media_root().rglob("*") if p.is_file()) if media and media_root().exists() else []
        manifest = Manifest(
            format=FORMAT,
            engine=engine,
            created_at=timezone.now().isoformat(),
            database_member=member,
            key_fingerprint=key_fingerprint(),
            key_canary=base64.b64encode(sealer().seal(CANARY_TEXT, CANARY_CONTEXT)).decode("ascii"),
            counts=counts,
            migrations=migrations,
            media_files=len(files),
        )
        partial = out.with_name(out.name + ".partial")
        with tarfile.open(partial, "w") as archive:
            _add_bytes(archive, MANIFEST, json.dumps(manifest.__dict__, ensure_ascii=False, indent=1).encode())
            archive.add(path, arcname=member)
            for file in files:
                archive.add(file, arcname=MEDIA_PREFIX + file.relative_to(media_root()).as_posix())
        partial.chmod(0o600)
        partial.rename(out)  # a backup file that exists is complete
    return manifest


# ---------------------------------------------------------------- restore


def read_manifest(path: Path) -> Manifest:
    try:
        with tarfile.open(path, "r") as archive:
            member = archive.extractfile(MANIFEST)
            if member is None:
                raise KeyError(MANIFEST)
            return Manifest.from_json(member.read())
    except (tarfile.TarError, KeyError, OSError, ValueError, TypeError) as exc:
        raise BackupError(_("无法读取备份文件 %(path)s：%(error)s") % {"path": path, "error": exc}) from None


def database_is_empty(alias: str = DEFAULT_DB_ALIAS) -> bool:
    connection = connections[alias]
    tables = set(connection.introspection.table_names())
    if "households_resident" not in tables:
        return True
    return not any(_counts(alias).values())


def restore_backup(path: Path, *, force: bool = False, media: bool = True, alias: str = DEFAULT_DB_ALIAS) -> Manifest:
    """Put a backup back: the key is checked first, then the database is replaced, then the files.

    Refuses (changing nothing) a backup of another engine, a master key that does not match, or a
    database that holds data unless ``force``."""
    path = Path(path)
    manifest = read_manifest(path)
    check_key(manifest)
    engine = _engine(alias)
    if manifest.engine != engine:
        raise BackupError(
            _("备份来自 %(backup)s 数据库，当前数据库是 %(current)s：请用对应的工具迁移")
            % {"backup": manifest.engine, "current": engine}
        )
    if not force and not database_is_empty(alias):
        raise BackupError(_("当前数据库已有数据。确认要用备份覆盖它，请加 --force"))
    with tempfile.TemporaryDirectory(prefix="gridgov-restore-") as work, tarfile.open(path, "r") as archive:
        work_dir = Path(work)
        archive.extract(manifest.database_member, work_dir, filter="data")
        dump = work_dir / manifest.database_member
        connection = connections[alias]
        if engine == "sqlite":
            source = sqlite3.connect(dump)
            try:
                connection.ensure_connection()
                source.backup(connection.connection)  # replaces the live database's pages at once
            finally:
                source.close()
        else:
            connection.close()
            args, env = _pg_args_env(alias)
            command = [_pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges"]
            _run([*command, "--single-transaction", *args, str(dump)], env)
        if media and manifest.media_files:
            root = media_root()
            root.mkdir(parents=True, exist_ok=True)
            members = [m for m in archive.getmembers() if m.name.startswith(MEDIA_PREFIX) and m.isfile()]
            for member in members:
                member.name = member.name.removeprefix(MEDIA_PREFIX)
            archive.extractall(root, members=members, filter="data")
    counts = _counts(alias)
    if counts != manifest.counts:
        raise BackupError(
            _("恢复后的记录数与备份清单不符：%(got)s ≠ %(want)s") % {"got": counts, "want": manifest.counts}
        )
    return manifest


def restored_at_a_glance(manifest: Manifest) -> str:
    created = dt.datetime.fromisoformat(manifest.created_at)
    counts = "，".join(f"{label.split('.')[-1]} {n:,}" for label, n in manifest.counts.items())
    when = f"{timezone.localtime(created):%Y-%m-%d %H:%M:%S}"
    return f"{when}（{manifest.engine}）：{counts}；文件 {manifest.media_files} 个"
