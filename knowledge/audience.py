"""Who a policy is for (适用对象), read from its text into tags, and whether an enterprise
profile fits them. Pure: no database, no Telegram.

The tags are what a document says in so many words: an industry (《国民经济行业分类》
section letter), a size (小微企业 / 中小企业 / 规上企业), an enterprise type (个体工商户,
科技型中小企业, …) and a district (a value of ``_districts.yaml``). The measure's own text
(title, body, its 支持对象/申报条件 fields) is read first; a dimension it says nothing about
is taken from the document's title, and the district from a 区-level document's region.
Nothing is guessed: a policy whose text names no audience gets no tags.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from knowledge.rules.catalog import DISTRICTS_FILE, INDUSTRIES_FILE
from knowledge.rules.loader import BUNDLED_RULES_DIR
from knowledge.rules.model import Choice
from knowledge.rules.parsing import parse_choices, read_yaml

SMALL = "小微企业"
SME = "中小企业"
ABOVE_SCALE = "规上企业"
INDIVIDUAL = "个体工商户"
CONVERTED = "个转企"
TECH_SME = "科技型中小企业"
HIGH_TECH = "高新技术企业"
SPECIALIZED = "专精特新企业"
INNOVATIVE = "创新型中小企业"

HOME_CITY = "武汉"  # the city whose districts ``_districts.yaml`` lists
OUTSIDE = "武汉市以外"  # the profile's answer for an enterprise outside it
DISTRICT_LEVEL, CITY_LEVEL = "区", "市"

# guide fields that describe procedure, not audience (a 受理部门 names a district office)
_NOT_AUDIENCE = frozenset({"materials", "procedure", "department", "contact", "deadline"})
_NOT_AUDIENCE |= {"delivery_mode"}

_INDUSTRIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        r"软件和信息(?:技术)?(?:服务|企业)|软件(?:企业|公司|行业|产业)|信息技术服务(?:业|企业)"
        r"|信息传输|互联网(?:企业|公司|平台企业)",
        ("I",),
    ),
    (r"制造业|制造企业", ("C",)),
    (r"工业企业", ("B", "C", "D")),  # 规上工业: mining, manufacturing and utilities
    (r"批发和零售|批发零售|批零|商贸(?:企业|流通企业)|零售企业|批发企业", ("F",)),
    (r"住宿和餐饮|住宿餐饮|餐饮(?:企业|业|服务企业)|住宿业", ("H",)),
    (r"建筑业|建筑(?:施工)?企业", ("E",)),
    (r"交通运输|物流(?:企业|业)|仓储(?:企业|业)|快递企业", ("G",)),
    (r"房地产(?:开发)?(?:企业|业)", ("K",)),
    (r"科学研究和技术服务|科技服务(?:业|企业|机构)|研发服务(?:企业|机构)", ("M",)),
    (r"文化(?:企业|产业|创意企业)|文创企业", ("R",)),
    (r"农业(?:企业|经营主体)|农林牧渔|涉农企业", ("A",)),
    (r"租赁和商务服务|商务服务业", ("L",)),
)
_SIZES: tuple[tuple[str, str], ...] = (
    (r"小微(?:企业|市场主体)|小型微型企业|小型、微型企业|微型企业|小型企业", SMALL),
    # an office or a service body named after SMEs is not an audience
    (r"中小微?企业(?!服务(?:中心|机构|平台|站|体系|专员)|局|处|主管部门|工作领导)", SME),
    (r"规模以上|规上|四上|限额以上|限上|小升规|小进规", ABOVE_SCALE),
)
_TYPES: tuple[tuple[str, str], ...] = (
    (r"个转企|个体工商户(?:直接)?转(?:型|为|成|企)", CONVERTED),
    (r"个体工商户|个体户|个体经营者", INDIVIDUAL),
    (r"科技型中小企业|科技型企业", TECH_SME),
    (r"高新技术企业|高企(?!业)", HIGH_TECH),
    (r"专精特新|小巨人", SPECIALIZED),
    (r"创新型中小企业", INNOVATIVE),
)
# a clause that excludes someone ("个体工商户除外", "(不含房地产企业)") names no audience
_EXCLUDED_PART = re.compile(r"[((][^()()]*(?:不含|不包括|除外)[^()()]*[))]")
_CLAUSE = re.compile(r"[^,,。;;\n]+")
_EXCLUSION = re.compile(r"不含|不包括|除外|不属于|不适用|不予")
# a clause of a measure's body speaks of its audience when it grants or asks something;
# a work plan's targets ("全年新增规上工业企业300家") name firms without being for them
_SUPPORT = re.compile(
    r"对(?!接|外|标|比|口|于|话)|支持|鼓励|扶持|奖励|补贴|补助|贴息|资助|给予|申报|申请|面向|适用|符合|享受|减免|优先"
)
# a district is an audience when it is where the enterprise is registered or located, not
# when it names an office ("洪山区科技局")
_BEFORE = r"(?:注册(?:地)?(?:在|于|为)?|登记(?:在|于)|位于|落户(?:在|于)?|入驻)"
_AFTER = r"(?=内|辖区|范围|境内|注册|登记|落户|的?(?:企业|中小|小微|个体|各类|市场主体|规上))"


@dataclass(frozen=True, slots=True)
class Audience:
    """The tags of one policy entry; empty tuples: the text names nothing of that kind."""

    industries: tuple[str, ...] = ()  # GB/T 4754 section letters
    sizes: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    districts: tuple[str, ...] = ()  # values of _districts.yaml
    city: str | None = None  # the city a 市-level document is for

    @property
    def is_empty(self) -> bool:
        return not (self.industries or self.sizes or self.types or self.districts)

    def describe(self) -> str:
        """One line for admins, e.g. "规模 小微企业;区 洪山区" ("" when untagged)."""
        parts = [
            f"{label} {'、'.join(values)}"
            for label, values in (
                ("行业门类", self.industries),
                ("规模", self.sizes),
                ("类型", self.types),
                ("区", self.districts),
            )
            if values
        ]
        if self.city:
            parts.append(f"城市 {self.city}")
        return ";".join(parts)

    def for_people(self) -> tuple[str, ...]:
        """Who the measure is for, as the card says it (信息传输、软件和信息技术服务业,
        小微企业, 个体工商户): industries by their section's name, then sizes and types;
        districts are left to the document's region."""
        names = industry_names()
        return (*(names.get(i, i) for i in self.industries), *self.sizes, *self.types)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            name: list(getattr(self, name))
            for name in ("industries", "sizes", "types", "districts")
            if getattr(self, name)
        }
        if self.city:
            data["city"] = self.city
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Audience:
        data = data or {}

        def strings(name: str) -> tuple[str, ...]:
            value = data.get(name)
            return tuple(str(v) for v in value) if isinstance(value, list) else ()

        city = data.get("city")
        return cls(
            industries=strings("industries"),
            sizes=strings("sizes"),
            types=strings("types"),
            districts=strings("districts"),
            city=city if isinstance(city, str) else None,
        )


