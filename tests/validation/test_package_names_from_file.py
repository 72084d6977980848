"""The bulk package check (issue 14 item 8): each zip's own name supplies its region, unit and case
when they are not given; a misnamed zip is reported; `--report` writes one row per package."""

from __future__ import annotations

import json
import os
from io import StringIO

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from cases.validation import ValidationContext
from cases.validation.package import package_name_parts
from tests.validation.builders import CASE_NAME, REGION_NAME, UNIT_NAME, zip_bytes
from tests.validation.conftest import codes
from tests.validation.test_package import PACKAGE_NAME, PHOTO_FOLDER, members


def run_command(*args: str) -> str:
    output = StringIO()
    call_command("validate_file", *args, stdout=output)
    return output.getvalue()


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        (f"{REGION_NAME}+{UNIT_NAME}+{CASE_NAME}.zip", (REGION_NAME, UNIT_NAME, CASE_NAME)),
        (f"{REGION_NAME}＋{UNIT_NAME} + {CASE_NAME}.ZIP", (REGION_NAME, UNIT_NAME, CASE_NAME)),
        ("大同市+甲公司+5G+工业互联网.zip", ("大同市", "甲公司", "5G+工业互联网")),
        ("乙公司的材料.zip", None),
        ("太原市+甲公司.zip", None),
        ("太原市++案例.zip", None),
    ],
)
def test_package_name_parts_are_read_at_the_plus(name, parts):
    parsed = package_name_parts(name)

    assert (None if parsed is None else (parsed.region_name, parsed.unit_name, parsed.case_name)) == parts


def test_a_misnamed_zip_is_reported_when_no_names_are_given(check):
    findings = check(zip_bytes(members()), "package", "乙公司的材料.zip", with_context=ValidationContext())

    assert [(f.rule, f.found, f.expected) for f in findings] == [
        ("package.name", "乙公司的材料.zip", "region+unit name+case name"),
    ]


def test_a_well_named_zip_is_judged_by_the_names_it_carries(check):
    assert check(zip_bytes(members()), "package", PACKAGE_NAME, with_context=ValidationContext()) == []


def test_members_named_after_another_case_than_the_zip_are_found(check):
    findings = check(zip_bytes(members()), "package", f"{REGION_NAME}+{UNIT_NAME}+另一个案例.zip",
                     with_context=ValidationContext())

    assert sorted(codes(findings)) == ["photo.name", "photo.name", "photo.name"]
    assert {f.expected for f in findings} == {"另一个案例+企业外景", "另一个案例+实物图", "另一个案例+场景图"}


def test_a_given_name_still_wins_over_the_zip_name(check):
    findings = check(zip_bytes(members()), "package", PACKAGE_NAME, with_context=ValidationContext(unit_name="别的公司"))

    assert ("package.name", PACKAGE_NAME) in [(f.rule, f.found) for f in findings]


def test_the_exterior_photo_sent_once_more_on_its_own_is_accepted(check):
    exterior = members()[f"{PHOTO_FOLDER}/{CASE_NAME}+企业外景.jpg"]
    content = {**members(), f"{CASE_NAME}+企业外景.jpg": exterior}

    assert check(zip_bytes(content), "package", PACKAGE_NAME) == []


def test_a_third_exterior_photo_is_a_duplicate(check):
    exterior = members()[f"{PHOTO_FOLDER}/{CASE_NAME}+企业外景.jpg"]
    content = {**members(), f"{CASE_NAME}+企业外景.jpg": exterior, f"{PHOTO_FOLDER}/{CASE_NAME}+企业外景2.jpg": exterior}

    findings = check(zip_bytes(content), "package", PACKAGE_NAME)

    # Three exterior photos: no longer "the one in the folder and one on its own", so the top copy
    # is a photo outside the folder as well.
    assert sorted((f.rule, f.location) for f in findings) == [
        ("package.duplicate", f"{PHOTO_FOLDER}/{CASE_NAME}+企业外景.jpg; {CASE_NAME}+企业外景.jpg; "
                              f"{PHOTO_FOLDER}/{CASE_NAME}+企业外景2.jpg"),
        ("package.name", "/"),
        ("photo.name", f"{PHOTO_FOLDER}/{CASE_NAME}+企业外景2.jpg"),
    ]


def test_command_reports_the_misnamed_zip_instead_of_no_problems(tmp_path):
    path = tmp_path / "乙公司的材料.zip"
    path.write_bytes(zip_bytes(members()))

    output = run_command("--kind", "package", str(path))

    assert "No problems found." not in output
    assert "[package.name] The name “乙公司的材料.zip” does not follow the pattern “region+unit name+case name”." in output


def test_command_reads_a_gbk_encoded_file_name(tmp_path):
    # A zip saved from a Windows mailbox: the name on disk is GBK bytes, not UTF-8.
    raw = os.path.join(os.fsencode(tmp_path), PACKAGE_NAME.encode("gbk"))
    with open(raw, "wb") as handle:
        handle.write(zip_bytes(members()))

    results = json.loads(run_command("--json", "--kind", "package", os.fsdecode(raw)))

    assert results == [{
        "file": str(tmp_path / PACKAGE_NAME), "kind": "package",
        "names": {"region": REGION_NAME, "unit": UNIT_NAME, "case": CASE_NAME}, "findings": [],
    }]


def test_report_writes_one_row_per_package(tmp_path):
    good = tmp_path / PACKAGE_NAME
    good.write_bytes(zip_bytes(members()))
    misnamed = tmp_path / "乙公司的材料.zip"
    misnamed.write_bytes(zip_bytes(members()))
    broken = tmp_path / f"{REGION_NAME}+丙公司+坏包.zip"
    broken.write_bytes(b"not a zip at all")
    report = tmp_path / "检查结果.xlsx"

    output = run_command("--kind", "package", "--report", str(report), str(good), str(misnamed), str(broken))

    rows = [[cell.value for cell in row] for row in load_workbook(report).active.iter_rows()]
    assert rows[0] == ["File", "Region name", "Unit name", "Name of the case", "Verdict", "Errors", "Warnings", "Notes",
                       "Problems and how to fix them"]
    assert rows[1] == [str(good), REGION_NAME, UNIT_NAME, CASE_NAME, "No problems found.", 0, 0, 0, None]
    assert rows[2][:8] == [str(misnamed), None, None, None, "Check the warnings", 0, 1, 0]
    assert rows[2][8] == ("! The name “乙公司的材料.zip” does not follow the pattern “region+unit name+case name”. · "
                          "fix: Rename it to “region+unit name+case name”.")
    assert rows[3][:8] == [str(broken), REGION_NAME, "丙公司", "坏包", "Problems to fix", 1, 0, 0]
    assert rows[3][8].startswith("✗ ")
    assert len(rows) == 4
    assert f"Report written to {report} (one row per file)." in output


def test_report_must_be_an_xlsx(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="ending in .xlsx"):
        run_command("--kind", "package", "--report", str(tmp_path / "out.csv"), str(tmp_path / "x.zip"))
