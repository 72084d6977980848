"""Resumable uploads of large files (the winners' video can be several GB; 附件1 八).

The protocol (views in cases/views_resumable.py, client in static/js/resumable-upload.js):
1. start: POST name and size into a slot → a session id and the offset to send from (0, or where
   an unfinished session of the same file stopped: reloading the page resumes it);
2. chunks: PUT the bytes from `offset` with `Upload-Offset` and `Upload-Chunk-SHA256` headers; each
   chunk is streamed while hashed, never held in memory; a chunk with a wrong checksum, at the wrong
   offset or beyond the declared size is refused and nothing of it kept;
3. status: GET (or HEAD) the session → the offset received so far (`Upload-Offset`);
4. finish: POST the SHA-256 of the whole file; it is checked against the stored bytes, which then
   become a normal Upload version through `cases.services.store_upload` (versioning, quick checks,
   the validation task queued) — there is one way a file enters a case.

Any web machine may take any request of a session: its state is the database row (shared by every
machine), one request at a time holds the row's lease (`_leased`: a database claim with an expiry,
renewed while bytes flow, so a machine that dies mid-chunk frees the session within LEASE), and the
bytes go to shared storage:
- object storage (S3, `PrivateS3Storage`): each chunk becomes one part of an S3 multipart upload
  of the object the file will be stored as (passed through a temporary file of one chunk while it
  is hashed); the finish joins the parts on the storage server and hashes the object as it streams
  back, so the file is never copied through a web machine;
- a local upload folder (the embedded default and the one-machine compose file; several machines
  only when UPLOAD_ROOT is a shared volume): a spool file under UPLOAD_ROOT/resumable/<id>/ on the
  same file system as the stored files, so the finished file is moved, not copied.
Sessions not finished within SESSION_LIFETIME are discarded by `discard_expired_resumable_uploads`
(a Celery task), their parts with them.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import os
import re
import shutil
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case, ResumablePart, ResumableState, ResumableUpload, Upload, upload_storage_path
from cases.rules import ensure_campaign_open
from cases.services import CaseNotEditable, lock_case_for_slot, store_upload
from cases.slots import SLOT_RULES
from cases.uploads import UploadRejected, display_name, extension_of
from cases.validation.units import describe_bytes
from portal.storage import MIN_PART_SIZE, MultipartUploadGone

logger = logging.getLogger(__name__)

# The client sends chunks of CHUNK_SIZE; the server takes up to MAX_CHUNK_SIZE in one request.
CHUNK_SIZE = 8 * 1024 * 1024
MAX_CHUNK_SIZE = 64 * 1024 * 1024
IO_BLOCK = 1024 * 1024
SESSION_LIFETIME = datetime.timedelta(days=3)
SHA256_PATTERN = re.compile(r"^[0-9a-f]{64}$")
# A request holds its session's lease this long past its last renewal; it renews at most every
# LEASE_RENEWAL while bytes arrive. A machine that died mid-chunk blocks the session for LEASE at most.
LEASE = datetime.timedelta(seconds=60)
LEASE_RENEWAL_SECONDS = 5


class ChunkRefused(Exception):
    """A chunk, start or finish the server will not take; the message says why, in Chinese.
    `status` is the HTTP status the view answers with; `offset` what the server holds."""

    def __init__(self, message: str, *, status: int = 400, offset: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.offset = offset


def _busy() -> ChunkRefused:
    return ChunkRefused(_("Another part of this file is being received right now; wait a moment and resume."), status=409)


def on_object_storage() -> bool:
    """Uploads go to object storage offering multipart uploads (portal.storage.PrivateS3Storage)."""
    return hasattr(default_storage, "multipart_start")


# --- the lease: one request of a session at a time, on any machine ------------------------------

class Lease:
    def __init__(self, session_pk, token: str) -> None:
        self.session_pk = session_pk
        self.token = token
        self._renewed = time.monotonic()

    def renew(self, *, force: bool = False) -> None:
        """Push the lease's expiry back (at most every LEASE_RENEWAL_SECONDS unless `force`). Called
        before bytes are written: a request whose lease lapsed and went to another writes nothing more."""
        if not force and time.monotonic() - self._renewed < LEASE_RENEWAL_SECONDS:
            return
        kept = ResumableUpload.objects.filter(pk=self.session_pk, lease_token=self.token).update(
            lease_until=timezone.now() + LEASE)
        if not kept:
            raise _busy()
        self._renewed = time.monotonic()


@contextmanager
def _leased(session: ResumableUpload):
    """Hold the session's lease for one chunk or the finish, or refuse with 409 (another request of
    the session holds it: a retry racing its original, on this machine or another). Not a row lock:
    a chunk may take minutes to arrive and must not hold a database transaction open that long."""
    token = uuid.uuid4().hex
    now = timezone.now()
    taken = ResumableUpload.objects.filter(pk=session.pk).filter(Q(lease_until__isnull=True) | Q(lease_until__lte=now)).update(
        lease_token=token, lease_until=now + LEASE)
    if not taken:
        raise _busy()
    try:
        yield Lease(session.pk, token)
    finally:
        ResumableUpload.objects.filter(pk=session.pk, lease_token=token).update(lease_token="", lease_until=None)


# --- the local spool (an upload folder on this machine or a shared volume) ---------------------

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


def _discard_stored_bytes(session: ResumableUpload) -> None:
    """Remove what a session holds in storage: its multipart upload's parts, or its spool folder."""
    if session.multipart_id:
        try:
            default_storage.multipart_abort(session.storage_name, session.multipart_id)
        except Exception:  # the bucket's lifecycle rule removes abandoned parts anyway (README)
            logger.exception("could not abort the multipart upload of resumable session %s", session.pk)
    else:
        shutil.rmtree(spool_folder(session), ignore_errors=True)


