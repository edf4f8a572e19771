"""Reading a user's free-text answer to one field (for the conversation and profiles).

``parse_answer(field, text, today=...)`` returns the fact value to store, ``None`` when the
user says they do not know ("不清楚", "跳过": leave the field unanswered), or raises
:class:`AnswerError` with a Chinese hint to show before asking again.

Where a number of years is asked ("成立多久了"), a founding year or date is understood too
("2019年成立的", "2019年5月", "2019-05-01", "我们去年刚成立", "三年前注册的") and turned
into the years elapsed by ``today``
(the evaluation date). A year alone counts from its last day, a month from the month's
last day: the years are never overstated.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from collections.abc import Mapping, Sequence
from decimal import ROUND_DOWN, Decimal

from knowledge.numbers import NumberParseError, Unit, format_number, parse_quantity
from knowledge.rules.engine import shanghai_today
from knowledge.rules.facts import InvalidFact, coerce_fact
from knowledge.rules.model import CHOICE_TYPES, Choice, FactValue, Field, FieldType

_UNSURE = ("不知道", "不清楚", "不确定", "不了解", "不详", "跳过", "说不准", "不好说", "skip", "?")
_YES = {
    "是",
    "是的",
    "有",
    "对",
    "对的",
    "已",
    "已经",
    "属于",
    "符合",
    "嗯",
    "好",
    "yes",
    "y",
    "true",
    "√",
}
_NO = {"否", "不是", "没有", "无", "不", "未", "没", "不属于", "不符合", "no", "n", "false", "×"}
_PUNCT = re.compile(r"^[。.!~\s]+|[。.!~\s]+$")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?$")
# A founding year or date where years are asked: "2019年成立的", "于2019年5月注册", "2019-05-01".
_SINCE = re.compile(
    r"^(?:于|在|是)?(\d{4})\s*(?:年|[-/.](?=\d)|(?=成立|注册|创立|设立|开业|创办|开始|起|$))"
    r"(?:\s*(\d{1,2})\s*(?:月|[-/.](?=\d)|$)(?:\s*(\d{1,2})\s*[日号]?)?)?"
    r"\s*(?:成立|注册|创立|设立|开业|创办|开始|进入|入行|起|从事)?\s*(?:的)?$"
)
_FIRST_YEAR = 1900
# How people say when they started: "我们去年刚成立" (the year before the evaluation date),
# "前年3月注册的", "今年才开业"; the words before (我们公司) and 刚/才 are left out.
_SUBJECT = re.compile(r"^(?:我们公司|我们企业|我们厂|我们|我司|本公司|公司|企业|我)")
_RELATIVE_YEARS = (("大前年", 3), ("前年", 2), ("去年", 1), ("今年", 0))
# "三年前成立的": years as such, as "3年" is, but not more than said
_AGO = re.compile(
    r"^(.+?年(?:半)?)前\s*(?:成立|注册|创立|设立|开业|创办|开始|进入|入行|起|从事)?\s*(?:的)?$"
)


class AnswerError(ValueError):
    """The answer cannot be read for this field; the message tells the user what to type."""


def _clean(text: str) -> str:
    return _PUNCT.sub("", unicodedata.normalize("NFKC", text).strip()).lower()


def is_unsure(text: str) -> bool:
    s = _clean(text)
    return s in _UNSURE or s.startswith(("不知", "不清楚", "不确定", "不太清楚", "不太确定"))


def _yes_no(s: str) -> bool:
    if s in _YES:
        return True
    if s in _NO:
        return False
    if s.startswith(("不是", "没有", "没", "未", "否", "不属于", "不符合", "无")):
        return False
    if s.startswith(("是", "有", "对", "已", "属于", "符合")):
        return True
    raise AnswerError("请回答“是”或“否”。")


def _choice(field: Field, s: str) -> str:
    choices = field.choices
    if s.isdigit() and 1 <= int(s) <= len(choices):
        return choices[int(s) - 1].value

    def names(choice: Choice) -> list[str]:
        return [n.lower() for n in (choice.value, choice.label, *choice.aliases)]

    exact = [c for c in choices if s in names(c)]
    if len(exact) == 1:
        return exact[0].value
    if field.type is FieldType.DISTRICT and not s.endswith("区"):
        with_suffix = [c for c in choices if f"{s}区" in names(c)]
        if len(with_suffix) == 1:
            return with_suffix[0].value
    partial = [c for c in choices if any(s in n or (len(n) > 1 and n in s) for n in names(c))]
    if len(partial) == 1:
        return partial[0].value
    shown = partial if len(partial) > 1 else choices
    options = "、".join(c.label for c in shown[:12])
    more = "等" if len(shown) > 12 else ""
    raise AnswerError(f"请从这些选项中选择:{options}{more}。")


def _date(s: str) -> dt.date:
    match = _DATE.match(s)
    if match:
        try:
            return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            pass
    raise AnswerError("请输入日期,例如 2023-05-01 或 2023年5月1日。")


def _since(s: str, today: dt.date) -> Decimal | None:
    """Years elapsed from the founding year/date in ``s`` to ``today`` (None: not a date)."""
    match = _SINCE.match(s)
    if not match or int(match.group(1)) < _FIRST_YEAR:
        return None
    year = int(match.group(1))
    if year > today.year:
        raise AnswerError(f"{year}年晚于今年,请输入成立(开始)的年份或年数,例如 “2019年” 或 “3年”。")
    month = int(match.group(2)) if match.group(2) else 12
    try:
        last = calendar.monthrange(year, month)[1]
        day = int(match.group(3)) if match.group(3) else last
        start = dt.date(year, month, day)
    except ValueError:
        raise AnswerError("请输入有效的日期,例如 2019-05-01 或 2019年5月。") from None
    if not match.group(3):  # this year / this month: not a full year yet
        start = min(start, today)
    if start > today:
        raise AnswerError(f"这个日期晚于今天({today}),请检查后重新输入。")
    months = (today.year - start.year) * 12 + today.month - start.month
    if today.day < start.day:
        months -= 1
    return (Decimal(months) / 12).quantize(Decimal("0.01"), rounding=ROUND_DOWN)


def _relative(s: str, today: dt.date) -> str:
    """A founding year said relative to ``today`` written as the year ("去年刚成立" →
    "2025年成立"), and years said as "N年前" as "N年"; other text unchanged."""
    rest = _SUBJECT.sub("", s).removeprefix("是").removeprefix("在")
    for word, back in _RELATIVE_YEARS:
        if rest.startswith(word):
            tail = rest[len(word) :].replace("刚", "").replace("才", "")
            return f"{today.year - back}年{tail}"
    ago = _AGO.match(rest)
    return ago.group(1) if ago else s


def _number(field: Field, text: str, today: dt.date) -> FactValue:
    if field.unit is Unit.YEAR:
        text = _relative(_clean(text), today)
        years = _since(text, today)
        if years is not None:
            return years
    try:
        value = parse_quantity(text, unit=field.unit).value
    except NumberParseError as exc:
        raise AnswerError(str(exc)) from exc
    if field.minimum is not None and value < field.minimum:
        raise AnswerError(f"这个数不能小于 {format_number(field.minimum, field.unit)}。")
    if field.maximum is not None and value > field.maximum:
        raise AnswerError(f"这个数不能大于 {format_number(field.maximum, field.unit)}。")
    return value


def parse_answer(field: Field, text: str, *, today: dt.date | None = None) -> FactValue | None:
    """The fact for ``field`` read from ``text``; ``None`` if the user does not know.

    ``today`` (default: today in Asia/Shanghai) turns a founding year into years."""
    if not isinstance(text, str) or not _clean(text):
        raise AnswerError("请先回答这个问题;不清楚可以回答“不清楚”。")
    if is_unsure(text):
        return None
    s = _clean(text)
    if field.type is FieldType.YES_NO:
        return _yes_no(s)
    if field.type in CHOICE_TYPES:
        return _choice(field, s)
    if field.type is FieldType.DATE:
        return _date(s)
    return _number(field, text, today or shanghai_today())


def describe_value(field: Field, value: FactValue) -> str:
    """A fact as shown to the user: "是", "500万元", "东湖新技术开发区", "2023-05-01"."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if field.type in CHOICE_TYPES and isinstance(value, str):
        choice = field.choice(value)
        return choice.label if choice else value
    if isinstance(value, dt.date):
        return value.isoformat()
    if field.type is FieldType.NUMBER and not isinstance(value, str):
        return format_number(value, field.unit)
    return str(value)


def answer_options(field: Field) -> tuple[Choice, ...]:
    """Buttons to offer: 是/否 for yes_no fields, the choices for choice-like fields."""
    if field.type is FieldType.YES_NO:
        return (Choice("true", "是"), Choice("false", "否"))
    return field.choices


def answers_to_facts(
    fields: Sequence[Field], answers: Mapping[str, object], *, today: dt.date
) -> dict[str, FactValue]:
    """Facts from answers as a person would give them (field id → value): text is read as
    the conversation reads a typed answer ("1.2亿", "2019年成立的", "不清楚"), booleans and
    numbers are taken as they are, ``None`` means unanswered. Keys that are not among
    ``fields`` are ignored. Raises :class:`AnswerError` naming the field."""
    by_id = {field.id: field for field in fields}
    facts: dict[str, FactValue] = {}
    for field_id, raw in answers.items():
        field = by_id.get(field_id)
        if field is None or raw is None:
            continue
        try:
            if isinstance(raw, str):
                value = parse_answer(field, raw, today=today)
            else:
                value = coerce_fact(field, raw)
        except (AnswerError, InvalidFact) as exc:
            raise AnswerError(f"{field_id}:{exc}") from exc
        if value is not None:
            facts[field_id] = value
    return facts
