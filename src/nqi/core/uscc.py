"""统一社会信用代码 (unified social credit code, GB 32100-2015): validation and check character."""

import random

from django.utils.translation import gettext as _

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_INDEX = {ch: i for i, ch in enumerate(ALPHABET)}


class InvalidCreditCode(ValueError):
    """The code is malformed; the message says why (translated, for the UI)."""


def check_character(first17: str) -> str:
    total = sum(_INDEX[ch] * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def normalize(code: str) -> str:
    """Upper-case and strip spaces, including full-width ones and full-width letters/digits."""
    code = (code or "").strip().replace(" ", "").replace("\u3000", "")
    code = "".join(chr(ord(c) - 0xFEE0) if "\uff01" <= c <= "\uff5e" else c for c in code)
    return code.upper()


def validate(code: str) -> str:
    """Return the normalized code or raise InvalidCreditCode with a clear reason."""
    code = normalize(code)
    if len(code) != 18:
        raise InvalidCreditCode(_("统一社会信用代码应为18位，当前为%(n)s位") % {"n": len(code)})
    bad = sorted({c for c in code if c not in _INDEX})
    if bad:
        raise InvalidCreditCode(_("统一社会信用代码含有不允许的字符：%(c)s（不使用 I、O、S、V、Z）") % {"c": "".join(bad)})
    expected = check_character(code[:17])
    if code[17] != expected:
        raise InvalidCreditCode(_("统一社会信用代码校验位错误：第18位应为 %(e)s，实际为 %(a)s") % {
            "e": expected, "a": code[17]})
    return code


def is_valid(code: str) -> bool:
    try:
        validate(code)
    except InvalidCreditCode:
        return False
    return True


def generate(division_code: str = "450200", rng: random.Random | None = None,
             authority: str = "9", org_type: str = "1") -> str:
    """A syntactically valid code for demo data: registration authority 9 (市场监管), type 1 (企业)."""
    rng = rng or random.Random()
    body = "".join(rng.choice(ALPHABET[:10] + "ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
    first17 = f"{authority}{org_type}{division_code}{body}"
    return first17 + check_character(first17)
