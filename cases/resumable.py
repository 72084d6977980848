"""Resumable uploads of large files (the winners' video can be several GB; 附件1 八).

The protocol (views in cases/views_resumable.py, client in static/js/resumable-upload.js):
1. start: POST name and size into a slot → a session id and the offset to send from (0, or where
   an unfinished session of the same file stopped: reloading the page resumes it);
2. chunks: PUT the bytes from `offset` with `Upload-Offset` and `Upload-Chunk-SHA256` headers; each
   chunk is streamed to the session's spool file while hashed, never held in memory; a chunk with a
   wrong checksum, at the wrong offset or beyond the declared size is refused and the spool cut
   back to where it was;
3. status: GET (or HEAD) the session → the offset received so far (`Upload-Offset`);
4. finish: POST the SHA-256 of the whole file; it is checked against the spool, which then becomes
   a normal Upload version through `cases.services.store_upload` (versioning, quick checks, the
   validation task queued) — there is one way a file enters a case.

The spool lives under MEDIA_ROOT/resumable/<id>/ (same file system as the stored files, so the
finished file is moved, not copied). Sessions not finished within SESSION_LIFETIME are discarded
by `discard_expired_resumable_uploads` (a Celery task).
"""

from __future__ import annotations

import datetime
import fcntl
import hashlib
import os
import re
import shutil
from contextlib import contextmanager
from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case, ResumableState, ResumableUpload, Upload
from cases.rules import ensure_campaign_open
from cases.services import CaseNotEditable, lock_case_for_slot, store_upload
from cases.slots import SLOT_RULES
from cases.uploads import UploadRejected, display_name, extension_of
from cases.validation.units import describe_bytes

# The client sends chunks of CHUNK_SIZE; the server takes up to MAX_CHUNK_SIZE in one request.
CHUNK_SIZE = 8 * 1024 * 1024
MAX_CHUNK_SIZE = 64 * 1024 * 1024
IO_BLOCK = 1024 * 1024
SESSION_LIFETIME = datetime.timedelta(days=3)
SHA256_PATTERN = re.compile(r"^[0-9a-f]{64}$")


class ChunkRefused(Exception):
    """A chunk, start or finish the server will not take; the message says why, in Chinese.
    `status` is the HTTP status the view answers with; `offset` what the server holds."""

    def __init__(self, message: str, *, status: int = 400, offset: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.offset = offset


def spool_folder(session: ResumableUpload) -> Path:
    return Path(settings.MEDIA_ROOT) / "resumable" / str(session.id)


def spool_path(session: ResumableUpload) -> Path:
    return spool_folder(session) / "data"


def _spool_folders(folder: Path) -> None:
    """`mkdir -p` with the live uploads' folder mode whatever the umask: a spool is an upload in the
    making and as private as the stored ones (FILE_UPLOAD_DIRECTORY_PERMISSIONS)."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for created in reversed(missing):
        created.mkdir(exist_ok=True)
        os.chmod(created, settings.FILE_UPLOAD_DIRECTORY_PERMISSIONS or 0o700)


def _create_spool(path: Path) -> None:
    """The empty spool file, with the live uploads' file mode (FILE_UPLOAD_PERMISSIONS)."""
    mode = settings.FILE_UPLOAD_PERMISSIONS or 0o600
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT, mode)
    os.fchmod(descriptor, mode)
    os.close(descriptor)


@contextmanager
def _spool_lock(session: ResumableUpload):
    """An exclusive lock on the session's spool for one chunk or the finish. Not a row lock: a
    chunk may take minutes to arrive and must not hold a database transaction open that long.
    Two requests of one session at once (a retry racing its original) get a 409."""
    path = spool_path(session)
    try:
        handle = open(path, "r+b")
    except FileNotFoundError:
        raise ChunkRefused(_("This upload is no longer available on the server; start the upload again."), status=410) from None
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ChunkRefused(
                _("Another part of this file is being received right now; wait a moment and resume."), status=409
            ) from None
        yield handle
    finally:
        handle.close()


