"""Numbers as people type them: "1.2亿", "三千万", "500万元", "15%", "百分之十五", "3年半".

``parse_number(text, unit=...)`` returns a :class:`~decimal.Decimal` in the unit asked for;
``parse_quantity`` also says whether the user gave an approximate value ("约800万",
"500万以上"). Anything that is not a number raises :class:`NumberParseError`, a
``ValueError`` whose message is a Chinese hint for the user.

Unit rules:

* 元 / 万元 — amounts. A bare number is taken in the unit asked ("3000" → 3000 万元 when
  万元 is asked); 万/亿/w or a 元 suffix make the amount absolute ("500万" → 500 万元,
  "5000元" → 0.5 万元, "1.2亿" → 12000 万元).
* % — percentages, as the percent number ("15%" = "百分之十五" = 15; "千分之五" = 0.5).
* 年 — durations in years ("两年" = 2, "3年半" = 3.5, "半年" = 0.5, "18个月" = 1.5).
* 人 — head counts, whole numbers ("50人", "五十名", "1.2万人").

Upper bounds ("不到500万") are refused: they do not give a number to compare with.
Lower bounds ("500万以上", "两年多") are read as the bound and flagged approximate.
"""

from __future__ import annotations

import decimal
import logging
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

log = logging.getLogger(__name__)

MAX_CHARS = 40
MAX_DIGITS = 24  # anything beyond 10^24 is a typo, not a company figure
MAX_PLACES = 6  # decimals of a result: 1 分 in 万元; 7个月 = 0.583333 年
_CTX = decimal.Context(prec=60)


class Unit(StrEnum):
    YUAN = "元"
    WAN_YUAN = "万元"
    PERCENT = "%"
    YEAR = "年"
    PERSON = "人"


_HINTS: dict[Unit | None, str] = {
    None: "请输入数字,例如 500万 或 1.2亿",
    Unit.YUAN: "请输入金额,例如 500万 或 1.2亿",
    Unit.WAN_YUAN: "请输入金额,例如 500万 或 1.2亿",
    Unit.PERCENT: "请输入百分比,例如 15% 或 百分之十五",
    Unit.YEAR: "请输入年数,例如 2年 或 3年半",
    Unit.PERSON: "请输入人数,例如 50人",
}


class NumberParseError(ValueError):
    """The text is not a number of the kind asked for; the message is a hint for the user."""


@dataclass(frozen=True, slots=True)
class Quantity:
    value: Decimal
    unit: Unit | None
    approximate: bool = False


_CN_DIGITS = set("零〇一二两三四五六七八九壹贰贰叁肆伍陆柒捌玖拾佰仟点")
_MAGNITUDES = {"十": 10, "百": 100, "千": 1000, "万": 10**4, "亿": 10**8, "w": 10**4, "k": 1000}
_BIG = set("万亿w")
_APPROX_PREFIXES = ("大约", "大概", "差不多", "将近", "接近", "估计", "约", "近", "超过", "逾")
_APPROX_SUFFIXES = ("左右", "上下", "以上", "多点", "出头", "多")
_UPPER_BOUNDS = ("不到", "不足", "少于", "低于", "以下", "以内", "未满", "不超过")
_TRAILING_PUNCT = "。.!?~,;、"
_KIND_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("个百分点", "%"),
    ("%", "%"),
    ("‰", "‰"),
    ("人民币", "元"),
    ("块钱", "元"),
    ("元", "元"),
    ("块", "元"),
    ("个月", "月"),
    ("月", "月"),
    ("周年", "年"),
    ("年", "年"),
    ("个人", "人"),
    ("人", "人"),
    ("名", "人"),
    ("位", "人"),
)
_ARABIC_GROUP = re.compile(r"(\d+(?:\.\d+)?|\.\d+)([十百千万亿wk]*)")
_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_BETWEEN = re.compile(
    r"(?<=[0-9零〇一二两三四五六七八九十百千])[多余](?=[万亿千百w元块年个人名位]|$)"
)


def _fail(unit: Unit | None) -> NumberParseError:
    return NumberParseError(_HINTS[unit])


