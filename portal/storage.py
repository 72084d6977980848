"""Upload storage on S3-compatible object storage, for several web and worker machines.

`PrivateS3Storage` is django-storages' S3 backend with what the portal needs on top:
- private objects only (ACL `private`, no public URL is ever handed out: the permission-checked
  views stream the files, see cases/views.py);
- reading never holds a file in memory: django-storages' S3File downloads the whole object into a
  SpooledTemporaryFile kept in memory (AWS_S3_MAX_MEMORY_SIZE=0) before the first byte is read; here
  `open(name, "rb")` is a seekable stream of ranged GETs read in 1 MiB blocks, so a 2 GB video is
  served, copied to a worker's folder or hashed with flat memory;
- writes go one part at a time (no transfer threads each buffering a part);
- the multipart calls the resumable uploads use (cases/resumable.py): every chunk of a file
  becomes a part of one multipart upload, so consecutive chunks may reach different web machines
  and nothing is spooled on any of them.

The settings that select it are built by `portal.storage_settings.s3_upload_storage` (used by
portal/settings.py, and by the tests, which run the S3 paths against a local S3 server: tests/s3.py).
"""

from __future__ import annotations

import io

from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError
from django.core.files import File
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

READ_BLOCK = 1024 * 1024
PART_SIZE = 8 * 1024 * 1024
# S3 refuses a multipart part smaller than this unless it is the last one.
MIN_PART_SIZE = 5 * 1024 * 1024


class MultipartUploadGone(Exception):
    """The storage no longer knows the multipart upload (aborted, or removed as stale by the
    storage's own clean-up: MinIO's api stale_uploads_expiry, a bucket lifecycle rule)."""


def _gone_or_raise(error: ClientError) -> None:
    if error.response.get("Error", {}).get("Code") == "NoSuchUpload":
        raise MultipartUploadGone(str(error)) from None
    raise error


class S3ObjectStream(io.RawIOBase):
    """One object read as a stream: a GET from the current position on, read as far as the caller
    reads; a seek elsewhere drops that response and the next read starts a ranged GET there. Seeking
    to the end (FileResponse's Content-Length) costs nothing: the size is known."""

    def __init__(self, s3_object, size: int) -> None:
        super().__init__()
        self._object = s3_object
        self._size = size
        self._position = 0
        self._body = None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        target = base + offset
        if target < 0:
            raise ValueError("negative seek position")
        if target != self._position:
            self._drop()
            self._position = target
        return self._position

    def readinto(self, buffer) -> int:
        if self._position >= self._size:
            return 0
        if self._body is None:
            self._body = self._object.get(Range=f"bytes={self._position}-")["Body"]
        data = self._body.read(len(buffer))
        count = len(data)
        buffer[:count] = data
        self._position += count
        return count

    def _drop(self) -> None:
        if self._body is not None:
            self._body.close()
            self._body = None

    def close(self) -> None:
        self._drop()
        super().close()


class PrivateS3Storage(S3Storage):
    def __init__(self, **settings):
        super().__init__(**settings)
        if self.transfer_config is None:
            # One part in flight: memory stays at one part (8 MiB) per upload instead of ten.
            self.transfer_config = TransferConfig(use_threads=False, multipart_chunksize=PART_SIZE)

    def _open(self, name, mode="rb"):
        if "w" in mode or "+" in mode or "a" in mode:
            return super()._open(name, mode)
        key = self._normalize_name(clean_name(name))
        s3_object = self.bucket.Object(key)
        try:
            s3_object.load()
        except ClientError as error:
            if error.response["ResponseMetadata"]["HTTPStatusCode"] == 404:
                raise FileNotFoundError(f"File does not exist: {name}") from None
            raise
        size = s3_object.content_length
        stream = File(io.BufferedReader(S3ObjectStream(s3_object, size), buffer_size=READ_BLOCK), name=name)
        stream.size = size
        stream.mode = mode
        return stream

    # --- multipart uploads (cases/resumable.py) -------------------------------------------------

    def _client(self):
        return self.connection.meta.client

    def _key(self, name: str) -> str:
        return self._normalize_name(clean_name(name))

    def multipart_start(self, name: str) -> str:
        """Begin a multipart upload of `name` (private, like every object); its upload id."""
        extra = {"ACL": self.default_acl} if self.default_acl else {}
        answer = self._client().create_multipart_upload(
            Bucket=self.bucket_name, Key=self._key(name), ContentType="application/octet-stream", **extra)
        return answer["UploadId"]

    def multipart_put(self, name: str, upload_id: str, number: int, handle, length: int) -> str:
        """Send part `number` (1-based) from the open file `handle` (`length` bytes, read by botocore
        in blocks); its ETag."""
        handle.seek(0)
        try:
            answer = self._client().upload_part(
                Bucket=self.bucket_name, Key=self._key(name), UploadId=upload_id, PartNumber=number,
                Body=handle, ContentLength=length)
        except ClientError as error:
            _gone_or_raise(error)
        return answer["ETag"]

    def multipart_complete(self, name: str, upload_id: str, etags: list[str]) -> None:
        """Join the parts (numbered from 1, in order) into the object `name`, on the server."""
        try:
            self._client().complete_multipart_upload(
                Bucket=self.bucket_name, Key=self._key(name), UploadId=upload_id,
                MultipartUpload={"Parts": [{"PartNumber": number, "ETag": etag}
                                           for number, etag in enumerate(etags, start=1)]})
        except ClientError as error:
            _gone_or_raise(error)

    def multipart_abort(self, name: str, upload_id: str) -> None:
        """Drop an unfinished multipart upload and its parts (gone already: nothing to do)."""
        try:
            self._client().abort_multipart_upload(Bucket=self.bucket_name, Key=self._key(name), UploadId=upload_id)
        except ClientError as error:
            if error.response["ResponseMetadata"]["HTTPStatusCode"] != 404:
                raise
