"""Shared fixtures of the validation tests: findings are read in English (the msgids); tests of the
Chinese wording switch language themselves."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import translation

from cases.validation import ValidationContext, validate_file
from tests.validation.builders import CASE_NAME, REGION_NAME, UNIT_NAME


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def context() -> ValidationContext:
    return ValidationContext(unit_name=UNIT_NAME, case_name=CASE_NAME, region_name=REGION_NAME)


@pytest.fixture
def check(tmp_path: Path, context: ValidationContext):
    """check(data, kind, name=...) → findings of `data` saved as `name`."""

    def run(data: bytes, kind: str, name: str = "file.bin", *, with_context: ValidationContext | None = None):
        path = tmp_path / name
        path.write_bytes(data)
        return validate_file(path, kind, context=with_context or context, display_name=name)

    return run


def codes(findings) -> list[str]:
    return [finding.rule for finding in findings]
