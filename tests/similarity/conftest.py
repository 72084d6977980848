import io
import random
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from cases.enums import CaseStatus, UploadSlot
from tests import factories

from bench.similarity.evalset import read_corpus

BASES = read_corpus("base.txt")
RETOLD = read_corpus("paraphrase.txt")


def scene(seed: int, size=(900, 600)) -> Image.Image:
    """A photo-like picture: coloured shapes over a background, a little noise."""
    generator = random.Random(seed)
    image = Image.new("RGB", size, tuple(generator.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(40):
        x, y = generator.randrange(size[0]), generator.randrange(size[1])
        box = [x, y, x + generator.randrange(30, 300), y + generator.randrange(30, 250)]
        (draw.rectangle if generator.random() < 0.5 else draw.ellipse)(box, fill=tuple(generator.randrange(256) for _ in range(3)))
    return Image.blend(image, Image.effect_noise(size, 30).convert("RGB"), 0.15)


def jpeg(image: Image.Image, quality: int = 92) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def submitted_case(text: str | None, *, enterprise=None, status=CaseStatus.SUBMITTED, photos=(), check_state="done", **fields):
    """A submitted case whose narrative (.docx, one paragraph a line) and photos were checked."""
    case = factories.case(enterprise, status=status, **fields)
    if text is not None:
        factories.upload(case, UploadSlot.NARRATIVE, factories.docx_bytes(*text.strip().splitlines()), "案例概要.docx",
                         state=check_state)
    for slot, data in zip((UploadSlot.PHOTO_EXTERIOR, UploadSlot.PHOTO_PRODUCT, UploadSlot.PHOTO_SCENE), photos):
        factories.upload(case, slot, data, f"{case.title}+{slot}.jpg")
    return case


@pytest.fixture
def make_case(db):
    return submitted_case
