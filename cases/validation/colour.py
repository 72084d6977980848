"""Looking at pixels: is a picture gray, and does a scan carry a red round seal (公章)?

The seal test is a heuristic (so `pdf.no_seal` is only a warning): find red pixels, join them into
blobs, and accept a blob that is roughly round, of a seal's size relative to the page, and whose
outline is a ring (red all around its edge, not a filled red disc such as a logo).
"""

from __future__ import annotations

import math
from collections import deque

from PIL import Image, ImageChops, ImageFilter

# A pixel is gray when its chroma (Cb, Cr distance from neutral 128) is within this; a picture is
# gray when nearly all its pixels are (JPEG noise leaves a little chroma even in gray pictures).
GRAY_CHROMA_TOLERANCE = 6
GRAY_PIXEL_SHARE = 0.995
ANALYSIS_SIZE = 600  # long side, in pixels, at which seals are looked for
RED_MIN = 120
RED_OVER_GREEN = 60
RED_OVER_BLUE = 45
SEAL_MIN_SHARE, SEAL_MAX_SHARE = 0.06, 0.5  # seal diameter / short side of the page image
SEAL_MAX_ELONGATION = 1.7  # oval seals exist; long thin red shapes are not seals
RING_ANGLES = 72
RING_MIN_COVERAGE = 0.75
CENTRE_MAX_FILL = 0.6


def is_grayscale(image: Image.Image) -> bool:
    if image.mode in ("1", "L", "LA", "I", "I;16", "F"):
        return True
    _luma, blue_chroma, red_chroma = image.convert("RGB").convert("YCbCr").split()
    pixels = image.size[0] * image.size[1] or 1
    near = range(128 - GRAY_CHROMA_TOLERANCE, 128 + GRAY_CHROMA_TOLERANCE + 1)
    blue_histogram, red_histogram = blue_chroma.histogram(), red_chroma.histogram()
    blue_share = sum(blue_histogram[value] for value in near) / pixels
    red_share = sum(red_histogram[value] for value in near) / pixels
    return blue_share >= GRAY_PIXEL_SHARE and red_share >= GRAY_PIXEL_SHARE


def red_mask(image: Image.Image) -> Image.Image:
    """'L' image, 255 where the pixel is seal red."""
    red, green, blue = image.convert("RGB").split()
    strong_red = red.point(lambda value: 255 if value >= RED_MIN else 0)
    over_green = ImageChops.subtract(red, green).point(lambda value: 255 if value >= RED_OVER_GREEN else 0)
    over_blue = ImageChops.subtract(red, blue).point(lambda value: 255 if value >= RED_OVER_BLUE else 0)
    return ImageChops.multiply(ImageChops.multiply(strong_red, over_green), over_blue)


def has_red_ring_seal(image: Image.Image) -> bool:
    scale = ANALYSIS_SIZE / max(image.size)
    if scale < 1:
        image = image.resize((max(1, int(image.size[0] * scale)), max(1, int(image.size[1] * scale))), Image.Resampling.BOX)
    # Joining nearby strokes makes the seal's ring, text and star one blob.
    mask = red_mask(image).filter(ImageFilter.MaxFilter(5))
    width, height = mask.size
    pixels = mask.tobytes()
    short_side = min(width, height)
    for left, top, right, bottom in _blobs(pixels, width, height):
        blob_width, blob_height = right - left + 1, bottom - top + 1
        if not SEAL_MIN_SHARE * short_side <= max(blob_width, blob_height) <= SEAL_MAX_SHARE * short_side:
            continue
        if max(blob_width, blob_height) / max(1, min(blob_width, blob_height)) > SEAL_MAX_ELONGATION:
            continue
        if _is_ring(pixels, width, (left, top, right, bottom)):
            return True
    return False


def _blobs(pixels: bytes, width: int, height: int):
    """Bounding boxes of 4-connected red regions."""
    seen = bytearray(len(pixels))
    for start, value in enumerate(pixels):
        if not value or seen[start]:
            continue
        seen[start] = 1
        queue = deque([start])
        left, top, right, bottom = width, height, 0, 0
        while queue:
            index = queue.popleft()
            y, x = divmod(index, width)
            left, right, top, bottom = min(left, x), max(right, x), min(top, y), max(bottom, y)
            for neighbour, inside in ((index - 1, x > 0), (index + 1, x < width - 1), (index - width, y > 0), (index + width, y < height - 1)):
                if inside and pixels[neighbour] and not seen[neighbour]:
                    seen[neighbour] = 1
                    queue.append(neighbour)
        yield left, top, right, bottom


def _is_ring(pixels: bytes, width: int, box: tuple[int, int, int, int]) -> bool:

    left, top, right, bottom = box
    centre_x, centre_y = (left + right) / 2, (top + bottom) / 2
    radius_x, radius_y = (right - left) / 2, (bottom - top) / 2
    height = len(pixels) // width

    def red_at(x: float, y: float) -> bool:
        column, row = int(round(x)), int(round(y))
        return 0 <= column < width and 0 <= row < height and pixels[row * width + column] > 0

    edge_hits = 0
    centre_hits = 0
    for step in range(RING_ANGLES):
        angle = 2 * math.pi * step / RING_ANGLES
        cos, sin = math.cos(angle), math.sin(angle)
        if any(red_at(centre_x + radius_x * f * cos, centre_y + radius_y * f * sin) for f in (0.78, 0.84, 0.9, 0.95, 1.0)):
            edge_hits += 1
        if red_at(centre_x + radius_x * 0.45 * cos, centre_y + radius_y * 0.45 * sin):
            centre_hits += 1
    return edge_hits / RING_ANGLES >= RING_MIN_COVERAGE and centre_hits / RING_ANGLES <= CENTRE_MAX_FILL
