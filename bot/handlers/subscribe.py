"""/subscribe: choose topics (分类 / 层级 / 区 / 对象) or the enterprise profile; the card's
🔔 订阅此类政策 (``card:sub:<ref>``) pre-fills the entry's categories and the entry.

The draft lives in ``user_data`` (persisted) under a token carried by its buttons, so the
buttons of an older draft are stale. /subscriptions, /unsubscribe and the push settings
are in ``subscriptions``; their handlers are registered here too.
"""

from __future__ import annotations

import contextlib
import logging
from collections import Counter
from typing import Any

from telegram import CallbackQuery, ChatMemberUpdated, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import BadRequest
from telegram.ext import BaseHandler, ChatMemberHandler, JobQueue

from bot import catalog
from bot.context import BotServices, PolicyContext
from bot.features import Button, Command, Feature
from bot.flows import Flow
from bot.handlers import subscriptions
from bot.handlers.common import answer_stale, callback_message
from bot.render import callbacks as cb
from bot.render import push as ui
from bot.render import push_texts as texts
from knowledge.model import EntryView, Level
from scheduler import push_jobs
from services import push_subs
from services.eligibility import ProfileRuleMatcher
from services.push_profile import ProfilePushMatcher
from storage import push
from storage.models_push import SubscriptionKind
from storage.push import Filters

log = logging.getLogger(__name__)

DRAFT = "push_draft"
TOKEN = "push_token"
MAX_OPTIONS = 24
WUHAN_DISTRICTS = (
    *("江岸", "江汉", "硚口", "汉阳", "武昌", "青山", "洪山", "东西湖", "蔡甸", "江夏"),
    *("黄陂", "新洲", "汉南", "东湖高新", "武汉经开", "长江新区"),
)
_FIELDS = {"cat": "categories", "lvl": "levels", "dist": "districts", "aud": "audiences"}


def options(entries: list[EntryView], step: str) -> list[str]:
    """The choices of a wizard step, from the knowledge base where it has them."""
    if step == "cat":
        return catalog.categories(entries)[:MAX_OPTIONS]
    if step == "lvl":
        return [level.value for level in Level]
    if step == "dist":
        known = {e.region for e in entries if e.level == Level.DISTRICT.value and e.region}
        return [*WUHAN_DISTRICTS, *sorted(known - set(WUHAN_DISTRICTS))][:MAX_OPTIONS]
    counts = Counter(a for e in entries for a in e.audiences)
    return [name for name, _ in counts.most_common(MAX_OPTIONS - 8)]


def new_draft(user_data: dict[Any, Any], filters: Filters, sub_id: int | None = None) -> int:
    token = int(user_data.get(TOKEN, 0)) + 1
    user_data[TOKEN] = token
    user_data[DRAFT] = {
        "tok": token,
        "id": sub_id,
        "kind": filters.kind.value,
        "entry": filters.entry_id,
        **{key: list(getattr(filters, name)) for key, name in _FIELDS.items()},
        "opts": {},
    }
    return token


def draft_of(user_data: dict[Any, Any] | None, token: int) -> dict[str, Any] | None:
    draft = (user_data or {}).get(DRAFT)
    return draft if isinstance(draft, dict) and draft.get("tok") == token else None


def filters_of(draft: dict[str, Any]) -> Filters:
    return Filters(
        kind=SubscriptionKind(draft["kind"]),
        entry_id=draft.get("entry"),
        **{name: tuple(draft.get(key) or ()) for key, name in _FIELDS.items()},
    )


def entry_title(services: BotServices, entry_id: str | None) -> str | None:
    entry = services.knowledge.entry(entry_id) if entry_id else None
    return entry.title if entry else None


async def show(message: Message, text: str, markup: InlineKeyboardMarkup | None) -> None:
    with contextlib.suppress(BadRequest):  # e.g. "message is not modified"
        await message.edit_text(text, reply_markup=markup)


def step_view(
    services: BotServices, draft: dict[str, Any], step: str
) -> tuple[str, InlineKeyboardMarkup]:
    choices = options(services.knowledge.entries(), step)
    draft["opts"][step] = choices
    draft["step"] = step
    filters = filters_of(draft)
    chosen = draft.get(step) or []
    text = texts.wizard_text(step, filters, entry_title(services, filters.entry_id))
    return text, ui.wizard_keyboard(int(draft["tok"]), step, choices, chosen)


