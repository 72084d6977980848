"""Perceptual hashes of photos (imagehash), so one photo used by two cases or two years is found
even resized, recompressed or cropped a little.

The DCT hash (pHash, 64 bits) of the whole picture and of windows inside it (WINDOW_SHARES). Two
photos are the same when the whole of one is within SAME_PHOTO_BITS bits of the whole or of a
window of the other: resizing and recompressing move a pHash by a few bits, while different photos
differ in about 32.

Photos are opened only after their upload's check passed (a real JPEG within the size limits),
and decoded at a reduced size (JPEG draft mode): a hash needs 32×32 pixels, not 20 megapixels.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO

import imagehash
from PIL import Image, ImageOps

SAME_PHOTO_BITS = 10
# Windows hashed besides the whole picture: its centre and four corners at 90 % and 80 % of each
# side. A copy cropped by up to about a fifth on any sides is, at nearly the same scale, one of
# them (and the original one of the copy's), so comparing each picture's whole hash with the
# other's windows finds it.
WINDOW_SHARES = (0.9, 0.8)
DECODE_SIZE = (512, 512)
BITS = 64


@dataclass(frozen=True)
class PhotoHashes:
    windows: tuple[int, ...]  # the whole picture first

    @property
    def whole(self) -> int:
        return self.windows[0]


def _signed(value: imagehash.ImageHash) -> int:
    """The hash as a signed 64-bit integer (a PostgreSQL bigint)."""
    number = int(str(value), 16)
    return number - (1 << BITS) if number >= 1 << (BITS - 1) else number


def _unsigned(value: int) -> int:
    return value + (1 << BITS) if value < 0 else value


def distance(first: int, second: int) -> int:
    return (_unsigned(first) ^ _unsigned(second)).bit_count()


def _windows(width: int, height: int):
    yield (0, 0, width, height)
    for share in WINDOW_SHARES:
        w, h = int(width * share), int(height * share)
        dx, dy = width - w, height - h
        yield (dx // 2, dy // 2, dx // 2 + w, dy // 2 + h)
        yield from ((x, y, x + w, y + h) for x in (0, dx) for y in (0, dy))


def photo_hashes(source: IO[bytes]) -> PhotoHashes:
    """The hashes of the picture in `source` (a file object); ValueError for a picture Pillow
    refuses (its decompression-bomb guard stays on: the check's caps are the first guard)."""
    try:
        with Image.open(source) as image:
            image.draft("RGB", DECODE_SIZE)  # JPEG: decode at 1/2 … 1/8 scale
            picture = ImageOps.exif_transpose(image).convert("RGB")
    except Image.DecompressionBombError as refused:
        raise ValueError(str(refused)) from None
    return PhotoHashes(tuple(_signed(imagehash.phash(picture.crop(box))) for box in _windows(*picture.size)))


def photo_distance(first: PhotoHashes, second: PhotoHashes) -> int:
    """Bits between the two photos: the whole of each against every window of the other."""
    return min(min(distance(first.whole, window) for window in second.windows),
               min(distance(second.whole, window) for window in first.windows))


def same_photo(first: PhotoHashes, second: PhotoHashes) -> bool:
    return photo_distance(first, second) <= SAME_PHOTO_BITS
