"""The talk video is streamed with HTTP range requests (206), seekable on a phone and never read
whole into a worker; offloaded to nginx (X-Accel-Redirect) or the storage when configured."""

import pytest
from django.urls import reverse

from portal import streaming
from tests.showcase import showcase_world as show

pytestmark = pytest.mark.django_db


@pytest.fixture
def published_video():
    case = show.winner()
    data = show.mp4_bytes(3)
    video = show.add_video(case, data)
    show.publish(case)
    return case, video, data


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_a_range_is_answered_206_with_exactly_those_bytes(client, published_video):
    case, video, data = published_video
    url = reverse("showcase:video", args=[case.pk])

    response = client.get(url, HTTP_RANGE="bytes=1000-1999")

    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 1000-1999/{len(data)}"
    assert (response["Content-Length"], response["Accept-Ranges"], response["Content-Type"]) == ("1000", "bytes", "video/mp4")
    assert _body(response) == data[1000:2000]


def test_an_open_range_a_suffix_and_no_range(client, published_video):
    case, video, data = published_video
    url = reverse("showcase:video", args=[case.pk])

    tail = client.get(url, HTTP_RANGE=f"bytes={len(data) - 10}-")
    suffix = client.get(url, HTTP_RANGE="bytes=-500")
    whole = client.get(url)

    assert (tail.status_code, _body(tail)) == (206, data[-10:])
    assert (suffix.status_code, suffix["Content-Range"], _body(suffix)) == (206, f"bytes {len(data) - 500}-{len(data) - 1}/{len(data)}", data[-500:])
    assert (whole.status_code, whole["Accept-Ranges"], whole["Content-Length"]) == (200, "bytes", str(len(data)))
    assert _body(whole) == data


def test_a_range_past_the_end_is_416(client, published_video):
    case, video, data = published_video

    response = client.get(reverse("showcase:video", args=[case.pk]), HTTP_RANGE=f"bytes={len(data)}-")

    assert response.status_code == 416 and response["Content-Range"] == f"bytes */{len(data)}"


def test_the_file_is_read_a_chunk_at_a_time(client, published_video, monkeypatch):
    case, video, data = published_video
    monkeypatch.setattr(streaming, "CHUNK", 4096)
    reads = []
    original = streaming._chunks

    def counting(storage, name, first, length):
        for chunk in original(storage, name, first, length):
            reads.append(len(chunk))
            yield chunk

    monkeypatch.setattr(streaming, "_chunks", counting)
    response = client.get(reverse("showcase:video", args=[case.pk]))

    assert response.streaming
    assert _body(response) == data
    assert max(reads) == 4096 and len(reads) == -(-len(data) // 4096)


def test_x_accel_redirect_hands_the_file_to_nginx(client, published_video, settings):
    settings.MEDIA_OFFLOAD = "x-accel"
    settings.MEDIA_ACCEL_PREFIX = "/_protected_uploads/"
    case, video, data = published_video

    response = client.get(reverse("showcase:video", args=[case.pk]), HTTP_RANGE="bytes=0-99")

    assert response.status_code == 200 and response.content == b""
    assert response["X-Accel-Redirect"] == "/_protected_uploads/" + video.file.name
    assert response["Content-Type"] == "video/mp4"


def test_storage_offload_redirects_to_the_storage_url(client, published_video, settings):
    settings.MEDIA_OFFLOAD = "storage"
    case, video, data = published_video

    response = client.get(reverse("showcase:video", args=[case.pk]))

    assert response.status_code == 302 and response["Location"] == video.file.storage.url(video.file.name)


@pytest.mark.parametrize(("header", "size", "expected"), [
    ("bytes=0-0", 10, (0, 0)), ("bytes=5-", 10, (5, 9)), ("bytes=-3", 10, (7, 9)), ("bytes=3-100", 10, (3, 9)),
    ("bytes=10-", 10, False), ("bytes=-0", 10, False), ("bytes=5-2", 10, False), ("bytes=0-1,4-5", 10, None),
    ("items=0-1", 10, None), ("", 10, None),
])
def test_parse_range(header, size, expected):
    assert streaming.parse_range(header, size) == expected