def _holds_its_bytes(session: ResumableUpload) -> bool:
    return bool(session.multipart_id) or spool_path(session).exists()


def _refresh_open(session: ResumableUpload, now: datetime.datetime) -> ResumableUpload:
    session.refresh_from_db()
    ensure_campaign_open(Case.objects.select_related("campaign").get(pk=session.case_id).campaign, error=ChunkRefused)
    if session.state == ResumableState.OPEN and session.expires_at <= now:
        raise ChunkRefused(_("This upload expired after %(days)d days without progress; start it again.")
                           % {"days": SESSION_LIFETIME.days}, status=410)
    if session.state != ResumableState.OPEN:
        raise ChunkRefused(_("This upload is already %(state)s; start a new upload to send the file again.")
                           % {"state": ResumableState(session.state).label}, status=410, offset=session.received)
    if not _holds_its_bytes(session):
        raise ChunkRefused(_("This upload is no longer available on the server; start the upload again."), status=410)
    return session


def start_resumable_upload(*, case: Case, actor, slot: str, name: str, size: int,
                           now: datetime.datetime | None = None) -> ResumableUpload:
    """Open (or reopen) a session for one file into `slot` of `case`.

    Invariants: `actor` may put a file into the slot now (cases.services.lock_case_for_slot: the
    campaign is open, the enterprise's own case, a winner for the winners' slots); the name has an
    accepted extension; 0 < size <= the slot's limit. Side effects: an unfinished session of the
    same file (slot, name, size, same user) is returned as it stands, so the client resumes it;
    otherwise a new row and, on object storage, a multipart upload of the object the file will be
    stored as, or else an empty spool file.
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
    multipart = None
    try:
        with transaction.atomic():
            locked = lock_case_for_slot(case, actor=actor, slot=slot, now=now)
            earlier = (
                ResumableUpload.objects.filter(case=locked, slot=slot, original_name=shown, size=size, created_by=actor,
                                               state=ResumableState.OPEN, expires_at__gt=now)
                .order_by("-updated_at").first()
            )
            if earlier is not None and _holds_its_bytes(earlier):
                return earlier
            _make_room_for_a_session(locked, slot, size, now)
            session = ResumableUpload(
                case=locked, slot=slot, original_name=shown, size=size, created_by=actor,
                created_at=now, updated_at=now, expires_at=now + SESSION_LIFETIME,
            )
            if on_object_storage():
                session.storage_name = upload_storage_path(Upload(case=locked, slot=slot), shown)
                multipart = session.multipart_id = default_storage.multipart_start(session.storage_name)
                session.save(force_insert=True)
            else:
                session.save(force_insert=True)
                _spool_folders(spool_folder(session))
                _create_spool(spool_path(session))
    except Exception:
        if multipart:
            default_storage.multipart_abort(session.storage_name, multipart)
        raise
    return session


# A slot takes one file; a few unfinished sessions cover a user who switched files or browsers.
# More than that is not a user but a script reserving spool space, so the oldest ones go.
MAX_OPEN_SESSIONS_PER_SLOT = 3
# Disk the spool must leave free beyond the file being started (the database, other uploads).
SPOOL_FREE_RESERVE_BYTES = 256 * 1024 ** 2


def _make_room_for_a_session(case: Case, slot: str, size: int, now: datetime.datetime) -> None:
    """Before a new session: expire the oldest open ones of this slot beyond the limit, and refuse
    when a local spool's disk could not hold the file (object storage has no such limit here)."""
    open_sessions = list(ResumableUpload.objects.filter(case=case, slot=slot, state=ResumableState.OPEN)
                         .order_by("-updated_at", "-pk"))
    for stale in open_sessions[MAX_OPEN_SESSIONS_PER_SLOT - 1:]:
        ResumableUpload.objects.filter(pk=stale.pk).update(state=ResumableState.EXPIRED, updated_at=now)
        _discard_stored_bytes(stale)
    if on_object_storage():
        return
    root = Path(settings.MEDIA_ROOT) / "resumable"
    _spool_folders(root)
    if shutil.disk_usage(root).free < size + SPOOL_FREE_RESERVE_BYTES:
        raise UploadRejected(_("The server has no room for a file of %(size)s just now. Try again later; if it keeps "
                               "happening, tell the provincial center.") % {"size": describe_bytes(size)})


