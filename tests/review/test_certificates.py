"""优秀案例证书: one PDF per winner in a CJK font, a zip of all, public verification."""

import io
import re
import zipfile

import pytest
from django.urls import reverse
from pypdf import PdfReader

from cases.enums import CaseStatus
from review.models import Certificate
from review.selection.certificates import certificates_zip, find_certificate, issue_certificates, render_certificate
from tests.review import review_world as world

pytestmark = pytest.mark.django_db


@pytest.fixture
def winners():
    staff = world.province_staff()
    cases = [world.city_case(region, status=CaseStatus.WINNER, title=f"{region}智能产线改造",
                             completing_unit=f"{region}示范科技有限公司") for region in ("太原市", "大同市")]
    world.city_case("朔州市", status=CaseStatus.NOT_WINNER, title="未获选")
    return staff, cases, issue_certificates(campaign=world.campaign(), actor=staff)


def test_every_winner_gets_one_numbered_certificate_and_issuing_again_adds_none(winners):
    staff, cases, issued = winners
    assert sorted(c.case_title for c in issued) == ["大同市智能产线改造", "太原市智能产线改造"]
    for certificate in issued:
        assert re.fullmatch(r"SX2024-00[12]-[2-9A-HJ-NP-Z]{4}", certificate.number)
    assert issue_certificates(campaign=world.campaign(), actor=staff) == []
    assert Certificate.objects.count() == 2


def test_the_pdf_carries_campaign_case_unit_number_and_date_in_an_embedded_cjk_font(winners):
    certificate = winners[2][0]
    data = render_certificate(certificate)
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text().replace("\n", "")
    for expected in ("优秀案例证书", certificate.case_title, certificate.unit_name, certificate.number,
                     "2024年山西省企业典型创新案例征集及宣讲活动", f"{certificate.issued_on.year}年"):
        assert expected in text, expected
    fonts = {font["/BaseFont"] for font in reader.pages[0]["/Resources"]["/Font"].values()}
    assert any("UKai" in str(name) for name in fonts), fonts  # AR PL UKai, embedded as a subset


def test_the_batch_zip_holds_one_pdf_per_winner(winners):
    archive = zipfile.ZipFile(io.BytesIO(certificates_zip(world.campaign())))
    names = sorted(archive.namelist())
    assert len(names) == 2
    assert all(name.endswith(".pdf") for name in names)
    assert {name.split("/")[0] for name in names} == {"太原市", "大同市"}
    assert archive.read(names[0])[:5] == b"%PDF-"


def test_public_verification_by_number(client, winners):
    certificate = winners[2][0]
    page = client.get(reverse("review:certificate_verify"), {"number": certificate.number.lower()}).content.decode()
    assert certificate.case_title in page and certificate.unit_name in page
    missing = client.get(reverse("review:certificate_verify"), {"number": "SX2024-001-AAAA"}).content.decode()
    assert certificate.case_title not in missing
    assert find_certificate("x" * 40) is None


def test_staff_download_pdf_and_zip_and_others_get_404(client, winners):
    staff, _cases, issued = winners
    client.force_login(staff)
    response = client.get(reverse("review:certificate_pdf", args=[issued[0].number]))
    assert response["Content-Type"] == "application/pdf" and response.content[:5] == b"%PDF-"
    assert client.get(reverse("review:certificate_zip"))["Content-Type"] == "application/zip"
    assert issued[0].number in client.get(reverse("review:certificate_list")).content.decode()
    client.force_login(world.provincial_expert("大同市"))
    assert client.get(reverse("review:certificate_pdf", args=[issued[0].number])).status_code == 404