def _clean(value: Decimal) -> Decimal:
    """Drop exponent noise: 5E+6 → 5000000, 1.50 → 1.5."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1), context=_CTX)
    return value.normalize(_CTX)


def _round(value: Decimal) -> Decimal:
    """At most ``MAX_PLACES`` decimals. Without this, "1个月" in 年 was 1/12 to 60 digits:
    shown as "0.0833…3年" and stored as a 63-character fact that parse_number (at most
    ``MAX_CHARS``) refused to read back, so the saved answer was dropped."""
    exponent = value.as_tuple().exponent
    if not isinstance(exponent, int) or exponent >= -MAX_PLACES:
        return value
    return value.quantize(Decimal(1).scaleb(-MAX_PLACES), decimal.ROUND_HALF_UP, _CTX)


def _magnitude(chars: str) -> int:
    total = 1
    for char in chars:
        total *= _MAGNITUDES[char]
    return total


def _arabic(core: str, unit: Unit | None) -> Decimal:
    groups: list[tuple[Decimal, int]] = []
    pos = 0
    for match in _ARABIC_GROUP.finditer(core):
        if match.start() != pos:
            raise _fail(unit)
        groups.append((Decimal(match.group(1)), _magnitude(match.group(2))))
        pos = match.end()
    if pos != len(core) or not groups:
        raise _fail(unit)
    total = Decimal(0)
    previous = 0
    for index, (number, mag) in enumerate(groups):
        last = index == len(groups) - 1
        if mag == 1 and index > 0:
            if not last:
                raise _fail(unit)
            if previous >= 100 and number < 10 and number == number.to_integral_value():
                mag = previous // 10  # colloquial "1万2" = 12000, "3千5" = 3500
        if index > 0 and mag >= previous:
            raise _fail(unit)
        total = _CTX.add(total, _CTX.multiply(number, Decimal(mag)))
        previous = mag
    return total


def _chinese(core: str, unit: Unit | None) -> Decimal:
    has_arabic = any(ch.isascii() and ch.isdigit() for ch in core)
    big = re.fullmatch(r"(.+点.+?)([万亿]+)", core)
    if big and not any(ch in _MAGNITUDES for ch in big.group(1)):
        return _CTX.multiply(_chinese(big.group(1), unit), Decimal(_magnitude(big.group(2))))
    # imported here: cn2an compiles a pattern of every city name on import (~0.3 s of
    # every start, a question needs it only when it holds a Chinese numeral)
    import cn2an

    try:
        result = cn2an.cn2an(core, "smart" if has_arabic else "normal")
        value = Decimal(str(result))
    except Exception as exc:  # cn2an raises assorted errors on odd input
        log.debug("cn2an refused %r: %s", core, exc)
        raise _fail(unit) from None
    if not value.is_finite():
        raise _fail(unit)
    return value


def _core_value(core: str, unit: Unit | None) -> Decimal:
    if not core:
        raise _fail(unit)
    arabic = any(ch.isascii() and ch.isdigit() for ch in core)
    if arabic and all(
        (ch.isascii() and ch.isdigit()) or ch in "." or ch in _MAGNITUDES for ch in core
    ):
        return _arabic(core, unit)
    if all(ch in _CN_DIGITS or ch in _MAGNITUDES or (ch.isascii() and ch.isdigit()) for ch in core):
        return _chinese(core, unit)
    raise _fail(unit)


def _normalize(text: str, unit: Unit | None) -> str:
    if not isinstance(text, str):
        raise _fail(unit)
    s = unicodedata.normalize("NFKC", text).lower()
    s = re.sub(r"\s+", "", s).rstrip(_TRAILING_PUNCT)
    s = s.replace("−", "-").replace("貮", "贰")
    if not s or len(s) > MAX_CHARS:
        raise _fail(unit)
    for match in _THOUSANDS.finditer(s):
        s = s.replace(match.group(0), match.group(0).replace(",", ""), 1)
    if "," in s:
        raise _fail(unit)
    return s


def _strip_affixes(s: str) -> tuple[str, bool]:
    approximate = False
    changed = True
    while changed:
        changed = False
        for prefix in _APPROX_PREFIXES:
            if s.startswith(prefix) and len(s) > len(prefix):
                s, approximate, changed = s[len(prefix) :], True, True
        for suffix in _APPROX_SUFFIXES:
            if s.endswith(suffix) and len(s) > len(suffix):
                s, approximate, changed = s[: -len(suffix)], True, True
    s, count = _BETWEEN.subn("", s)
    return s, approximate or count > 0


def parse_quantity(text: str, *, unit: Unit | str | None = None) -> Quantity:
    """Parse ``text`` into a number in ``unit`` (see the module doc for the unit rules)."""
    want = Unit(unit) if unit is not None else None
    s = _normalize(text, want)
    if any(bound in s for bound in _UPPER_BOUNDS):
        raise NumberParseError(f"请给出一个具体的数(大概的也可以,例如 约800万)。{_HINTS[want]}")
    s, approximate = _strip_affixes(s)
    negative = s.startswith(("-", "负"))
    if negative:
        s = s[1:]
    kind: str | None = None
    half = False
    if s.startswith("百分之"):
        kind, s = "%", s[3:]
    elif s.startswith("千分之"):
        kind, s = "‰", s[3:]
    if s in ("半年", "半个月"):
        kind, s, half = ("年" if s == "半年" else "月"), "0", True
    elif s.endswith("半") and len(s) > 1 and kind is None:
        s, half = s[:-1], True
    if kind is None:
        for suffix, suffix_kind in _KIND_SUFFIXES:
            if s.endswith(suffix) and len(s) > len(suffix):
                kind, s = suffix_kind, s[: -len(suffix)]
                break
    if half and kind not in ("年", "月"):
        raise _fail(want)
    if kind == "元" and s.endswith("块"):
        s = s[:-1]
    scaled = kind == "元" or any(ch in _BIG for ch in s)
    value = _core_value(s, want)
    if half:
        value = _CTX.add(value, Decimal("0.5"))
    if kind == "月":
        kind, value = "年", _CTX.divide(value, Decimal(12))
    if kind == "‰":
        kind, value = "%", _CTX.divide(value, Decimal(10))
    if negative:
        value = -value
    value = _convert(value, kind, scaled, want)
    # checked in the unit asked for (it was before the conversion, in 元 for "…亿元"): the
    # largest 万元 amount, shown by format_number in 亿元, was too large to read back
    if value.adjusted() > MAX_DIGITS:
        raise NumberParseError(f"数值太大了。{_HINTS[want]}")
    return Quantity(_clean(_round(value)), want, approximate)


def _convert(value: Decimal, kind: str | None, scaled: bool, want: Unit | None) -> Decimal:
    if want is None:
        return value
    if want in (Unit.YUAN, Unit.WAN_YUAN):
        if kind not in (None, "元"):
            raise _fail(want)
        if want is Unit.WAN_YUAN and scaled:
            return _CTX.divide(value, Decimal(10**4))
        return value
    expected = {Unit.PERCENT: "%", Unit.YEAR: "年", Unit.PERSON: "人"}[want]
    if kind not in (None, expected) or (kind is None and scaled and want is not Unit.PERSON):
        raise _fail(want)
    if want is Unit.PERSON and value != value.to_integral_value():
        raise NumberParseError("人数应为整数,例如 50人")
    return value


def parse_number(text: str, *, unit: Unit | str | None = None) -> Decimal:
    """The number in ``text``, in ``unit``; raises :class:`NumberParseError` otherwise."""
    return parse_quantity(text, unit=unit).value


def _plain(value: Decimal) -> str:
    return format(_clean(value), "f")


def format_number(value: Decimal | int, unit: Unit | str | None = None) -> str:
    """Display form that :func:`parse_number` reads back to the same value in ``unit``."""
    want = Unit(unit) if unit is not None else None
    value = Decimal(value)
    if want is Unit.YUAN:
        yuan = value
    elif want is Unit.WAN_YUAN:
        yuan = _CTX.multiply(value, Decimal(10**4))
    else:
        suffix = "" if want is None else want.value
        return f"{_plain(value)}{suffix}"
    if abs(yuan) >= 10**8:
        return f"{_plain(_CTX.divide(yuan, Decimal(10**8)))}亿元"
    if abs(yuan) >= 10**4 or (want is Unit.WAN_YUAN and yuan == 0):
        return f"{_plain(_CTX.divide(yuan, Decimal(10**4)))}万元"
    return f"{_plain(yuan)}元"
