"""Backups that restore: the database and the upload storage, consistent with each other.

`create_backup(dest)` writes DEST/<timestamp>/ with
- `database.dump`: PostgreSQL custom format (pg_dump), or `database.sqlite3` for the embedded
  default (a copy made with SQLite's online backup API);
- `uploads/`: every file of the upload storage, copied through the storage API;
- `manifest.json`: each file's path, size and SHA-256, whether a database row refers to it, the
  row counts of cases, uploads, transitions, audit events and users, and the dump's checksum.

Consistency. The dump and the manifest's counts and file references come from ONE database
snapshot: a REPEATABLE READ transaction exports its snapshot (pg_export_snapshot), pg_dump runs
with `--snapshot` on it, and the counts and the list of referenced files are read inside that
same transaction. Files are copied afterwards: stored names are opaque and written once (a
replaced file is a new row and a new name, cases/models/uploads.py), so every file the snapshot
refers to still holds the same bytes; a file created after the snapshot is copied too but
nothing in the dump refers to it (harmless). A referenced file that cannot be found is listed
under `missing_files` and makes the backup fail loudly.

Permissions. A backup holds password hashes, sessions and phone numbers: every folder it creates
is 0700 and every file 0600 whatever the umask (files are created with that mode and set to it
again, pg_dump runs with umask 077), so only the account that made it can read it. A restore
writes the files through the storage, which gives them the live uploads' modes
(FILE_UPLOAD_PERMISSIONS, FILE_UPLOAD_DIRECTORY_PERMISSIONS), not the backup's.

`restore_backup(folder)` loads the dump into an empty database (migrated or not) and the files
into empty storage, checking every file against its SHA-256 on the way in and again when read
back from storage, and the row counts against the manifest. It refuses a database holding cases,
uploads, audit rows or users, or non-empty storage, unless `force`.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection, models
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.health import PROBE_FOLDER

PRIVATE_FILE = 0o600
PRIVATE_FOLDER = 0o700
MANIFEST = "manifest.json"
PG_DUMP = "database.dump"
SQLITE_COPY = "database.sqlite3"
UPLOADS = "uploads"
CHUNK = 1024 * 1024

# What the manifest counts (key → model label); checked again after a restore.
COUNTED = {
    "cases": "cases.Case",
    "uploads": "cases.Upload",
    "transitions": "cases.CaseTransition",
    "audit_events": "cases.AuditEvent",
    "users": settings.AUTH_USER_MODEL,
}


class BackupError(Exception):
    """The backup or the restore cannot be trusted; the message says why (Chinese)."""


@dataclass
class Outcome:
    folder: Path
    counts: dict[str, int]
    files: int
    problems: list[str] = field(default_factory=list)


# --- private files ----------------------------------------------------------------------------

def _private_folders(path: Path) -> None:
    """`mkdir -p path`, each folder it creates 0700 whatever the umask (existing ones are left alone)."""
    missing = []
    while not path.exists():
        missing.append(path)
        path = path.parent
    for folder in reversed(missing):
        folder.mkdir(mode=PRIVATE_FOLDER, exist_ok=True)
        os.chmod(folder, PRIVATE_FOLDER)


def _private_file(path: Path):
    """A new file open for binary writing, 0600 from the moment it exists."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    os.fchmod(descriptor, PRIVATE_FILE)  # the umask may have taken bits off; this sets exactly 0600
    return os.fdopen(descriptor, "wb")


# --- reading one snapshot -------------------------------------------------------------------

def _file_columns() -> list[tuple[str, str]]:
    """(table, column) of every FileField of every installed model."""
    columns = []
    for model in apps.get_models():
        for model_field in model._meta.concrete_fields:
            if isinstance(model_field, models.FileField):
                columns.append((model._meta.db_table, model_field.column))
    return columns


def _snapshot_facts(cursor, quote) -> tuple[dict[str, int], set[str]]:
    counts = {}
    for key, label in COUNTED.items():
        cursor.execute(f"SELECT COUNT(*) FROM {quote(apps.get_model(label)._meta.db_table)}")
        counts[key] = cursor.fetchone()[0]
    referenced = set()
    for table, column in _file_columns():
        cursor.execute(f"SELECT {quote(column)} FROM {quote(table)} WHERE {quote(column)} <> ''")
        referenced.update(row[0] for row in cursor.fetchall())
    return counts, referenced


