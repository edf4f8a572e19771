"""Reading a user's free-text answer to one field (for the conversation and profiles).

``parse_answer(field, text)`` returns the fact value to store, ``None`` when the user says
they do not know ("不清楚", "跳过": leave the field unanswered), or raises
:class:`AnswerError` with a Chinese hint to show before asking again.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from knowledge.numbers import NumberParseError, format_number, parse_quantity
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


def _number(field: Field, text: str) -> FactValue:
    try:
        value = parse_quantity(text, unit=field.unit).value
    except NumberParseError as exc:
        raise AnswerError(str(exc)) from exc
    if field.minimum is not None and value < field.minimum:
        raise AnswerError(f"这个数不能小于 {format_number(field.minimum, field.unit)}。")
    if field.maximum is not None and value > field.maximum:
        raise AnswerError(f"这个数不能大于 {format_number(field.maximum, field.unit)}。")
    return value


def parse_answer(field: Field, text: str) -> FactValue | None:
    """The fact for ``field`` read from ``text``; ``None`` if the user does not know."""
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
    return _number(field, text)


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