def _refresh_open(session: ResumableUpload, now: datetime.datetime) -> ResumableUpload:
    session.refresh_from_db()
    ensure_campaign_open(Case.objects.select_related("campaign").get(pk=session.case_id).campaign, error=ChunkRefused)
    if session.state == ResumableState.OPEN and session.expires_at <= now:
        raise ChunkRefused(_("This upload expired after %(days)d days without progress; start it again.")
                           % {"days": SESSION_LIFETIME.days}, status=410)
    if session.state != ResumableState.OPEN:
        raise ChunkRefused(_("This upload is already %(state)s; start a new upload to send the file again.")
                           % {"state": ResumableState(session.state).label}, status=410, offset=session.received)
    return session


def start_resumable_upload(*, case: Case, actor, slot: str, name: str, size: int,
                           now: datetime.datetime | None = None) -> ResumableUpload:
    """Open (or reopen) a session for one file into `slot` of `case`.

    Invariants: `actor` may put a file into the slot now (cases.services.lock_case_for_slot: the
    campaign is open, the enterprise's own case, a winner for the winners' slots); the name has an
    accepted extension; 0 < size <= the slot's limit. Side effects: an unfinished session of the
    same file (slot, name, size, same user) is returned as it stands, so the client resumes it;
    otherwise a new row and an empty spool file.
    """
    now = now or timezone.now()
    rule = SLOT_RULES[slot]
    shown = display_name(name, fallback_extension=rule.extensions[0])
    if extension_of(name or "") not in rule.extensions:
        raise UploadRejected(_("“%(name)s” is not an accepted file type here: upload a %(accepted)s file.") % {
            "name": shown, "accepted": "、".join(f".{extension}" for extension in rule.extensions)})
    if size <= 0:
        raise UploadRejected(_("“%(name)s” is empty (0 bytes). Check the file on your computer and upload it again.") % {"name": shown})
    if size > rule.max_bytes():
        raise UploadRejected(_("The file is larger than this slot allows (at most %(limit)s).") % {
            "limit": describe_bytes(rule.max_bytes())})
    with transaction.atomic():
        locked = lock_case_for_slot(case, actor=actor, slot=slot, now=now)
        earlier = (
            ResumableUpload.objects.filter(case=locked, slot=slot, original_name=shown, size=size, created_by=actor,
                                           state=ResumableState.OPEN, expires_at__gt=now)
            .order_by("-updated_at").first()
        )
        if earlier is not None and spool_path(earlier).exists():
            return earlier
        _make_room_for_a_session(locked, slot, size, now)
        session = ResumableUpload.objects.create(
            case=locked, slot=slot, original_name=shown, size=size, created_by=actor,
            created_at=now, updated_at=now, expires_at=now + SESSION_LIFETIME,
        )
        _spool_folders(spool_folder(session))
        _create_spool(spool_path(session))
    return session


# A slot takes one file; a few unfinished sessions cover a user who switched files or browsers.
# More than that is not a user but a script reserving spool space, so the oldest ones go.
MAX_OPEN_SESSIONS_PER_SLOT = 3
# Disk the spool must leave free beyond the file being started (the database, other uploads).
SPOOL_FREE_RESERVE_BYTES = 256 * 1024 ** 2


def _make_room_for_a_session(case: Case, slot: str, size: int, now: datetime.datetime) -> None:
    """Before a new session: expire the oldest open ones of this slot beyond the limit, and refuse
    when the spool's disk could not hold the file."""
    open_sessions = list(ResumableUpload.objects.filter(case=case, slot=slot, state=ResumableState.OPEN)
                         .order_by("-updated_at", "-pk"))
    for stale in open_sessions[MAX_OPEN_SESSIONS_PER_SLOT - 1:]:
        ResumableUpload.objects.filter(pk=stale.pk).update(state=ResumableState.EXPIRED, updated_at=now)
        shutil.rmtree(spool_folder(stale), ignore_errors=True)
    root = Path(settings.MEDIA_ROOT) / "resumable"
    _spool_folders(root)
    if shutil.disk_usage(root).free < size + SPOOL_FREE_RESERVE_BYTES:
        raise UploadRejected(_("The server has no room for a file of %(size)s just now. Try again later; if it keeps "
                               "happening, tell the provincial center.") % {"size": describe_bytes(size)})


