"""Document metadata read from the text itself: issuing body (→ level and region), dates
of issue, entry into force and expiry, 文号, and the documents a new one repeals.

Pure functions over strings. Each returns None (or nothing) when the text is silent:
nothing is guessed that the document does not say.
"""

from __future__ import annotations

import datetime as dt
import re

from knowledge.model import Level

_CN_DIGIT = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
_CN_DIGIT |= {"六": 6, "七": 7, "八": 8, "九": 9}
_HAN = r"[\u4e00-\u9fff]"
# a date written with Arabic or Chinese numerals: 2026年12月1日, 二〇二六年十二月一日
_NUM = "[0-9一二三四五六七八九十]{1,3}"
_DATE = rf"([0-9〇零一二三四五六七八九]{{4}})\s*年\s*({_NUM})\s*月\s*({_NUM})\s*日"
_ISSUER_END = (
    r"(?:人民政府办公厅|人民政府办公室|人民政府|办公厅|办公室|委员会|管理委员会|管委会|领导小组|"
    r"局|厅|部|委|署|院|总局|中心|小组|协会)"
)
_ISSUER_LINE = re.compile(rf"^{_HAN}{{2,30}}{_ISSUER_END}(?:\s+{_HAN}{{2,30}}{_ISSUER_END})*$")
_TITLE_ISSUER = re.compile(rf"^({_HAN}{{2,40}}?{_ISSUER_END})(?:\s*{_HAN}*?{_ISSUER_END})*关于")
_EFFECTIVE = re.compile(rf"自\s*(?:{_DATE}|(印发|发布|公布)之日)\s*起(?:施行|实施|执行|生效)")
_VALID_YEARS = re.compile(r"有效期(?:为|暂定)?\s*([0-9一二两三四五六七八九十]{1,3})\s*年")
_UNTIL = re.compile(rf"(?:有效期|执行期限?|实施期限?)[^。;;]{{0,30}}?至\s*{_DATE}\s*(?:止|截止)?")
_UNTIL_END = re.compile(rf"至\s*{_DATE}\s*止")
_REPEAL = re.compile(r"同时废止|予以废止|停止执行|不再执行")
_REPEAL_REACH = 300  # how far before the words the repealed titles may stand
_QUOTED = re.compile(r"《([^《》]{4,80})》")
_PLAN_YEAR = re.compile(r"(20\d{2})\s*年(?:度)?\S*?(?:工作要点|工作计划|工作安排|要点)$")


def _cn_number(text: str) -> int:
    """12, 十二, 二十一 → int (0 for anything else)."""
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_CN_DIGIT.get(tens, 0) if tens else 1) * 10 + (
            _CN_DIGIT.get(ones, 0) if ones else 0
        )
    if len(text) == 1:
        return _CN_DIGIT.get(text, 0)
    return 0


def date_of(year: str, month: str, day: str) -> dt.date | None:
    """The date of matched parts (digits or Chinese numerals), None if it does not exist."""
    y = int(year) if year.isdigit() else int("".join(str(_CN_DIGIT.get(c, 0)) for c in year))
    try:
        return dt.date(y, _cn_number(month), _cn_number(day))
    except ValueError:
        return None


def is_issuer_line(line: str) -> bool:
    """A sign-off line naming one or more issuing bodies ("洪山区人民政府办公室")."""
    return len(line) <= 80 and bool(_ISSUER_LINE.match(line.strip()))


def issuer_from_title(title: str) -> str | None:
    """ "洪山区人民政府办公室关于印发…的通知" → "洪山区人民政府办公室"."""
    match = _TITLE_ISSUER.match(title.strip())
    return match.group(1) if match else None


def guess_level(issuer: str | None) -> str | None:
    """Level of the issuing body, read from its name (国务院/部 → 国家, 省, 市, 区)."""
    if not issuer:
        return None
    if re.search(r"国务院|^国家|^中华人民共和国|^[\u4e00-\u9fff]{1,12}部$|总局$", issuer):
        return Level.NATIONAL.value
    for suffix, level in (
        ("区|县", Level.DISTRICT),
        ("市|州", Level.CITY),
        ("省|自治区", Level.PROVINCE),
    ):
        if re.match(rf"^{_HAN}{{2,8}}?(?:{suffix})", issuer):
            return level.value
    return None


def guess_region(issuer: str | None) -> str | None:
    """The place the issuing body governs: "洪山区人民政府" → 洪山, "湖北省…" → 湖北;
    national bodies → 全国."""
    if not issuer:
        return None
    if guess_level(issuer) == Level.NATIONAL.value:
        return "全国"
    match = re.match(rf"^(?:{_HAN}{{2,4}}?[省市])?({_HAN}{{2,4}}?)(?:区|县)", issuer)
    if match and guess_level(issuer) == Level.DISTRICT.value:
        return match.group(1)
    match = re.match(rf"^({_HAN}{{2,4}}?)(?:省|市|区|县|州)", issuer)
    return match.group(1) if match else None


def effective_date(text: str, publish_date: dt.date | None) -> dt.date | None:
    """施行日期: "自2026年12月1日起施行"; "自印发之日起施行" is the date of issue."""
    match = _EFFECTIVE.search(text)
    if match is None:
        return None
    if match.group(4):
        return publish_date
    return date_of(*match.group(1, 2, 3))


def expiry_date(text: str, start: dt.date | None) -> dt.date | None:
    """失效日期: "有效期至2028年12月31日", "…至2028年12月31日止", or "有效期3年" counted
    from ``start`` (the effective date, else the date of issue)."""
    match = _UNTIL.search(text) or _UNTIL_END.search(text)
    if match is not None:
        return date_of(*match.group(1, 2, 3))
    match = _VALID_YEARS.search(text)
    if match is not None and start is not None:
        years = _cn_number(match.group(1))
        if years:
            try:
                return start.replace(year=start.year + years) - dt.timedelta(days=1)
            except ValueError:  # 29 February
                return start.replace(year=start.year + years, day=28)
    return None


def repealed_titles(text: str) -> list[str]:
    """Titles of the documents a text repeals ("原《…》(…号)同时废止")."""
    titles: list[str] = []
    for words in _REPEAL.finditer(text):
        # the sentence up to the words (a search from each word, not a pattern that
        # scans every sentence: that was quadratic on a long line without 。)
        low = max(0, words.start() - _REPEAL_REACH)
        start = max(text.rfind(mark, low, words.start()) for mark in "。;;\n") + 1
        sentence = text[max(start, low) : words.start()]
        titles += [t for t in _QUOTED.findall(sentence) if t not in titles]
    return titles


def plan_year(title: str) -> int | None:
    """The year of a yearly work plan ("武汉市2023年中小企业工作要点" → 2023)."""
    match = _PLAN_YEAR.search(title.strip())
    return int(match.group(1)) if match else None


def same_title(a: str, b: str) -> bool:
    """Titles equal but for 《》, blanks and the "关于印发…的通知" wrapper."""

    def core(text: str) -> str:
        text = re.sub(r"[《》\s]", "", text)
        match = re.search(r"关于印发(.+)的通知$", text)
        return match.group(1) if match else text

    return core(a) == core(b)
