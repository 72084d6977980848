"""The electronic package of a tier is complete (issue 14 item 3, 附件1): a list's zip carries its
推荐汇总表 (Word and the stamped PDF scan) beside the cases' packages, each package the exterior
photo once more on its own, and the photo folder is offered as a zip of its own. Read back member
by member."""

import io
import zipfile

import pytest
from django.urls import reverse
from django.utils.http import content_disposition_header

from cases.enums import CaseStatus, Tier, UploadSlot
from review.models import Batch, BatchStatus
from review.services import generate_summary_tables, open_batch, rank_batch
from tests import factories
from tests.review.conftest import PDF
from tests.review.test_pipeline_services import prepared

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pipeline_clock")]


def zip_of(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def recommended_cases(world, titles):
    cases = []
    for index, title in enumerate(titles):
        case = factories.complete_case(world["enterprises"][index], title=title)
        case.campaign = world["campaign"]
        case.status = CaseStatus.ASSOCIATION_RECOMMENDED
        case.save()
        cases.append(case)
    return cases


def test_the_list_zip_holds_its_summary_table_and_scan_then_each_case_package(client, county_world):
    first, second = recommended_cases(county_world, ["甲案例", "乙案例"])
    staff = county_world["staff"][Tier.ASSOCIATION]
    batch = open_batch(organisation=county_world["park"], campaign=county_world["campaign"])
    rank_batch(batch=batch, ordered_case_ids=[first.pk, second.pk], presenter_case_ids=set(), contact="张三 13800000000",
               actor=staff)
    batch = prepared(batch, staff)
    client.force_login(staff)

    archive = zip_of(client.get(reverse("review:batch_packages", args=[batch.pk])))

    names = archive.namelist()
    unit = county_world["enterprises"][0].name
    assert names[:2] == ["测试园区科协推荐汇总表.docx", "测试园区科协推荐汇总表（盖章扫描版）.pdf"]
    with batch.summary_docx.open("rb") as stored:
        assert archive.read(names[0]) == stored.read()
    assert archive.read(names[1]) == PDF
    folder = f"01 太原市+{unit}+甲案例"
    assert names[2:9] == [
        f"{folder}/甲案例+推荐表.docx",
        f"{folder}/甲案例+推荐表（盖章扫描版）.pdf",
        f"{folder}/甲案例+案例概要.docx",
        f"{folder}/甲案例+企业外景.jpg",
        f"{folder}/{unit}+照片/甲案例+企业外景.jpg",
        f"{folder}/{unit}+照片/甲案例+实物图.jpg",
        f"{folder}/{unit}+照片/甲案例+场景图.jpg",
    ]
    exterior = first.uploads.get(slot=UploadSlot.PHOTO_EXTERIOR)
    with exterior.file.open("rb") as stored:
        exterior_bytes = stored.read()
    assert archive.read(f"{folder}/甲案例+企业外景.jpg") == archive.read(f"{folder}/{unit}+照片/甲案例+企业外景.jpg") == exterior_bytes
    assert names[9].startswith("02 太原市+") and "乙案例" in names[9]
    assert len(names) == 2 + 7 + 7


def test_a_table_or_scan_of_an_earlier_list_stays_out_of_the_zip(client, county_world):
    first, second = recommended_cases(county_world, ["甲案例", "乙案例"])
    staff = county_world["staff"][Tier.ASSOCIATION]
    batch = open_batch(organisation=county_world["park"], campaign=county_world["campaign"])
    rank_batch(batch=batch, ordered_case_ids=[first.pk, second.pk], presenter_case_ids=set(), contact="张三 13800000000",
               actor=staff)
    prepared(batch, staff)
    # The list changes after the scan: neither the old table nor its scan shows it any more.
    rank_batch(batch=batch, ordered_case_ids=[second.pk, first.pk], presenter_case_ids=set(), contact="张三 13800000000",
               actor=staff)
    client.force_login(staff)

    names = zip_of(client.get(reverse("review:batch_packages", args=[batch.pk]))).namelist()

    assert not [name for name in names if "推荐汇总表" in name]
    generate_summary_tables(batch.pk)
    names = zip_of(client.get(reverse("review:batch_packages", args=[batch.pk]))).namelist()
    assert [name for name in names if "推荐汇总表" in name] == ["测试园区科协推荐汇总表.docx"]


def test_the_province_zip_files_each_city_list_table_in_the_city_folder(client, county_world):
    (case,) = recommended_cases(county_world, ["省级案例"])
    case.status = CaseStatus.PROVINCE_REVIEW
    case.save()
    city_batch = Batch.objects.create(campaign=county_world["campaign"], organisation=county_world["city"], tier=Tier.CITY,
                                      contact="王五 13900000000")
    city_batch.items.create(case=case, rank=1, is_presenter_candidate=False)
    generate_summary_tables(city_batch.pk)
    city_batch.refresh_from_db()
    Batch.objects.filter(pk=city_batch.pk).update(status=BatchStatus.FORWARDED, forwarded_at=city_batch.created_at)
    client.force_login(county_world["staff"][Tier.PROVINCE])

    names = zip_of(client.get(reverse("review:province_packages"))).namelist()

    unit = county_world["enterprises"][0].name
    assert names[0] == "太原市/太原市科学技术协会推荐汇总表.docx"
    assert names[1] == f"太原市/太原市+{unit}+省级案例/省级案例+推荐表.docx"


def test_the_photo_folder_zip_is_offered_on_the_case_page_and_holds_the_photos(client, county_world):
    (case,) = recommended_cases(county_world, ["照片案例"])
    case.status = CaseStatus.SUBMITTED
    case.save()
    client.force_login(county_world["staff"][Tier.ASSOCIATION])
    url = reverse("cases:photo_folder", args=[case.pk])

    response = client.get(url)

    unit = case.enterprise.name
    assert response["Content-Disposition"] == content_disposition_header(True, f"{unit}+照片.zip")
    archive = zip_of(response)
    assert archive.namelist() == [f"{unit}+照片/照片案例+企业外景.jpg", f"{unit}+照片/照片案例+实物图.jpg",
                                  f"{unit}+照片/照片案例+场景图.jpg"]
    assert url in client.get(reverse("review:case_review", args=[case.pk])).content.decode()
