import random

import pytest

from nqi.core import uscc


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110000600037341L", "9144030071526726XG"])
def test_real_published_codes_validate(code):
    assert uscc.validate(code) == code


def test_wrong_check_character_is_named():
    with pytest.raises(uscc.InvalidCreditCode, match="第18位应为 3"):
        uscc.validate("91350100M000100Y4X")


def test_forbidden_letters_and_length():
    with pytest.raises(uscc.InvalidCreditCode, match="18位"):
        uscc.validate("9135010")
    with pytest.raises(uscc.InvalidCreditCode, match="不允许的字符"):
        uscc.validate("91350100M000100YO3")


def test_full_width_and_spaces_are_normalized():
    assert uscc.validate(" ９１３５０１００Ｍ０００１００Ｙ４３ ") == "91350100M000100Y43"


def test_generated_codes_are_valid_and_carry_the_division():
    rng = random.Random(1)
    for _ in range(200):
        code = uscc.generate("450200", rng)
        assert uscc.is_valid(code) and code[2:8] == "450200"
