"""QR codes of public links (a vote candidate's page, a showcase case), for posters and for phones
that scan a screen. PNG, because WeChat's "识别图中二维码" (long press) reads images, not SVG."""

from __future__ import annotations

import hashlib
import io

from django.core.cache import cache

QR_BOX_PIXELS = 10  # 33×33 modules for a typical link: about 410 px with the quiet zone, sharp when printed small


def qr_png(url: str) -> bytes:
    """The QR code of `url` as PNG (error correction M: survives a crease or a smudge on a poster);
    cached by the link."""
    key = "qr:1:" + hashlib.sha256(url.encode()).hexdigest()
    data = cache.get(key)
    if data is None:
        import qrcode  # deliberately lazy: only these two views need it
        from qrcode.constants import ERROR_CORRECT_M

        code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=QR_BOX_PIXELS, border=4)
        code.add_data(url)
        code.make(fit=True)
        out = io.BytesIO()
        code.make_image().save(out)
        data = out.getvalue()
        cache.set(key, data, 60 * 60 * 24 * 30)
    return data