def _copy_chunk(stream, target, length: int, lease: Lease, offset: int) -> str:
    """Copy `length` bytes of `stream` into `target` in IO_BLOCK pieces (the lease renewed before
    each write); their SHA-256. A stream that ends early is refused with the offset to resume from."""
    digest = hashlib.sha256()
    left = length
    while left:
        block = stream.read(min(IO_BLOCK, left))
        if not block:
            break
        digest.update(block)
        lease.renew()
        target.write(block)
        left -= len(block)
    target.flush()
    if left:
        raise ChunkRefused(_("The connection broke off during this chunk; it is discarded. Resume from byte %(received)d.")
                           % {"received": offset}, status=400, offset=offset)
    return digest.hexdigest()


def _parts_gone(session: ResumableUpload, now: datetime.datetime) -> ChunkRefused:
    """The object storage dropped the session's parts (its own clean-up of stale uploads)."""
    message = _("This upload is no longer available on the server; start the upload again.")
    ResumableUpload.objects.filter(pk=session.pk).update(state=ResumableState.EXPIRED, error=message, updated_at=now)
    return ChunkRefused(message, status=410)


def _damaged(offset: int) -> ChunkRefused:
    return ChunkRefused(
        _("This chunk arrived damaged (its SHA-256 checksum does not match) and was refused; it is sent again from byte %(received)d.")
        % {"received": offset}, status=422, offset=offset,
    )


def _advance(session: ResumableUpload, lease: Lease, offset: int, length: int, now: datetime.datetime) -> bool:
    """Record the chunk: `received` moves on only from `offset`, for the lease holder."""
    return bool(ResumableUpload.objects.filter(
        pk=session.pk, received=offset, state=ResumableState.OPEN, lease_token=lease.token,
    ).update(received=offset + length, updated_at=now, expires_at=now + SESSION_LIFETIME))


def _receive_into_spool(session: ResumableUpload, lease: Lease, offset: int, length: int, stream, chunk_sha256: str,
                        now: datetime.datetime) -> None:
    try:
        spool = open(spool_path(session), "r+b")
    except FileNotFoundError:
        raise ChunkRefused(_("This upload is no longer available on the server; start the upload again."), status=410) from None
    with spool:
        spool.seek(offset)
        spool.truncate(offset)  # whatever a broken earlier attempt left after the good bytes
        try:
            digest = _copy_chunk(stream, spool, length, lease, offset)
            if digest != chunk_sha256:
                raise _damaged(offset)
            lease.renew(force=True)
            if not _advance(session, lease, offset, length, now):
                raise _busy()
        except ChunkRefused as refusal:
            if refusal.status != 409:  # a 409 means another request holds the spool now: leave it alone
                spool.truncate(offset)
            raise
        except Exception:
            spool.truncate(offset)
            raise