@functools.cache
def wuhan_districts() -> tuple[Choice, ...]:
    """Districts and functional zones of the bundled rules (not "outside Wuhan")."""
    raw = read_yaml(BUNDLED_RULES_DIR / DISTRICTS_FILE)
    choices: list[Choice] = []
    for key in ("districts", "functional_zones"):
        choices.extend(parse_choices(raw.get(key) or [], file=None, where=key))
    return tuple(choices)


@functools.cache
def industry_sections() -> tuple[Choice, ...]:
    """The sections of 《国民经济行业分类》 with their aliases (the bundled rules' catalog)."""
    raw = read_yaml(BUNDLED_RULES_DIR / INDUSTRIES_FILE)
    return parse_choices(raw.get("sections") or [], file=None, where="sections")


@functools.cache
def industry_names() -> dict[str, str]:
    """Section letter → its name in 《国民经济行业分类》."""
    return {c.value: c.label for c in industry_sections()}


@functools.cache
def _trade_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """Per section: how a question says the asking enterprise is of it — a section's name
    or alias (_industries.yaml) just before a business word (餐饮企业, 软件公司, 物流行业), or
    after 做/搞/从事/经营 with 的 or 行业 after it (我们是做餐饮的). An alias alone is not a
    trade: 金融产品, 营商环境, 员工培训 are subjects, not who asks."""
    out: list[tuple[str, re.Pattern[str]]] = []
    for choice in industry_sections():
        names = sorted({choice.label, *choice.aliases}, key=len, reverse=True)
        alternatives = "|".join(re.escape(n) for n in names)
        out.append(
            (
                choice.value,
                re.compile(
                    rf"(?:{alternatives})(?:业)?(?:企业|公司|行业|产业|门店|店|工厂|厂)"
                    rf"|(?:做|搞|从事|经营)(?:{alternatives})(?:的|行业|生意)"
                ),
            )
        )
    return tuple(out)


