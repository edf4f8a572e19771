"""The enterprise profile: /profile (view, edit a fact at a time, delete), with /match
(政策体检, :mod:`bot.handlers.match`) and /forget (:mod:`bot.handlers.forget`).

Editing a fact awaits a typed answer: that is the ``EDITING`` state of the ``eligibility``
conversation (:mod:`bot.handlers.eligibility` includes :func:`edit_entry_points` and
:func:`on_edit_text`), with the field id in ``user_data[EDIT_KEY]``. Every button acts on
the presser's own profile; callback data carries field ids only.
"""

from __future__ import annotations

import contextlib
import logging

from sqlmodel import Session
from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    ConversationHandler,
)

from bot.context import PolicyContext
from bot.features import Button, Chats, Command, Feature
from bot.flows import Flow
from bot.handlers import forget, match
from bot.handlers.common import answer_stale, callback_message
from bot.handlers.flows import off_script
from bot.render import eligibility as kb
from bot.render import profile as tx
from knowledge.rules import AnswerError, Field, describe_value, parse_answer
from knowledge.rules.facts import coerce_fact
from services import selfcheck
from services.eligibility import (
    bundled_rules,
    checked_fact,
    fact_to_json,
    option_fact,
)
from storage import profiles

log = logging.getLogger(__name__)

EDITING = "editing"
END = ConversationHandler.END
EDIT_KEY = "prof_edit"
EDIT_CANCELLED = tx.EDIT_CANCELLED
State = object | None


def _ids(update: Update) -> tuple[int, int]:
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    return user.id, chat.id


async def _edit_or_send(
    update: Update, context: PolicyContext, text: str, markup: InlineKeyboardMarkup | None
) -> None:
    """Replace the pressed message (a button) or answer with a new one (a command)."""
    query = update.callback_query
    message = callback_message(query) if query else None
    if message is not None:
        with contextlib.suppress(BadRequest):  # "not modified" after a double press
            await message.edit_text(text, reply_markup=markup)
        return
    _, chat_id = _ids(update)
    await context.bot.send_message(chat_id, text, reply_markup=markup)


async def _profile_view(context: PolicyContext, user_id: int) -> tuple[str, InlineKeyboardMarkup]:
    found = await context.services.db(lambda s: profiles.get_profile(s, user_id=user_id))
    if found is None or found.is_empty:
        return tx.EMPTY, kb.profile_keyboard(has_profile=False)
    facts = bundled_rules().known_facts(found.facts)
    text = tx.profile_text(found.name, facts, found.updated_at, context.services.settings.tz)
    return text, kb.profile_keyboard(has_profile=True)


# ------------------------------------------------------------------ /profile


async def profile_command(update: Update, context: PolicyContext) -> None:
    user_id, chat_id = _ids(update)
    text, markup = await _profile_view(context, user_id)
    await context.bot.send_message(chat_id, text, reply_markup=markup)


async def profile_button(update: Update, context: PolicyContext) -> None:
    """查看 / 修改 / 删除 / 体检 (prof:view|edit|del|del:ok|match)."""
    query = update.callback_query
    assert query is not None
    user_id, _ = _ids(update)
    action = query.data
    await query.answer()
    if action == kb.PROF_EDIT:
        await _edit_or_send(
            update, context, tx.CHOOSE_FIELD, await _fields_markup(context, user_id)
        )
    elif action == kb.PROF_DELETE:
        await _edit_or_send(update, context, tx.DELETE_CONFIRM, kb.confirm_delete_keyboard())
    elif action == kb.PROF_DELETE_OK:
        await context.services.db(lambda s: profiles.delete_profile(s, user_id=user_id))
        await _edit_or_send(update, context, tx.DELETED, None)
    elif action == kb.PROF_MATCH:
        await match.match_command(update, context)
    else:
        await _edit_or_send(update, context, *await _profile_view(context, user_id))


async def _fields_markup(context: PolicyContext, user_id: int) -> InlineKeyboardMarkup:
    found = await context.services.db(lambda s: profiles.get_profile(s, user_id=user_id))
    facts = dict(found.facts) if found is not None else {}
    rules = bundled_rules()
    editable = [(kb.NAME_FIELD, "企业名称", bool(found and found.name))]
    editable += [(f.id, tx.field_label(f), f.id in facts) for f in rules.profile_fields()]
    shown = {field_id for field_id, _, _ in editable}
    editable += [
        (f.id, tx.field_label(f), True) for f, _ in rules.known_facts(facts) if f.id not in shown
    ]
    return kb.fields_keyboard(editable)


# ------------------------------------------------------------------ editing one fact


def _field(field_id: str) -> Field | None:
    return bundled_rules().field(field_id)


async def edit_field(update: Update, context: PolicyContext) -> State:
    """prof:field:<id>: ask for one fact (the active check, if any, is paused)."""
    query = update.callback_query
    assert query is not None and context.user_data is not None
    hit = kb.PROF_FIELD_RE.match(query.data or "")
    field_id = hit.group(1) if hit else ""
    field = _field(field_id)
    if field is None and field_id != kb.NAME_FIELD:
        await answer_stale(query)
        return None
    user_id, chat_id = _ids(update)
    services = context.services

    def begin(session: Session) -> str | None:
        selfcheck.pause(session, user_id=user_id, now=services.now())
        found = profiles.get_profile(session, user_id=user_id)
        if found is None:
            return None
        if field is None:
            return found.name
        value = checked_fact(field, found.facts[field_id]) if field_id in found.facts else None
        return describe_value(field, value) if value is not None else None

    current = await services.db(begin)
    context.user_data[EDIT_KEY] = field_id
    await query.answer()
    markup = kb.edit_keyboard(field, filled=current is not None)
    text = tx.edit_prompt(field, current)
    context.application.create_task(
        context.bot.send_message(chat_id, text, reply_markup=markup), update=update
    )
    return EDITING


