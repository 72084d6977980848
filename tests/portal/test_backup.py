"""Backups that restore: back up a seeded campaign, restore it into another database and another
upload folder in a separate process, and find every case, file (by checksum) and audit row."""

import hashlib
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.conf import settings as django_settings
from django.core.management import call_command

from cases.enums import AuditAction, CaseStatus, Role, UploadSlot
from cases.models import AuditEvent, Case, CaseTransition
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)


def _database(name: str | None = None) -> dict:
    database = django_settings.DATABASES["default"]
    return {"host": database["HOST"] or "127.0.0.1", "port": str(database["PORT"] or 5432),
            "user": database["USER"], "dbname": name or database["NAME"]}


def _url(name: str) -> str:
    db = _database(name)
    return f"postgres://{db['user']}@{db['host']}:{db['port']}/{name}"


def _pg(tool: str, *args: str) -> None:
    db = _database()
    subprocess.run([tool, "--host", db["host"], "--port", db["port"], "--username", db["user"], *args],
                   check=True, capture_output=True, text=True)


@pytest.fixture
def restore_database():
    """An empty database of its own on the same server, dropped afterwards."""
    name = f"test_restore_{os.getpid()}"
    _pg("dropdb", "--if-exists", "--force", name)
    _pg("createdb", name)
    yield name
    _pg("dropdb", "--if-exists", "--force", name)


def _seed_campaign():
    city = factories.city()
    staff = factories.user(Role.CITY_STAFF, organisation_=city)
    cases = [factories.complete_case(title=f"备份案例{number}") for number in range(3)]
    # A replaced file: both versions must come back.
    factories.upload(cases[0], UploadSlot.PROOF, factories.pdf_bytes("旧版"), "证明材料.pdf", superseded=True)
    factories.upload(cases[0], UploadSlot.PROOF, factories.pdf_bytes("新版"), "证明材料.pdf")
    for case in cases:
        CaseTransition.objects.create(case=case, from_status=CaseStatus.DRAFT, to_status=CaseStatus.SUBMITTED,
                                      actor=staff, reason="提交")
        Case.objects.filter(pk=case.pk).update(status=CaseStatus.SUBMITTED)
    AuditEvent.objects.create(action=AuditAction.FILE_DOWNLOADED, actor=staff, case=cases[1], summary="下载了证明材料",
                              details={"upload": 1})
    AuditEvent.objects.create(action=AuditAction.DEADLINE_EXTENDED, actor=staff, summary="延期至9月8日")
    return cases


def _rows(dbname: str, sql: str) -> list[tuple]:
    with psycopg.connect(**_database(dbname)) as connection:
        return connection.execute(sql).fetchall()


def _hashes(folder: Path) -> dict[str, str]:
    return {str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in folder.rglob("*") if path.is_file()}


def _restore(backup: Path, dbname: str, uploads: Path, *extra: str, umask: int = -1) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update({"DATABASE_URL": _url(dbname), "UPLOAD_ROOT": str(uploads), "DEBUG": "0", "HTTPS": "0"})
    return subprocess.run([sys.executable, "manage.py", "restore", str(backup), *extra], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300, umask=umask)


def _modes(root: Path) -> tuple[dict[str, int], dict[str, int]]:
    """(folders, files) under root, root included, each relative path → its permission bits."""
    folders, files = {".": stat.S_IMODE(root.stat().st_mode)}, {}
    for path in root.rglob("*"):
        (folders if path.is_dir() else files)[str(path.relative_to(root))] = stat.S_IMODE(path.stat().st_mode)
    return folders, files