def _receive_as_part(session: ResumableUpload, lease: Lease, offset: int, length: int, stream, chunk_sha256: str,
                     now: datetime.datetime) -> None:
    """One chunk → one part of the session's multipart upload. The bytes pass through a temporary
    file of this machine only while they are hashed and sent (S3 needs the length and may resend)."""
    if offset + length < session.size and length < MIN_PART_SIZE:
        raise ChunkRefused(
            _("Each part of the file except the last must be at least %(minimum)s; reload the page and resume.")
            % {"minimum": describe_bytes(MIN_PART_SIZE)}, status=400, offset=offset)
    number = session.parts.count() + 1
    with tempfile.TemporaryFile(dir=settings.FILE_UPLOAD_TEMP_DIR) as chunk:
        digest = _copy_chunk(stream, chunk, length, lease, offset)
        if digest != chunk_sha256:
            raise _damaged(offset)
        lease.renew(force=True)
        try:
            etag = default_storage.multipart_put(session.storage_name, session.multipart_id, number, chunk, length)
        except MultipartUploadGone:
            raise _parts_gone(session, now) from None
    lease.renew(force=True)
    with transaction.atomic():
        if not _advance(session, lease, offset, length, now):
            raise _busy()
        ResumablePart.objects.create(session=session, number=number, offset=offset, size=length, etag=etag)


def receive_chunk(*, session: ResumableUpload, actor, offset: int, length: int | None, stream, chunk_sha256: str,
                  now: datetime.datetime | None = None) -> ResumableUpload:
    """Add one chunk to the session's bytes in shared storage.

    Invariants: the session is open and not expired, its campaign open; the chunk starts exactly at
    the bytes received so far, has a length (Content-Length) of 1..MAX_CHUNK_SIZE (on object storage
    at least MIN_PART_SIZE unless it ends the file), does not go past the declared size, and its
    bytes have the SHA-256 given. Refused chunks leave the stored bytes and the row as they were.
    Side effects: the bytes stored at `offset` (a part of the multipart upload, or the spool),
    `received` advanced, the expiry pushed back. `stream` is read in IO_BLOCK pieces: memory stays
    at one block whatever the chunk size. Any web machine may take any chunk (module docstring).
    """
    now = now or timezone.now()
    chunk_sha256 = (chunk_sha256 or "").strip().lower()
    if not SHA256_PATTERN.match(chunk_sha256):
        raise ChunkRefused(_("The chunk arrived without its SHA-256 checksum; the page must send it. Reload the page and resume."))
    if length is None or length <= 0:
        raise ChunkRefused(_("The chunk arrived without its length; reload the page and resume."), status=411)
    if length > MAX_CHUNK_SIZE:
        raise ChunkRefused(_("A chunk may be at most %(limit)s.") % {"limit": describe_bytes(MAX_CHUNK_SIZE)}, status=413)
    with _leased(session) as lease:
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
        receive = _receive_as_part if session.multipart_id else _receive_into_spool
        receive(session, lease, offset, length, stream, chunk_sha256, now)
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


class StoredObject(File):
    """The joined object as an uploaded file: already where it is to be stored (`stored_name`), so
    store_upload records it instead of copying it. Reading it streams from storage (the quick
    checks read its first bytes); `sha256` is the verified checksum."""

    def __init__(self, stored_name: str, name: str, size: int, sha256: str) -> None:
        super().__init__(default_storage.open(stored_name, "rb"), name=name)
        self.stored_name = stored_name
        self.size = size
        self.sha256 = sha256


def _sha256_of_stream(handle, lease: Lease) -> str:
    """The SHA-256 of what `handle` reads, the lease renewed on the way: hashing several GB takes
    longer than the lease, and a retried finish must not take the session meanwhile."""
    digest = hashlib.sha256()
    while block := handle.read(4 * IO_BLOCK):
        digest.update(block)
        lease.renew()
    return digest.hexdigest()


def _fail(session: ResumableUpload, message: str, now: datetime.datetime) -> None:
    ResumableUpload.objects.filter(pk=session.pk).update(state=ResumableState.FAILED, error=message[:300], updated_at=now)
    _discard_stored_bytes(session)