def receive_chunk(*, session: ResumableUpload, actor, offset: int, length: int | None, stream, chunk_sha256: str,
                  now: datetime.datetime | None = None) -> ResumableUpload:
    """Append one chunk to the session's spool.

    Invariants: the session is open and not expired, its campaign open; the chunk starts exactly at
    the bytes received so far, has a length (Content-Length) of 1..MAX_CHUNK_SIZE, does not go past
    the declared size, and its bytes have the SHA-256 given. Refused chunks leave the spool and the
    row as they were (the spool is cut back to `offset`). Side effects: the bytes written at
    `offset`, `received` advanced, the expiry pushed back.
    `stream` is read in IO_BLOCK pieces: memory stays at one block whatever the chunk size.
    """
    now = now or timezone.now()
    chunk_sha256 = (chunk_sha256 or "").strip().lower()
    if not SHA256_PATTERN.match(chunk_sha256):
        raise ChunkRefused(_("The chunk arrived without its SHA-256 checksum; the page must send it. Reload the page and resume."))
    if length is None or length <= 0:
        raise ChunkRefused(_("The chunk arrived without its length; reload the page and resume."), status=411)
    if length > MAX_CHUNK_SIZE:
        raise ChunkRefused(_("A chunk may be at most %(limit)s.") % {"limit": describe_bytes(MAX_CHUNK_SIZE)}, status=413)
    with _spool_lock(session) as spool:
        _refresh_open(session, now)
        if offset != session.received:
            raise ChunkRefused(
                _("This chunk starts at byte %(offset)d but the server holds %(received)d bytes of the file: resume from byte %(received)d.")
                % {"offset": offset, "received": session.received}, status=409, offset=session.received,
            )
        if offset + length > session.size:
            raise ChunkRefused(
                _("This chunk would go past the end of the file (%(size)d bytes declared at the start): it is refused. Start the upload again if the file changed.")
                % {"size": session.size}, status=413, offset=session.received,
            )
        digest = hashlib.sha256()
        spool.seek(offset)
        spool.truncate(offset)  # whatever a broken earlier attempt left after the good bytes
        left = length
        try:
            while left:
                block = stream.read(min(IO_BLOCK, left))
                if not block:
                    break
                digest.update(block)
                spool.write(block)
                left -= len(block)
            spool.flush()
        except Exception:
            spool.truncate(offset)
            raise
        if left:
            spool.truncate(offset)
            raise ChunkRefused(_("The connection broke off during this chunk; it is discarded. Resume from byte %(received)d.")
                               % {"received": offset}, status=400, offset=offset)
        if digest.hexdigest() != chunk_sha256:
            spool.truncate(offset)
            raise ChunkRefused(
                _("This chunk arrived damaged (its SHA-256 checksum does not match) and was refused; it is sent again from byte %(received)d.")
                % {"received": offset}, status=422, offset=offset,
            )
        moved = ResumableUpload.objects.filter(pk=session.pk, received=offset, state=ResumableState.OPEN).update(
            received=offset + length, updated_at=now, expires_at=now + SESSION_LIFETIME,
        )
        if not moved:  # cannot happen under the spool lock on one host; never corrupt the spool if it does
            spool.truncate(offset)
            raise ChunkRefused(_("Another part of this file is being received right now; wait a moment and resume."), status=409)
    session.refresh_from_db()
    return session


