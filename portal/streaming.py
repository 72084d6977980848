"""Sending a stored file to the public: HTTP range requests, never the whole file in a worker.

A talk video of 2–5 minutes in 1080p is 100–500 MB. A phone plays it by asking for byte ranges
(`Range: bytes=…`) and seeks by asking for another; each answer is a 206 with the bytes asked for,
read from storage a chunk at a time. How it is sent is a setting (MEDIA_OFFLOAD):
- unset: this module streams it (StreamingHttpResponse over CHUNK-sized reads);
- "x-accel": the answer is an empty response with `X-Accel-Redirect` naming the stored file under
  MEDIA_ACCEL_PREFIX, which nginx maps to the upload folder as an `internal` location and serves
  with ranges itself (deploy/nginx.conf); the worker is free at once;
- "storage": a redirect to the storage's own short-lived signed URL (S3 answers ranges itself).
The caller has already decided the file is public; this module only sends it.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.http import HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.utils.http import content_disposition_header

CHUNK = 256 * 1024
RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def parse_range(header: str, size: int) -> tuple[int, int] | None | bool:
    """(first, last) byte of a single `bytes=` range, clipped to the file; None when there is no
    usable Range header (send it all); False when the range cannot be satisfied (416). Several
    ranges at once are answered with the whole file, as RFC 9110 allows."""
    match = RANGE.match((header or "").strip().replace(" ", ""))
    if not match:
        return None
    start, end = match.groups()
    if not start and not end:
        return None
    if not start:  # the last N bytes
        length = int(end)
        if length == 0:
            return False
        return max(size - length, 0), size - 1
    first = int(start)
    last = min(int(end), size - 1) if end else size - 1
    if first >= size or last < first:
        return False
    return first, last


def _chunks(storage, name: str, first: int, length: int):
    with storage.open(name, "rb") as handle:
        handle.seek(first)
        remaining = length
        while remaining > 0:
            data = handle.read(min(CHUNK, remaining))
            if not data:
                break
            remaining -= len(data)
            yield data


def file_response(request, field_file, *, content_type: str, size: int, etag: str, filename: str | None = None,
                  cache_seconds: int = 300):
    """The stored file `field_file` (a FieldFile of `size` bytes) as the answer to `request`:
    200 or 206 with Accept-Ranges, 416 for a range past the end, 304 for a matching If-None-Match."""
    storage, name = field_file.storage, field_file.name
    quoted = f'"{etag}"'
    if settings.MEDIA_OFFLOAD == "storage":
        return HttpResponseRedirect(storage.url(name))
    if settings.MEDIA_OFFLOAD == "x-accel":
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = settings.MEDIA_ACCEL_PREFIX + name
        response["ETag"] = quoted
        response["Cache-Control"] = f"public, max-age={cache_seconds}"
        return response
    if request.headers.get("If-None-Match") == quoted:
        response = HttpResponse(status=304)
        response["ETag"] = quoted
        return response
    wanted = parse_range(request.headers.get("Range", ""), size)
    # A Range with If-Range of another version: the whole (new) file.
    if wanted and request.headers.get("If-Range") not in (None, quoted):
        wanted = None
    if wanted is False:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    first, last = wanted if wanted else (0, size - 1)
    length = max(last - first + 1, 0)
    response = StreamingHttpResponse(_chunks(storage, name, first, length) if request.method != "HEAD" else iter(()),
                                     status=206 if wanted else 200, content_type=content_type)
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = quoted
    response["Cache-Control"] = f"public, max-age={cache_seconds}"
    if wanted:
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
    if filename:
        response["Content-Disposition"] = content_disposition_header(False, filename)
    return response
