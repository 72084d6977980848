import pytest
from django.core.exceptions import ValidationError

from cases.credit_code import check_character, validate_credit_code


# The standard's worked example (GB 32100-2015) and a published enterprise code.
@pytest.mark.parametrize("code", ["91350100M000100Y43", "91440300708461136T"])
def test_published_codes_pass(code):
    validate_credit_code(code)
    assert check_character(code[:17]) == code[17]


def test_a_wrong_check_digit_is_refused_with_a_chinese_reason():
    with pytest.raises(ValidationError) as raised:
        validate_credit_code("91350100M000100Y44")
    assert raised.value.code == "check_digit"
    assert "校验位" in raised.value.messages[0]


@pytest.mark.parametrize("code, error", [("9135010000010Y43", "length"), ("91350100I000100Y43", "alphabet")])
def test_length_and_alphabet_are_checked(code, error):
    with pytest.raises(ValidationError) as raised:
        validate_credit_code(code)
    assert raised.value.code == error


def test_lower_case_input_is_read_as_upper_case():
    validate_credit_code("91350100m000100y43")