async def subscribe_command(update: Update, context: PolicyContext) -> None:
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    services = context.services
    now = services.now()
    await services.db(lambda s: push_subs.resume(s, user_id=user.id, now=now))
    await message.reply_text(texts.SUBSCRIBE_INTRO, reply_markup=ui.kind_keyboard())


async def card_subscribe(update: Update, context: PolicyContext) -> None:
    """🔔 订阅此类政策 under a card: the wizard, pre-filled with the entry."""
    query = update.callback_query
    if query is None:
        return
    match = cb.CARD_RE.match(query.data or "")
    entry = context.services.entry_by_ref(match.group(2)) if match else None
    message = callback_message(query)
    if entry is None or message is None or context.user_data is None:
        await answer_stale(query)
        return
    await query.answer()
    filters = Filters(categories=entry.categories, entry_id=entry.entry_id)
    new_draft(context.user_data, filters)
    text, markup = step_view(context.services, context.user_data[DRAFT], "cat")
    await message.reply_text(text, reply_markup=markup)


async def wizard_button(update: Update, context: PolicyContext) -> None:
    query = update.callback_query
    if query is None:
        return
    data, message = query.data or "", callback_message(query)
    user_data = context.user_data
    if message is None or user_data is None:
        await answer_stale(query)
        return
    services = context.services
    if data == ui.SUB_NEW:
        await query.answer()
        await show(message, texts.SUBSCRIBE_INTRO, ui.kind_keyboard())
        return
    if match := ui.SUB_KIND_RE.match(data):
        await query.answer()
        kind = SubscriptionKind(match.group(1))
        token = new_draft(user_data, Filters(kind=kind))
        if kind is SubscriptionKind.PROFILE:
            await show(message, texts.PROFILE_DRAFT, ui.profile_keyboard(token))
        else:
            await show(message, *step_view(services, user_data[DRAFT], "cat"))
        return
    if (target := _step_target(data)) is not None:
        draft = draft_of(user_data, target[0])
        if draft is None or not _change(draft, data):
            await answer_stale(query)
            return
        await query.answer()
        await show(message, *step_view(services, draft, target[1]))
        return
    if match := ui.SUB_DRAFT_RE.match(data):
        draft = draft_of(user_data, int(match.group(2)))
        if draft is None:
            await answer_stale(query)
            return
        user_data.pop(DRAFT, None)
        if match.group(1) == "cancel":
            await query.answer()
            await show(message, texts.CANCELLED, None)
            return
        await _save(services, query.from_user.id, draft, message)
        await query.answer("已保存")
        return
    if (match := ui.SUB_ITEM_RE.match(data)) and match.group(1) == "edit":
        await _edit(query, context, int(match.group(2)), message)
        return
    await subscriptions.button(update, context)


async def _edit(
    query: CallbackQuery, context: PolicyContext, sub_id: int, message: Message
) -> None:
    """✏️ 修改: the wizard on a copy of the subscription; saving updates it in place."""
    services, user_id = context.services, query.from_user.id
    subs = await services.db(lambda s: push.list_subscriptions(s, user_id=user_id))
    found = next((sub for sub in subs if sub.id == sub_id), None)
    if found is None or context.user_data is None:
        await answer_stale(query)
        return
    await query.answer()
    token = new_draft(context.user_data, found.filters, sub_id)
    if found.filters.kind is SubscriptionKind.PROFILE:
        await show(message, texts.PROFILE_DRAFT, ui.profile_keyboard(token))
    else:
        await show(message, *step_view(services, context.user_data[DRAFT], "cat"))


def _step_target(data: str) -> tuple[int, str] | None:
    """(draft token, step) of a step or toggle button."""
    if match := ui.SUB_TOGGLE_RE.match(data):
        return int(match.group(1)), match.group(2)
    if match := ui.SUB_STEP_RE.match(data):
        return int(match.group(2)), match.group(3)
    return None


