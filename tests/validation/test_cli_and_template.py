"""The validate_file command, the generated narrative (self-test), findings' shape and wording."""

from __future__ import annotations

import json
from io import StringIO

from django.core.management import call_command
from django.utils import translation

from cases.validation import RULESET_VERSION, Finding, ValidationContext, validate_file
from tests.validation.builders import CASE_NAME, UNIT_NAME, conforming_narrative, conforming_narrative_with_photos, photo_bytes


def test_json_output_has_one_object_per_file(tmp_path):
    good = tmp_path / f"{CASE_NAME}+企业外景.jpg"
    good.write_bytes(photo_bytes())
    bad = tmp_path / "IMG_0001.jpg"
    bad.write_bytes(photo_bytes(make=None, model=None))
    output = StringIO()

    call_command("validate_file", "--json", "--kind", "photo_exterior", "--case-name", CASE_NAME, str(good), str(bad), stdout=output)

    results = json.loads(output.getvalue())
    assert [(result["file"], result["kind"]) for result in results] == [(str(good), "photo_exterior"), (str(bad), "photo_exterior")]
    assert results[0]["findings"] == []
    assert [(f["rule"], f["severity"]) for f in results[1]["findings"]] == [("photo.name", "warning"), ("photo.no_camera", "warning")]
    assert set(results[1]["findings"][0]) == {"rule", "severity", "message", "expected", "found", "location", "fix", "detail"}


def test_readable_report(tmp_path):
    path = tmp_path / "案例概要.docx"
    path.write_bytes(conforming_narrative())
    output = StringIO()

    call_command("validate_file", "--kind", "narrative", "--unit-name", UNIT_NAME, str(path), stdout=output)

    lines = output.getvalue().splitlines()
    assert lines[0] == f"{path} (narrative)"
    assert lines[1].startswith("  ✗ [narrative.image_count] The narrative holds 0 picture(s)")
    assert lines[-1] == f"Rule set {RULESET_VERSION}."


def test_generated_narrative_with_real_photos_has_no_error_or_warning(tmp_path):
    path = tmp_path / "案例概要.docx"
    path.write_bytes(conforming_narrative_with_photos())

    findings = validate_file(path, "narrative", context=ValidationContext(unit_name=UNIT_NAME))

    assert [f for f in findings if f.severity in ("error", "warning")] == []


def test_finding_to_dict_is_plain_json():
    finding = Finding(rule="photo.too_small", severity="error", message="m", expected="e", found="f", location="l", fix="x",
                      detail="d")

    assert json.loads(json.dumps(finding.to_dict())) == {
        "rule": "photo.too_small", "severity": "error", "message": "m", "expected": "e", "found": "f", "location": "l", "fix": "x",
        "detail": "d",
    }


def test_findings_speak_chinese_when_the_catalogue_has_them(tmp_path):
    path = tmp_path / "案例概要.docx"
    path.write_bytes(conforming_narrative())

    with translation.override("zh-hans"):
        findings = validate_file(path, "narrative", context=ValidationContext(unit_name=UNIT_NAME))

    assert [f.rule for f in findings] == ["narrative.image_count"]
    assert findings[0].message == "案例概要中有 0 张图片，应有 1 张企业外景图片和 2 张典型案例图片（最多 3 张）。"