def _pg_params() -> dict:
    database = settings.DATABASES["default"]
    return {"dbname": database["NAME"], "user": database.get("USER") or "", "password": database.get("PASSWORD") or "",
            "host": database.get("HOST") or "", "port": str(database.get("PORT") or "")}


def _pg_env_and_args(params: dict) -> tuple[dict, list[str]]:
    env = dict(os.environ)
    if params["password"]:
        env["PGPASSWORD"] = params["password"]
    args = []
    for flag, key in (("--host", "host"), ("--port", "port"), ("--username", "user")):
        if params[key]:
            args += [flag, params[key]]
    return env, args


def _dump_postgresql(folder: Path) -> tuple[dict[str, int], set[str]]:
    import psycopg

    params = _pg_params()
    with psycopg.connect(**{k: v for k, v in params.items() if v}) as snapshot_connection:
        snapshot_connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        snapshot_connection.read_only = True
        with snapshot_connection.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            counts, referenced = _snapshot_facts(cursor, connection.ops.quote_name)
            env, args = _pg_env_and_args(params)
            # The exporting transaction stays open until pg_dump has finished.
            _private_file(folder / PG_DUMP).close()  # pg_dump truncates it and keeps the mode
            subprocess.run(
                ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}", *args,
                 "--file", str(folder / PG_DUMP), params["dbname"]],
                env=env, check=True, capture_output=True, text=True, umask=0o077,
            )
            os.chmod(folder / PG_DUMP, PRIVATE_FILE)
        snapshot_connection.rollback()
    return counts, referenced


def _dump_sqlite(folder: Path) -> tuple[dict[str, int], set[str]]:
    source = sqlite3.connect(settings.DATABASES["default"]["NAME"])
    _private_file(folder / SQLITE_COPY).close()  # SQLite writes into the empty 0600 file
    target = sqlite3.connect(folder / SQLITE_COPY)
    with target:
        source.backup(target)  # a consistent copy even while the portal writes
    source.close()
    # Counts and references are read from the copy: the same state as the dump.
    cursor = target.cursor()
    facts = _snapshot_facts(cursor, connection.ops.quote_name)
    target.close()
    return facts


# --- files ------------------------------------------------------------------------------------

def _walk_storage(path: str = "") -> list[str]:
    try:
        folders, files = default_storage.listdir(path)
    except FileNotFoundError:
        return []
    names = [f"{path}{name}" for name in files]
    for folder in folders:
        if not path and folder == PROBE_FOLDER:
            continue  # health-check probes come and go
        names += _walk_storage(f"{path}{folder}/")
    return sorted(names)


def _copy_hashing(source, target) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    while chunk := source.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
        target.write(chunk)
    return size, digest.hexdigest()


def _hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _safe_relative(name: str) -> str:
    """A storage name from a manifest, refused if it could leave the folder."""
    parts = Path(name).parts
    if not name or Path(name).is_absolute() or ".." in parts:
        raise BackupError(f"unsafe file name in manifest: {name!r}")
    return name


# --- backup -----------------------------------------------------------------------------------

def create_backup(destination: Path) -> Outcome:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    _private_folders(Path(destination))
    folder = Path(destination) / stamp
    suffix = 1
    while folder.exists():
        suffix += 1
        folder = Path(destination) / f"{stamp}-{suffix}"
    _private_folders(folder / UPLOADS)

    if connection.vendor == "postgresql":
        counts, referenced = _dump_postgresql(folder)
        dump_name = PG_DUMP
    elif connection.vendor == "sqlite":
        counts, referenced = _dump_sqlite(folder)
        dump_name = SQLITE_COPY
    else:
        raise BackupError(f"unsupported database: {connection.vendor}")

    entries = []
    for name in _walk_storage():
        target = folder / UPLOADS / name
        _private_folders(target.parent)
        with default_storage.open(name, "rb") as source, _private_file(target) as copy:
            size, sha256 = _copy_hashing(source, copy)
        entries.append({"path": name, "size": size, "sha256": sha256, "referenced": name in referenced})
    copied = {entry["path"] for entry in entries}
    missing = sorted(referenced - copied)

    manifest = {
        "format": 1,
        "created_at": timezone.now().isoformat(),
        "database": {"vendor": connection.vendor, "file": dump_name, "size": (folder / dump_name).stat().st_size,
                     "sha256": _hash_file(folder / dump_name)},
        "consistency": "counts and referenced files read in the snapshot pg_dump used (REPEATABLE READ, "
                       "pg_export_snapshot); files are write-once",
        "counts": counts,
        "files": entries,
        "missing_files": missing,
    }
    with _private_file(folder / MANIFEST) as handle:
        handle.write(json.dumps(manifest, ensure_ascii=False, indent=2).encode())
    problems = []
    if missing:
        problems.append(_("%(count)d referenced files are missing from storage: %(names)s") % {
            "count": len(missing), "names": ", ".join(missing[:10])})
    return Outcome(folder, counts, len(entries), problems)