def test_a_backup_restores_elsewhere_with_every_case_file_and_audit_row(tmp_path, settings, restore_database):
    _seed_campaign()
    source_db = _database()["dbname"]
    cases_sql = "SELECT id, title, status, enterprise_id FROM cases_case ORDER BY id"
    uploads_sql = "SELECT id, case_id, slot, file, sha256, size, superseded_at IS NULL FROM cases_upload ORDER BY id"
    transitions_sql = "SELECT id, case_id, from_status, to_status, actor_id, reason FROM cases_casetransition ORDER BY id"
    audit_sql = "SELECT id, action, actor_id, case_id, summary, details::text FROM cases_auditevent ORDER BY id"
    before = {sql: _rows(source_db, sql) for sql in (cases_sql, uploads_sql, transitions_sql, audit_sql)}
    assert (len(before[cases_sql]), len(before[uploads_sql]), len(before[transitions_sql]), len(before[audit_sql])) == (3, 17, 3, 2)

    call_command("backup", str(tmp_path / "backups"), stdout=open(os.devnull, "w"))

    (backup,) = (tmp_path / "backups").iterdir()
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["counts"] == {"cases": 3, "uploads": 17, "transitions": 3, "audit_events": 2, "users": 1}
    assert manifest["missing_files"] == []
    assert sorted((entry["path"], entry["sha256"], entry["referenced"]) for entry in manifest["files"]) == sorted(
        (path, sha256, True) for _id, _case, _slot, path, sha256, _size, _current in before[uploads_sql])
    assert (backup / "database.dump").read_bytes()[:5] == b"PGDMP"

    restored_uploads = tmp_path / "restored-uploads"
    result = _restore(backup, restore_database, restored_uploads)

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[1:] == [
        "  案例 / Cases: 3", "  上传文件 / Uploaded files: 17", "  案例流转 / Case transitions: 3",
        "  审计事件 / Audit events: 2", "  用户 / Users: 1", "  已校验文件 / Files checked: 17",
        "  每个文件的 SHA-256 均与清单一致 / every file matches its SHA-256 in the manifest",
    ]
    for sql, rows in before.items():
        assert _rows(restore_database, sql) == rows
    assert _hashes(restored_uploads) == {path: sha256 for _id, _case, _slot, path, sha256, _size, _current in before[uploads_sql]}


def test_restore_refuses_a_database_that_is_not_empty(tmp_path, restore_database):
    _seed_campaign()
    call_command("backup", str(tmp_path / "backups"), stdout=open(os.devnull, "w"))
    (backup,) = (tmp_path / "backups").iterdir()
    assert _restore(backup, restore_database, tmp_path / "first").returncode == 0

    again = _restore(backup, restore_database, tmp_path / "second")

    assert again.returncode == 1
    assert "数据库不是空的（cases 3, uploads 17, transitions 3, audit_events 2, users 1）" in again.stderr
    assert not (tmp_path / "second").exists()


def test_restore_refuses_a_backup_whose_file_was_altered(tmp_path, restore_database):
    _seed_campaign()
    call_command("backup", str(tmp_path / "backups"), stdout=open(os.devnull, "w"))
    (backup,) = (tmp_path / "backups").iterdir()
    altered = next(path for path in (backup / "uploads").rglob("*") if path.is_file())
    altered.write_bytes(b"not the original")

    result = _restore(backup, restore_database, tmp_path / "restored")

    assert result.returncode == 1
    assert f"1 个文件与清单不一致：{altered.relative_to(backup / 'uploads')}" in result.stderr


def test_backup_fails_loudly_when_a_referenced_file_is_missing(tmp_path, settings):
    case = factories.case()
    gone = factories.upload(case, UploadSlot.PROOF, factories.pdf_bytes(), "证明材料.pdf")
    (Path(settings.MEDIA_ROOT) / gone.file.name).unlink()

    with pytest.raises(SystemExit) as exit_:
        call_command("backup", str(tmp_path / "backups"), stdout=open(os.devnull, "w"), stderr=open(os.devnull, "w"))

    assert exit_.value.code == 1
    (backup,) = (tmp_path / "backups").iterdir()
    assert json.loads((backup / "manifest.json").read_text())["missing_files"] == [gone.file.name]


def test_backups_are_private_and_a_restore_gives_the_files_the_live_modes_whatever_the_umask(
        tmp_path, settings, restore_database):
    # Arrange: a permissive umask (0): without explicit modes everything would be world-readable.
    _seed_campaign()
    previous = os.umask(0)
    try:
        # Act
        call_command("backup", str(tmp_path / "backups"), stdout=open(os.devnull, "w"))
    finally:
        os.umask(previous)
    (backup,) = (tmp_path / "backups").iterdir()
    restored_uploads = tmp_path / "restored-uploads"
    result = _restore(backup, restore_database, restored_uploads, umask=0)

    # Assert: the backup only for its owner (the folder the command made too); the restored
    # uploads as the live storage writes them (FILE_UPLOAD_PERMISSIONS / _DIRECTORY_PERMISSIONS).
    folders, files = _modes(tmp_path / "backups")
    assert len(files) == 2 + 17 and f"{backup.name}/database.dump" in files and f"{backup.name}/manifest.json" in files
    assert set(files.values()) == {0o600}
    assert set(folders.values()) == {0o700}
    assert result.returncode == 0, result.stdout + result.stderr
    restored_folders, restored_files = _modes(restored_uploads)
    assert len(restored_files) == 17
    assert set(restored_files.values()) == {django_settings.FILE_UPLOAD_PERMISSIONS} == {0o640}
    assert set(restored_folders.values()) == {django_settings.FILE_UPLOAD_DIRECTORY_PERMISSIONS} == {0o750}