def industries_asked(question: str) -> tuple[str, ...]:
    """The sections (GB/T 4754 letters) a question says the asking enterprise is of, in
    the words people use (我们是做餐饮的, 软件公司); none when it names no trade."""
    return tuple(letter for letter, pattern in _trade_patterns() if pattern.search(question))


def other_industry(question: str, audience: Iterable[str]) -> tuple[str, str] | None:
    """When a question says the enterprise is of one trade and a measure's audience
    (``EntryView.audience``, as :meth:`Audience.for_people` names it) names only others:
    (the trade asked, the trades of the measure), each named as its section; else None."""
    names = industry_names()
    asked = industries_asked(question)
    written = [label for label in audience if label in names.values()]
    if not asked or not written or any(names[letter] in written for letter in asked):
        return None
    return "、".join(names[letter] for letter in asked), "、".join(written)


@functools.cache
def _district_pattern(names: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"{_BEFORE}({alternatives})|({alternatives}){_AFTER}")


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


def _audience_text(text: str) -> str:
    """``text`` without the clauses that exclude someone."""
    text = _EXCLUDED_PART.sub("", text)
    return "。".join(c for c in _CLAUSE.findall(text) if not _EXCLUSION.search(c))


@dataclass(frozen=True, slots=True)
class _Found:
    industries: tuple[str, ...]
    sizes: tuple[str, ...]
    types: tuple[str, ...]
    districts: tuple[str, ...]


def _scan(text: str, districts: tuple[Choice, ...]) -> _Found:
    text = _audience_text(text)
    industries = [s for pattern, found in _INDUSTRIES if re.search(pattern, text) for s in found]
    sizes = [size for pattern, size in _SIZES if re.search(pattern, text)]
    types = [kind for pattern, kind in _TYPES if re.search(pattern, text)]
    if CONVERTED in types and INDIVIDUAL in types:
        # "个体工商户转为企业" is about the enterprise it became
        text_without = re.sub(_TYPES[0][0], "", text)
        if not re.search(_TYPES[1][0], text_without):
            types.remove(INDIVIDUAL)
    canonical = {name: c.value for c in districts for name in (c.value, *c.aliases)}
    places = []
    if canonical:
        for match in _district_pattern(tuple(canonical)).finditer(text):
            places.append(canonical[match.group(1) or match.group(2)])
    return _Found(_unique(industries), _unique(sizes), _unique(types), _unique(places))


def district_of(region: str | None, districts: tuple[Choice, ...] | None = None) -> str | None:
    """The district value a document's region names ("洪山" → "洪山区", "东湖高新区" →
    "东湖新技术开发区"); the region itself when it is no known district."""
    if not region:
        return None
    choices = wuhan_districts() if districts is None else districts
    for choice in choices:
        if region in (choice.value, choice.value.removesuffix("区"), *choice.aliases):
            return choice.value
    starting = [c.value for c in choices if c.value.startswith(region)]
    return starting[0] if len(starting) == 1 else region