class SpooledFile(File):
    """The finished spool as an uploaded file: file-system storage moves it (temporary_file_path)
    instead of copying several GB; `sha256` is the verified checksum (store_upload's receipt)."""

    def __init__(self, path: Path, name: str, sha256: str) -> None:
        super().__init__(open(path, "rb"), name=name)
        self._path = path
        self.sha256 = sha256

    def temporary_file_path(self) -> str:
        return str(self._path)


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(4 * IO_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def _fail(session: ResumableUpload, message: str, now: datetime.datetime) -> None:
    ResumableUpload.objects.filter(pk=session.pk).update(state=ResumableState.FAILED, error=message[:300], updated_at=now)
    shutil.rmtree(spool_folder(session), ignore_errors=True)


def finish_resumable_upload(*, session: ResumableUpload, actor, sha256: str,
                            now: datetime.datetime | None = None) -> Upload:
    """Check the whole file against `sha256` and store it as a version of the slot.

    Invariants: every declared byte received; the spool's SHA-256 equals `sha256`; then
    store_upload's (permission, campaign open, quick checks, size). Idempotent: finishing a
    finished session returns its Upload. Side effects, in order: on a mismatch or a refusal the
    session is marked failed with the reason and its spool removed; otherwise store_upload's
    (earlier version superseded, file moved into storage, Upload row, check queued after
    commit), the session marked finished with its Upload, the spool folder removed.
    """
    now = now or timezone.now()
    sha256 = (sha256 or "").strip().lower()
    session.refresh_from_db()
    if session.state == ResumableState.FINISHED and session.upload_id:
        return session.upload
    if not SHA256_PATTERN.match(sha256):
        raise ChunkRefused(_("The finished upload arrived without the file's SHA-256 checksum; reload the page and resume."))
    with _spool_lock(session):
        _refresh_open(session, now)
        if session.received != session.size:
            raise ChunkRefused(
                _("The server holds %(received)d of %(size)d bytes: send the rest before finishing.")
                % {"received": session.received, "size": session.size}, status=409, offset=session.received,
            )
        path = spool_path(session)
        found = _file_sha256(path)
        if found != sha256:
            message = _("The whole file arrived but its SHA-256 checksum does not match the file on your computer, so it was not kept. Upload it again.")
            _fail(session, message, now)
            raise ChunkRefused(message, status=422)
        spooled = SpooledFile(path, session.original_name, found)
        try:
            with transaction.atomic():
                upload = store_upload(case=session.case, actor=actor, slot=session.slot, uploaded_file=spooled, now=now)
                ResumableUpload.objects.filter(pk=session.pk).update(
                    state=ResumableState.FINISHED, upload=upload, updated_at=now)
        except (UploadRejected, CaseNotEditable) as refusal:
            _fail(session, str(refusal), now)
            raise
        finally:
            spooled.close()
    shutil.rmtree(spool_folder(session), ignore_errors=True)
    return upload


def discard_expired_uploads(*, now: datetime.datetime | None = None) -> int:
    """Mark open sessions past their expiry as expired and remove their spools; also remove spool
    folders left by finished or failed sessions. Safe to run twice. Returns the sessions expired."""
    now = now or timezone.now()
    expired = list(ResumableUpload.objects.filter(state=ResumableState.OPEN, expires_at__lte=now).values_list("pk", flat=True))
    ResumableUpload.objects.filter(pk__in=expired, state=ResumableState.OPEN).update(state=ResumableState.EXPIRED, updated_at=now)
    root = Path(settings.MEDIA_ROOT) / "resumable"
    if root.exists():
        open_ids = {str(pk) for pk in ResumableUpload.objects.filter(state=ResumableState.OPEN).values_list("pk", flat=True)}
        # A folder is made just before its row commits: leave young ones alone.
        young = (now - datetime.timedelta(hours=1)).timestamp()
        for folder in root.iterdir():
            if folder.is_dir() and folder.name not in open_ids and folder.stat().st_mtime < young:
                shutil.rmtree(folder, ignore_errors=True)
    return len(expired)


@shared_task(name="cases.discard_expired_resumable_uploads")
def discard_expired_resumable_uploads() -> int:
    return discard_expired_uploads()
