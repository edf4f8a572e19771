"""Keyboards and callback data: namespaced, anchored, at most 64 bytes."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from telegram import InlineKeyboardMarkup

from bot.render import callbacks as cb
from bot.render import keyboards
from bot.render.callbacks import RefIndex, entry_ref

LONG_ID = "a-very-long-document-key-for-testing:12.34.56.78.90.11"


def all_data(markup: InlineKeyboardMarkup) -> list[str]:
    return [str(b.callback_data) for row in markup.inline_keyboard for b in row if b.callback_data]


def test_card_keyboard_buttons() -> None:
    markup = keyboards.card_keyboard("wh-sme-2023:2.5.20", question_id=42)
    texts = [b.text for row in markup.inline_keyboard for b in row]
    assert texts == [
        "📜 原文",
        "🔗 相关政策",
        "🔔 订阅此类政策",
        "🙋 人工咨询",
        "👍 有帮助",
        "👎 没帮助",
    ]
    assert all_data(markup) == [
        "card:full:wh-sme-2023:2.5.20",
        "card:rel:wh-sme-2023:2.5.20",
        "card:sub:wh-sme-2023:2.5.20",
        "card:human:wh-sme-2023:2.5.20",
        "fb:up:42:wh-sme-2023:2.5.20",
        "fb:down:42:wh-sme-2023:2.5.20",
    ]
    assert "✅ 资格自测" not in texts  # no eligibility rules → no button


def test_eligibility_button_only_when_rules_exist() -> None:
    markup = keyboards.card_keyboard("x-doc:1", question_id=None, eligibility=True)
    assert "card:check:x-doc:1" in all_data(markup)


def test_long_ids_use_a_hash_and_resolve_back() -> None:
    ref = entry_ref(LONG_ID)
    assert ref.startswith("~")
    data = all_data(keyboards.card_keyboard(LONG_ID, question_id=10**14))
    assert all(len(d.encode()) <= 64 for d in data)
    index = RefIndex()
    assert index.resolve(ref, [LONG_ID, "other:1"]) == LONG_ID
    assert index.resolve("~000000000000", [LONG_ID]) is None
    assert index.resolve("gone:1", [LONG_ID]) is None


@given(
    entry_id=st.text(min_size=1, max_size=80),
    question_id=st.integers(min_value=0, max_value=10**9 - 1),  # row ids: ≤ 9 digits
)
def test_callback_data_always_fits_and_matches(entry_id: str, question_id: int) -> None:
    for action in cb.CardAction:
        data = cb.card(action, entry_id)
        assert len(data.encode()) <= cb.MAX_CALLBACK_BYTES
    for helpful in (True, False):
        data = cb.feedback(helpful, question_id, entry_id)
        assert len(data.encode()) <= cb.MAX_CALLBACK_BYTES
        match = cb.FEEDBACK_RE.match(data)
        if " " not in entry_ref(entry_id) and entry_ref(entry_id).isprintable():
            assert match is not None


def test_browse_and_search_data() -> None:
    markup = keyboards.levels_keyboard(3, ["国家", "市"])
    assert all_data(markup) == ["brw:lvl:3:国家", "brw:lvl:3:市", "brw:root"]
    assert cb.BROWSE_PAGE_RE.match(cb.browse_page(3, "市", 2))
    assert cb.SEARCH_PAGE_RE.match(cb.search_page(123, 4))


def test_role_keyboard_offers_only_self_chosen_roles() -> None:
    data = all_data(keyboards.role_keyboard())
    assert data == ["role:handler", "role:legal", "role:citizen"]