def read_audience(
    text: str,
    *,
    title: str = "",
    level: str | None = None,
    region: str | None = None,
    districts: tuple[Choice, ...] | None = None,
) -> Audience:
    """The audience of a measure: ``text`` is its own text (title, body, 适用对象 and
    申报条件), ``title`` the document's title, ``level``/``region`` the document's."""
    choices = wuhan_districts() if districts is None else districts
    own, document = _scan(text, choices), _scan(title, choices)
    places = own.districts or document.districts
    if not places and level == DISTRICT_LEVEL and (place := district_of(region, choices)):
        places = (place,)
    return Audience(
        industries=own.industries or document.industries,
        sizes=own.sizes or document.sizes,
        types=own.types or document.types,
        districts=places,
        city=region if level == CITY_LEVEL and region else None,
    )


def support_clauses(body: str) -> str:
    """The clauses of a measure's body that grant or ask something (see ``_SUPPORT``)."""
    return "。".join(c for c in _CLAUSE.findall(body) if _SUPPORT.search(c))


def entry_text(title: str, body: str, guide: Mapping[str, str], audiences: Iterable[str]) -> str:
    """The text of a measure that speaks about its audience: its title, the clauses of its
    body that grant or ask something, its guide fields but those of procedure, and the
    audiences an editor gave it."""
    fields = [value for name, value in guide.items() if name not in _NOT_AUDIENCE]
    return "\n".join([title, support_clauses(body), *fields, "、".join(audiences)])


# ------------------------------------------------------------------ profiles


def _verdicts(values: Iterable[bool | None]) -> bool | None:
    """One dimension: fits when one tag fits, contradicts when every tag contradicts."""
    seen = list(values)
    if any(v is True for v in seen):
        return True
    if seen and all(v is False for v in seen):
        return False
    return None


def _flag(facts: Mapping[str, Any], name: str) -> bool | None:
    value = facts.get(name)
    return value if isinstance(value, bool) else None


def _size(size: str, facts: Mapping[str, Any]) -> bool | None:
    if size == ABOVE_SCALE:
        return _flag(facts, "is_four_above")
    return _flag(facts, "is_sme")


def _type(kind: str, facts: Mapping[str, Any]) -> bool | None:
    if kind == INDIVIDUAL:
        entity = facts.get("entity_type")
        return None if not isinstance(entity, str) else entity == INDIVIDUAL
    if kind == CONVERTED:
        return _flag(facts, "converted_from_individual")
    if kind == SPECIALIZED:
        return _flag(facts, "is_specialized_sme")
    return None  # 科技型/高新/创新型: no profile fact records the status


def profile_fits(audience: Audience, facts: Mapping[str, Any]) -> bool:
    """Whether an enterprise profile (its facts, as stored) is one the policy is for: no
    tag contradicts a fact, and at least one tag is confirmed by one. 中小企业 alone
    confirms nothing (every policy here is for SMEs); a 市-level policy of another city
    does not fit a Wuhan enterprise, nor a Wuhan one an enterprise outside it."""
    district = facts.get("district") if isinstance(facts.get("district"), str) else None
    industry = facts.get("industry") if isinstance(facts.get("industry"), str) else None
    if audience.city and district and (audience.city == HOME_CITY) == (district == OUTSIDE):
        return False
    places = (district in audience.districts if district else None) if audience.districts else None
    trade = (industry in audience.industries if industry else None) if audience.industries else None
    sizes = _verdicts(_size(s, facts) for s in audience.sizes)
    types = _verdicts(_type(t, facts) for t in audience.types)
    if False in (places, trade, sizes, types):
        return False
    specific = [_size(s, facts) for s in audience.sizes if s != SME]
    return True in (places, trade, types) or True in specific
