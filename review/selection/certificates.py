"""优秀案例证书: numbers, the PDF of one certificate, the batch zip, public verification.

The PDF is drawn with reportlab in a CJK TrueType font the project installs (Debian
fonts-arphic-ukai, 楷体 AR PL UKai; settings.CERTIFICATE_FONT_PATH may point elsewhere). Noto CJK
ships as CFF-outline OpenType, which reportlab cannot embed, hence the TrueType 楷体.
"""

from __future__ import annotations

import datetime
import io
import secrets
import zipfile

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.documents.naming import case_region, join_name
from cases.enums import AuditAction, CaseStatus
from cases.models import AuditEvent, Campaign, Case
from cases.refusals import Refused
from cases.rules import ensure_campaign_open
from review.models.results import Certificate, SelectionEntry

DEFAULT_FONT_PATH = "/usr/share/fonts/truetype/arphic/ukai.ttc"
FONT_NAME = "CertificateKai"
# No 0/O, 1/I/L: a number read aloud over the phone is typed back right.
SUFFIX_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


class FontMissing(Exception):
    pass


class CertificatesRefused(Refused):
    """Certificates cannot be issued now; the message says why."""


def certificate_number(year: int, sequence: int) -> str:
    """e.g. SX2024-007-K3F9: year, rank order among the winners, a random check so numbers cannot
    be guessed one after another on the public verification page."""
    suffix = "".join(secrets.choice(SUFFIX_ALPHABET) for _ in range(4))
    return f"SX{year}-{sequence:03d}-{suffix}"


@transaction.atomic
def issue_certificates(*, campaign: Campaign, actor, now: datetime.datetime | None = None) -> list[Certificate]:
    """A certificate for every WINNER case of the campaign that has none, numbered in rank order.
    Idempotent: existing certificates are kept unchanged. Refused on a closed campaign.
    Side effects: the certificate rows; when any was issued, one audit event naming their numbers."""
    ensure_campaign_open(campaign, error=CertificatesRefused)
    now = now or timezone.now()
    ranks = dict(SelectionEntry.objects.filter(selection__campaign=campaign).values_list("case_id", "rank"))
    winners = sorted(
        Case.objects.filter(campaign=campaign, status=CaseStatus.WINNER, certificate__isnull=True)
        .select_related("enterprise__association"),
        key=lambda case: (ranks.get(case.pk, 10**6), case.pk),
    )
    sequence = Certificate.objects.filter(campaign=campaign).count()
    issued = []
    for case in winners:
        sequence += 1
        for _attempt in range(5):
            try:
                with transaction.atomic():
                    issued.append(Certificate.objects.create(
                        case=case, campaign=campaign, number=certificate_number(campaign.year, sequence),
                        case_title=case.title, unit_name=case.completing_unit or case.enterprise.name,
                        issued_on=timezone.localdate(now), issued_by=actor,
                    ))
                break
            except IntegrityError:
                continue
    if issued:
        AuditEvent.objects.create(
            action=AuditAction.CERTIFICATES_ISSUED, actor=actor,
            summary=(_("%(count)d certificate(s) issued: %(numbers)s")
                     % {"count": len(issued), "numbers": "、".join(c.number for c in issued)})[:300],
            details={"certificates": [c.number for c in issued], "cases": [c.case_id for c in issued]},
        )
    return issued


def _register_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        path = getattr(settings, "CERTIFICATE_FONT_PATH", DEFAULT_FONT_PATH)
        try:
            pdfmetrics.registerFont(TTFont(FONT_NAME, path, subfontIndex=0))
        except OSError as error:
            raise FontMissing(f"CJK font not found at {path}: install fonts-arphic-ukai") from error
    return FONT_NAME


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines, line = [], ""
    for char in text:
        if stringWidth(line + char, font, size) > width:
            lines.append(line)
            line = char
        else:
            line += char
    if line:
        lines.append(line)
    return lines


def _issuer_name() -> str:
    """The provincial association that awards the certificate (the root of the organisation tree)."""
    from cases.models import Organisation

    province = Organisation.objects.filter(kind="province").only("name").first()
    return province.name if province else ""


def render_certificate(certificate: Certificate) -> bytes:
    """One A4 landscape page: title, the unit and case, the campaign's wording, number and date."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.pdfgen import canvas

    font = _register_font()
    buffer = io.BytesIO()
    width, height = landscape(A4)
    pdf = canvas.Canvas(buffer, pagesize=(width, height))
    pdf.setTitle(f"优秀案例证书 {certificate.number}")
    pdf.setAuthor(str(certificate.campaign.title))
    red = colors.HexColor("#b4232a")
    pdf.setStrokeColor(red)
    pdf.setLineWidth(6)
    pdf.rect(28, 28, width - 56, height - 56)
    pdf.setLineWidth(1.5)
    pdf.rect(40, 40, width - 80, height - 80)
    pdf.setFillColor(red)
    pdf.setFont(font, 44)
    pdf.drawCentredString(width / 2, height - 130, "优秀案例证书")
    pdf.setFillColor(colors.black)
    y = height - 210
    for line in _wrap(f"{certificate.unit_name}：", font, 22, width - 200):
        pdf.setFont(font, 22)
        pdf.drawString(100, y, line)
        y -= 34
    body = (f"　　贵单位报送的《{certificate.case_title}》在{certificate.campaign.title}中，"
            f"经专家评审、网络投票和公示，被评为优秀案例。特发此证，以资鼓励。")
    for line in _wrap(body, font, 20, width - 200):
        pdf.setFont(font, 20)
        pdf.drawString(100, y, line)
        y -= 32
    pdf.setFont(font, 18)
    pdf.drawRightString(width - 100, 150, _issuer_name())
    issued = certificate.issued_on
    pdf.drawRightString(width - 100, 120, f"{issued.year}年{issued.month}月{issued.day}日")
    pdf.setFont(font, 12)
    pdf.drawString(100, 80, f"证书编号：{certificate.number}")
    pdf.drawString(100, 62, "可在本平台“证书查验”页面按编号查验真伪")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def certificate_filename(certificate: Certificate) -> str:
    return join_name(certificate.number, certificate.unit_name, certificate.case_title, extension="pdf")


def certificates_zip(campaign: Campaign) -> bytes:
    """Every certificate of the campaign in one zip, one folder per region."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for certificate in Certificate.objects.filter(campaign=campaign).select_related(
            "campaign", "case__enterprise__association__parent__parent"
        ).order_by("number"):
            folder = case_region(certificate.case) or "其他"
            archive.writestr(f"{folder}/{certificate_filename(certificate)}", render_certificate(certificate))
    return buffer.getvalue()


def find_certificate(number: str) -> Certificate | None:
    """Public verification: the certificate with exactly this number (case-insensitive), or None."""
    number = (number or "").strip().upper()
    if not number or len(number) > 32:
        return None
    return Certificate.objects.filter(number=number).select_related("campaign").first()