# --- restore ----------------------------------------------------------------------------------

def current_counts() -> dict[str, int]:
    return {key: apps.get_model(label)._default_manager.count() for key, label in COUNTED.items()}


def _database_contents() -> dict[str, int]:
    """Rows that make a database "not empty"; the reference data of the migrations does not count."""
    tables = set(connection.introspection.table_names())
    present = {key: label for key, label in COUNTED.items() if apps.get_model(label)._meta.db_table in tables}
    return {key: apps.get_model(label)._default_manager.count() for key, label in present.items()}


def _restore_postgresql(dump: Path) -> None:
    params = _pg_params()
    env, args = _pg_env_and_args(params)
    connection.close()
    subprocess.run(
        ["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
         "--exit-on-error", *args, "--dbname", params["dbname"], str(dump)],
        env=env, check=True, capture_output=True, text=True,
    )


def _restore_sqlite(copy: Path) -> None:
    connection.close()
    live = Path(settings.DATABASES["default"]["NAME"])
    existed = live.exists()
    shutil.copyfile(copy, live)  # an existing file keeps its mode
    if not existed:
        os.chmod(live, PRIVATE_FILE)


def restore_backup(folder: Path, *, force: bool = False) -> Outcome:
    folder = Path(folder)
    if not (folder / MANIFEST).is_file():
        raise BackupError(_("Not a backup folder (no manifest.json): %(path)s") % {"path": folder})
    manifest = json.loads((folder / MANIFEST).read_text())
    dump = folder / manifest["database"]["file"]
    if _hash_file(dump) != manifest["database"]["sha256"]:
        raise BackupError(_("The database dump does not match its checksum in the manifest."))

    if not force:
        contents = {key: count for key, count in _database_contents().items() if count}
        if contents:
            raise BackupError(_("The database is not empty (%(what)s). Restore only into an empty install, or pass --force to replace it.")
                              % {"what": ", ".join(f"{key} {count}" for key, count in contents.items())})
        if _walk_storage():
            raise BackupError(_("The upload storage is not empty. Restore only into empty storage, or pass --force."))

    if manifest["database"]["vendor"] == "postgresql":
        _restore_postgresql(dump)
    else:
        _restore_sqlite(dump)

    bad = []
    for entry in manifest["files"]:
        name = _safe_relative(entry["path"])
        source = folder / UPLOADS / name
        if not source.is_file() or _hash_file(source) != entry["sha256"]:
            bad.append(name)
            continue
        if force and default_storage.exists(name):
            default_storage.delete(name)
        with open(source, "rb") as handle:
            stored = default_storage.save(name, File(handle, name=name))
        with default_storage.open(stored, "rb") as handle:
            digest = hashlib.sha256()
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
        if stored != name or digest.hexdigest() != entry["sha256"]:
            bad.append(name)

    counts = current_counts()
    problems = []
    if bad:
        problems.append(_("%(count)d files differ from the manifest: %(names)s") % {"count": len(bad), "names": ", ".join(bad[:10])})
    if counts != manifest["counts"]:
        problems.append(_("Counts differ from the manifest: %(details)s") % {"details": ", ".join(
            f"{key} {manifest['counts'].get(key)} → {counts.get(key)}" for key in COUNTED if counts.get(key) != manifest["counts"].get(key))})
    return Outcome(folder, counts, len(manifest["files"]) - len(bad), problems)