async def _store(
    update: Update, context: PolicyContext, field_id: str, value: bool | str | None
) -> State:
    """Save one fact (None: remove it), then show the profile again."""
    assert context.user_data is not None
    user_id, chat_id = _ids(update)
    now = context.services.now()
    if field_id == kb.NAME_FIELD:
        name = value if isinstance(value, str) else None
        await context.services.db(
            lambda s: profiles.set_name(s, user_id=user_id, name=name, now=now)
        )
        label, shown = "企业名称", name
    else:
        field = _field(field_id)
        assert field is not None
        await context.services.db(
            lambda s: profiles.update_facts(s, user_id=user_id, facts={field_id: value}, now=now)
        )
        label = tx.field_label(field)
        shown = describe_value(field, coerce_fact(field, value)) if value is not None else None
    context.user_data.pop(EDIT_KEY, None)
    text, markup = await _profile_view(context, user_id)
    await context.bot.send_message(
        chat_id, tx.updated(label, shown) + "\n\n" + text, reply_markup=markup
    )
    return END


async def edit_button(update: Update, context: PolicyContext) -> State:
    """prof:ans:<id>:<n> (a choice), prof:unset:<id> (清除) or prof:cancel."""
    query = update.callback_query
    assert query is not None and context.user_data is not None
    data = query.data or ""
    editing = context.user_data.get(EDIT_KEY)
    if data == kb.PROF_CANCEL and editing:
        context.user_data.pop(EDIT_KEY, None)
        await query.answer()
        await _edit_or_send(update, context, tx.EDIT_CANCELLED, None)
        return END
    value: bool | str | None = None
    if (hit := kb.PROF_ANSWER_RE.match(data)) and hit.group(1) == editing:
        field = _field(hit.group(1))
        value = option_fact(field, int(hit.group(2))) if field is not None else None
        if value is None:
            hit = None
    elif not ((hit := kb.PROF_UNSET_RE.match(data)) and hit.group(1) == editing):
        hit = None
    if hit is None:
        await answer_stale(query)
        return None
    await query.answer()
    message = callback_message(query)
    if message is not None:
        with contextlib.suppress(BadRequest):
            await message.edit_reply_markup(reply_markup=None)
    return await _store(update, context, hit.group(1), value)


async def on_edit_text(update: Update, context: PolicyContext) -> State:
    message = update.effective_message
    assert message is not None and context.user_data is not None
    field_id = context.user_data.get(EDIT_KEY)
    if not isinstance(field_id, str):
        return END
    text = (message.text or "").strip()
    if field_id == kb.NAME_FIELD:
        if len(text) > profiles.NAME_MAX:
            await message.reply_text(tx.edit_prompt(None, None, error=tx.NAME_TOO_LONG))
            return EDITING
        return await _store(update, context, field_id, text or None)
    field = _field(field_id)
    if field is None:
        context.user_data.pop(EDIT_KEY, None)
        return END
    try:
        parsed = parse_answer(field, text, today=context.services.today())
    except AnswerError as exc:
        if not await off_script(update, context):
            markup = kb.edit_keyboard(field, filled=False)
            error = tx.edit_prompt(field, None, error=str(exc))
            await message.reply_text(error, reply_markup=markup)
        return EDITING
    return await _store(
        update, context, field_id, fact_to_json(parsed) if parsed is not None else None
    )


async def resume_edit(update: Update, context: PolicyContext) -> None:
    """/resume: ask for the fact again."""
    field_id = (context.user_data or {}).get(EDIT_KEY)
    field = _field(field_id) if isinstance(field_id, str) else None
    _, chat_id = _ids(update)
    markup = kb.edit_keyboard(field, filled=False)
    await context.bot.send_message(chat_id, tx.edit_prompt(field, None), reply_markup=markup)


FLOW = Flow(
    name="profile_edit",
    title="修改企业档案",
    conversation="eligibility",
    states=frozenset({EDITING}),
    keys=(EDIT_KEY,),
    on_resume=resume_edit,
    restart="发送 /profile",
)


def edit_entry_points() -> list[BaseHandler[Update, PolicyContext, object]]:
    """Buttons that enter or leave ``EDITING`` (part of the eligibility conversation)."""
    return [
        CallbackQueryHandler(edit_field, pattern=kb.PROF_FIELD_RE),
        CallbackQueryHandler(edit_button, pattern=kb.PROF_ANSWER_RE),
        CallbackQueryHandler(edit_button, pattern=kb.PROF_UNSET_RE),
        CallbackQueryHandler(edit_button, pattern=kb.PROF_CANCEL_RE),
        CallbackQueryHandler(forget.forget_confirmed, pattern=kb.PROF_FORGET_OK_RE),
    ]


PROFILE = Command("profile", "我的企业档案", profile_command, chats=Chats.PRIVATE)
FIXED = Button("prof:", profile_button, pattern=kb.PROF_FIXED_RE)
MATCH = Command("match", "政策体检:按企业档案匹配政策", match.match_command, chats=Chats.PRIVATE)


def build_handlers() -> list[BaseHandler[Update, PolicyContext, None]]:
    return [
        PROFILE.handler(),
        MATCH.handler(),
        CallbackQueryHandler(forget.forget_kept, pattern=kb.PROF_FORGET_NO_RE),
        FIXED.handler(),
    ]


FEATURE = Feature(
    name="profile",
    commands=(PROFILE, MATCH),
    # prof:field/ans/unset/cancel and prof:forget:ok are steps of the eligibility
    # conversation (edit_entry_points)
    buttons=(FIXED,),
    flows=(FLOW,),
    build=lambda _settings: build_handlers(),
)