def _checksum_mismatch(session: ResumableUpload, now: datetime.datetime) -> ChunkRefused:
    message = _("The whole file arrived but its SHA-256 checksum does not match the file on your computer, so it was not kept. Upload it again.")
    _fail(session, message, now)
    return ChunkRefused(message, status=422)


def _finished_file(session: ResumableUpload, sha256: str, lease: Lease, now: datetime.datetime) -> File:
    """The received bytes as one file whose SHA-256 is `sha256`, or ChunkRefused (session failed)."""
    if session.multipart_id:
        etags = list(session.parts.order_by("number").values_list("etag", flat=True))
        try:
            default_storage.multipart_complete(session.storage_name, session.multipart_id, etags)
        except MultipartUploadGone:
            raise _parts_gone(session, now) from None
        # Joined: there is no multipart upload left to abort, only the object.
        ResumableUpload.objects.filter(pk=session.pk).update(multipart_id="")
        session.multipart_id = ""
        with default_storage.open(session.storage_name, "rb") as joined:
            found = _sha256_of_stream(joined, lease)
        if found != sha256:
            default_storage.delete(session.storage_name)
            raise _checksum_mismatch(session, now)
        return StoredObject(session.storage_name, session.original_name, session.size, found)
    path = spool_path(session)
    with open(path, "rb") as spool:
        found = _sha256_of_stream(spool, lease)
    if found != sha256:
        raise _checksum_mismatch(session, now)
    return SpooledFile(path, session.original_name, found)


def finish_resumable_upload(*, session: ResumableUpload, actor, sha256: str,
                            now: datetime.datetime | None = None) -> Upload:
    """Check the whole file against `sha256` and store it as a version of the slot.

    Invariants: every declared byte received; the stored bytes' SHA-256 equals `sha256`; then
    store_upload's (permission, campaign open, quick checks, size). Idempotent: finishing a
    finished session returns its Upload. Side effects, in order: on object storage the parts are
    joined into the object on the storage server; on a mismatch or a refusal the session is marked
    failed with the reason and its bytes removed; otherwise store_upload's (earlier version
    superseded, the file recorded where it is or moved into storage, Upload row, check queued after
    commit), the session marked finished with its Upload, the spool folder removed.
    """
    now = now or timezone.now()
    sha256 = (sha256 or "").strip().lower()
    session.refresh_from_db()
    if session.state == ResumableState.FINISHED and session.upload_id:
        return session.upload
    if not SHA256_PATTERN.match(sha256):
        raise ChunkRefused(_("The finished upload arrived without the file's SHA-256 checksum; reload the page and resume."))
    with _leased(session) as lease:
        _refresh_open(session, now)
        if session.received != session.size:
            raise ChunkRefused(
                _("The server holds %(received)d of %(size)d bytes: send the rest before finishing.")
                % {"received": session.received, "size": session.size}, status=409, offset=session.received,
            )
        finished = _finished_file(session, sha256, lease, now)
        try:
            with transaction.atomic():
                upload = store_upload(case=session.case, actor=actor, slot=session.slot, uploaded_file=finished, now=now)
                ResumableUpload.objects.filter(pk=session.pk).update(
                    state=ResumableState.FINISHED, upload=upload, updated_at=now)
        except (UploadRejected, CaseNotEditable) as refusal:
            if isinstance(finished, StoredObject):
                default_storage.delete(finished.stored_name)
            _fail(session, str(refusal), now)
            raise
        finally:
            finished.close()
    if not session.storage_name:
        shutil.rmtree(spool_folder(session), ignore_errors=True)
    return upload


def discard_expired_uploads(*, now: datetime.datetime | None = None) -> int:
    """Mark open sessions past their expiry as expired and remove their bytes (multipart parts or
    spool); also remove spool folders left by finished or failed sessions. Safe to run twice.
    Returns the sessions expired."""
    now = now or timezone.now()
    expired = list(ResumableUpload.objects.filter(state=ResumableState.OPEN, expires_at__lte=now))
    ResumableUpload.objects.filter(pk__in=[session.pk for session in expired], state=ResumableState.OPEN).update(
        state=ResumableState.EXPIRED, updated_at=now)
    for session in expired:
        if session.multipart_id:
            _discard_stored_bytes(session)
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