def _change(draft: dict[str, Any], data: str) -> bool:
    """Apply a step/toggle button to the draft; False when it does not fit (stale)."""
    if match := ui.SUB_TOGGLE_RE.match(data):
        step, index = match.group(2), int(match.group(3))
        choices = draft["opts"].get(step) or []
        if index >= len(choices):
            return False
        chosen: list[str] = draft.setdefault(step, [])
        name = choices[index]
        if name in chosen:
            chosen.remove(name)
        else:
            chosen.append(name)
        return True
    match = ui.SUB_STEP_RE.match(data)
    assert match is not None
    if match.group(1) == "any":
        draft[match.group(3)] = []
    return True


async def _save(
    services: BotServices, user_id: int, draft: dict[str, Any], message: Message
) -> None:
    filters = filters_of(draft)
    sub_id = draft.get("id")
    now = services.now()

    def save(session: Any) -> push.Prefs | None:
        if sub_id is None:
            push_subs.subscribe(session, user_id=user_id, filters=filters, now=now)
        elif (
            push_subs.edit_subscription(
                session, user_id=user_id, subscription_id=int(sub_id), filters=filters, now=now
            )
            is None
        ):
            return None
        return push.get_prefs(session, user_id=user_id)

    prefs = await services.db(save)
    if prefs is None:  # the subscription was removed meanwhile
        await show(message, texts.NO_SUBSCRIPTIONS, None)
        return
    text = texts.saved_text(filters, entry_title(services, filters.entry_id), prefs)
    await show(message, text, ui.saved_keyboard())


async def chat_member(update: Update, context: PolicyContext) -> None:
    """The user blocked (kicked) or unblocked the bot in their private chat."""
    changed: ChatMemberUpdated | None = update.my_chat_member
    if changed is None or changed.chat.type != ChatType.PRIVATE:
        return
    user_id, status = changed.chat.id, changed.new_chat_member.status
    services = context.services
    now = services.now()
    if status in (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT):
        await services.db(lambda s: push_subs.pause(s, user_id=user_id, reason="blocked", now=now))
        log.info("user blocked the bot: pushes paused")
    elif status == ChatMemberStatus.MEMBER:
        await services.db(lambda s: push_subs.resume(s, user_id=user_id, now=now))


async def resume(update: Update, context: PolicyContext) -> None:
    """/resume: the wizard's step again, as a new message."""
    draft = (context.user_data or {}).get(DRAFT)
    chat = update.effective_chat
    if not isinstance(draft, dict) or chat is None:
        return
    if draft.get("kind") == SubscriptionKind.PROFILE.value:
        text, markup = texts.PROFILE_DRAFT, ui.profile_keyboard(int(draft["tok"]))
    else:
        text, markup = step_view(context.services, draft, str(draft.get("step") or "cat"))
    await context.bot.send_message(chat.id, text, reply_markup=markup)


FLOW = Flow(
    name="subscribe", title="订阅政策", keys=(DRAFT,), on_resume=resume, restart="发送 /subscribe"
)


SUBSCRIBE = Command("subscribe", "订阅政策推送", subscribe_command)
BUTTONS = (Button("card:sub:", card_subscribe), Button("sub:", wizard_button))


def build_handlers() -> list[BaseHandler[Update, PolicyContext, None]]:
    return [
        SUBSCRIBE.handler(),
        *(command.handler() for command in subscriptions.COMMANDS),
        *(button.handler() for button in BUTTONS),
        ChatMemberHandler(chat_member, ChatMemberHandler.MY_CHAT_MEMBER),
    ]


def schedule(jobs: JobQueue[PolicyContext], services: BotServices) -> None:
    """push:plan, push:deliver, push:deadline; precise pushes match enterprise profiles
    against the eligibility rules, else the entry's 适用对象 tags (planning: leader only)."""
    today = services.today
    push_jobs.register(
        jobs,
        profile_matcher=ProfilePushMatcher(ProfileRuleMatcher(today=today), today=today),
        scan_seconds=services.settings.scan_interval_seconds,
    )


FEATURE = Feature(
    name="subscribe",
    commands=(SUBSCRIBE, *subscriptions.COMMANDS),
    buttons=BUTTONS,
    flows=(FLOW,),
    jobs=(schedule,),
    build=lambda _settings: build_handlers(),
)
