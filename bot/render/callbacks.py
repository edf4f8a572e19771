"""Callback data: namespaced, at most 64 bytes, matched with anchored regexes.

Entry ids (``wh-sme-2023:2.5.20``) are used as they are when short; a long id is replaced
by ``~`` + a hash of it (``~`` never occurs in an entry id), resolved by ``RefIndex``.
The same hash serves deep links (``/start e_<hash>``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from enum import StrEnum

MAX_CALLBACK_BYTES = 64
MAX_PLAIN_REF_BYTES = 40  # "fb:down:<qid>:" leaves room for 40 bytes plus a 15-digit id


class CardAction(StrEnum):
    SHOW = "show"  # show the card of an entry
    FULL = "full"  # 原文
    RELATED = "rel"  # 相关政策
    CHECK = "check"  # 资格自测 (only when eligibility rules exist)
    SUBSCRIBE = "sub"  # 订阅此类政策
    HUMAN = "human"  # 人工咨询


# ------------------------------------------------------------------ patterns
CARD_RE = re.compile(r"^card:(show|full|rel|check|sub|human):([^\s]{1,60})$")
FEEDBACK_RE = re.compile(r"^fb:(up|down):(\d{1,9}):([^\s]{1,50})$")
ROLE_RE = re.compile(r"^role:([a-z_]{1,20})$")
BROWSE_ROOT = "brw:root"
BROWSE_ROOT_RE = re.compile(r"^brw:root$")
BROWSE_CAT_RE = re.compile(r"^brw:cat:(\d{1,4})$")
BROWSE_LEVEL_RE = re.compile(r"^brw:lvl:(\d{1,4}):([^\s:]{1,8})$")
BROWSE_PAGE_RE = re.compile(r"^brw:page:(\d{1,4}):([^\s:]{1,8}):(\d{1,4})$")
# the other ways in: by level (层级) or by issuing body (发文机关), across categories
BROWSE_LEVELS = "brw:levels"
BROWSE_ISSUERS = "brw:issuers"
BROWSE_BY_LEVEL_RE = re.compile(r"^brw:lv:([^\s:]{1,8}):(\d{1,4})$")
BROWSE_BY_ISSUER_RE = re.compile(r"^brw:is:(\d{1,4}):(\d{1,4})$")
SEARCH_PAGE_RE = re.compile(r"^srch:page:(\d{1,9}):(\d{1,4})$")
DEEP_LINK_RE = re.compile(r"^e_([0-9a-f]{12})$")


def entry_hash(entry_id: str) -> str:
    return hashlib.sha1(entry_id.encode("utf-8")).hexdigest()[:12]


def entry_ref(entry_id: str) -> str:
    """The entry id itself when short, else ``~<hash>``."""
    if len(entry_id.encode("utf-8")) <= MAX_PLAIN_REF_BYTES and "~" not in entry_id:
        return entry_id
    return "~" + entry_hash(entry_id)


def checked(data: str) -> str:
    """Assert the 64-byte limit (a programming error otherwise)."""
    if len(data.encode("utf-8")) > MAX_CALLBACK_BYTES:
        raise ValueError(f"callback data over {MAX_CALLBACK_BYTES} bytes: {data!r}")
    return data


def card(action: CardAction, entry_id: str) -> str:
    return checked(f"card:{action.value}:{entry_ref(entry_id)}")


def feedback(helpful: bool, question_id: int | None, entry_id: str) -> str:
    return checked(f"fb:{'up' if helpful else 'down'}:{question_id or 0}:{entry_ref(entry_id)}")


def role(code: str) -> str:
    return checked(f"role:{code}")


def browse_category(index: int) -> str:
    return checked(f"brw:cat:{index}")


def browse_level(index: int, level: str) -> str:
    return checked(f"brw:lvl:{index}:{level}")


def browse_page(index: int, level: str, page: int) -> str:
    return checked(f"brw:page:{index}:{level}:{page}")


def browse_by_level(level: str, page: int = 0) -> str:
    return checked(f"brw:lv:{level}:{page}")


def browse_by_issuer(index: int, page: int = 0) -> str:
    return checked(f"brw:is:{index}:{page}")


def search_page(token: int, page: int) -> str:
    return checked(f"srch:page:{token}:{page}")


def deep_link_payload(entry_id: str) -> str:
    return f"e_{entry_hash(entry_id)}"


class RefIndex:
    """Resolves entry refs and deep-link hashes against the current entry ids."""

    def __init__(self) -> None:
        self._ids: frozenset[str] = frozenset()
        self._by_hash: dict[str, str] = {}

    def _sync(self, entry_ids: Iterable[str]) -> None:
        ids = frozenset(entry_ids)
        if ids != self._ids:
            self._ids = ids
            self._by_hash = {entry_hash(entry_id): entry_id for entry_id in ids}

    def resolve(self, ref: str, entry_ids: Iterable[str]) -> str | None:
        """The entry id ``ref`` stands for, or None when it is unknown (stale or forged)."""
        self._sync(entry_ids)
        if ref.startswith("~"):
            return self._by_hash.get(ref[1:])
        return ref if ref in self._ids else None

    def from_hash(self, digest: str, entry_ids: Iterable[str]) -> str | None:
        self._sync(entry_ids)
        return self._by_hash.get(digest)
