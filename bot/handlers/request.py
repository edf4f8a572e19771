"""The enterprise side: /request (or a card's 人工咨询) asks one step at a time —
category, description, enterprise name, area, optional phone, optional attachments —
then creates the ticket, routes it and confirms its number; /myrequests lists them.

One persistent conversation (``request``) per private chat; the draft lives in
``user_data["req"]`` (plain JSON), so a restart does not lose a half-filled form.
"""

from __future__ import annotations

import logging
import warnings
from typing import Any, cast

from sqlmodel import Session
from telegram import Update
from telegram.ext import (
    BaseHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.context import PolicyContext
from bot.features import Button, Command, Feature
from bot.flows import Flow
from bot.handlers.common import answer_stale, is_group
from bot.handlers.flows import off_script
from bot.handlers.ticket_common import notifier, sla_policy
from bot.render import callbacks as cb
from bot.render import ticket_buttons as kb
from bot.render import ticket_forms as forms
from bot.render import tickets as tx
from services.ticket_access import Party
from services.tickets import Draft, create_ticket, normalize_phone, profile_hint
from storage import roles
from storage import tickets as store

log = logging.getLogger(__name__)

CATEGORY, DESCRIPTION, NAME, AREA, PHONE, ATTACH, CONFIRM = range(7)
KEY = "req"
END = ConversationHandler.END


def _draft(context: PolicyContext) -> dict[str, Any]:
    assert context.user_data is not None
    draft = context.user_data.get(KEY)
    if not isinstance(draft, dict):
        draft = context.user_data[KEY] = {"files": []}
    return draft


async def _say(update: Update, context: PolicyContext, text: str, markup: Any = None) -> None:
    chat = update.effective_chat
    assert chat is not None
    await context.bot.send_message(chat.id, text, reply_markup=markup)


async def ask(update: Update, context: PolicyContext, step: int) -> int:
    """Enter ``step`` and show its prompt. The prompt is sent by a task that runs after
    the conversation has stored the new state, so an answer can never arrive too early."""
    draft = _draft(context)
    draft["step"] = step
    context.application.create_task(_show(update, context, step, dict(draft)), update=update)
    return step


async def _show(update: Update, context: PolicyContext, step: int, draft: dict[str, Any]) -> None:
    if step == CATEGORY:
        await _say(update, context, forms.STEP_CATEGORY, kb.categories_keyboard(forms.CATEGORIES))
    elif step == DESCRIPTION:
        prefill = draft.get("prefill")
        markup = kb.step_keyboard(use="预填内容" if prefill else None)
        await _say(update, context, forms.step_description(prefill), markup)
    elif step == NAME:
        await _say(update, context, forms.STEP_NAME, kb.step_keyboard(use=draft.get("hint_name")))
    elif step == AREA:
        areas = await context.services.db(lambda s: roles.list_areas(s))
        hint = draft.get("hint_area_name")
        await _say(update, context, forms.STEP_AREA, kb.areas_keyboard(areas, use=hint))
    elif step == PHONE:
        await _say(update, context, forms.STEP_PHONE, kb.step_keyboard(skip=True))
    elif step == ATTACH:
        await _say(update, context, forms.STEP_ATTACH, kb.step_keyboard(skip=True, done=True))
    else:
        code = draft.get("area")
        area = await context.services.db(lambda s: roles.get_area(s, code=code) if code else None)
        await _say(
            update,
            context,
            forms.confirm(draft, area.name if area else None),
            kb.confirm_keyboard(),
        )


# ------------------------------------------------------------------ entry points


async def _begin(update: Update, context: PolicyContext, *, entry: tuple[str, str] | None) -> int:
    user = update.effective_user
    assert user is not None and context.user_data is not None
    hint = await context.services.db(lambda s: _hint(s, user.id))
    draft: dict[str, Any] = {"files": [], **hint}
    if entry is not None:
        draft["entry"], draft["prefill"] = entry[0], f"关于「{entry[1]}」的咨询"
    context.user_data[KEY] = draft
    return await ask(update, context, CATEGORY)


def _hint(session: Session, user_id: int) -> dict[str, Any]:
    hint = profile_hint(session, user_id=user_id)
    if hint is None:
        return {}
    area = roles.get_area(session, code=hint.area_code) if hint.area_code else None
    return {
        "hint_name": hint.enterprise_name,
        "hint_area": area.code if area else None,
        "hint_area_name": area.name if area else None,
    }


async def request_command(update: Update, context: PolicyContext) -> int:
    if is_group(update):
        if update.effective_message is not None:
            await update.effective_message.reply_text(forms.GROUP_REQUEST)
        return END
    return await _begin(update, context, entry=None)


async def human_button(update: Update, context: PolicyContext) -> int:
    """人工咨询 under a policy card: the form, its description prefilled with the title."""
    query = update.callback_query
    assert query is not None
    match = cb.CARD_RE.match(query.data or "")
    entry = context.services.entry_by_ref(match.group(2)) if match else None
    if entry is None:
        await answer_stale(query)
        return END
    if is_group(update):
        await query.answer(forms.GROUP_REQUEST, show_alert=True)
        return END
    await query.answer()
    return await _begin(update, context, entry=(entry.entry_id, entry.title))


# ------------------------------------------------------------------ steps


async def on_button(update: Update, context: PolicyContext) -> int:
    query = update.callback_query
    assert query is not None
    data, draft = query.data or "", _draft(context)
    step = int(draft.get("step", CATEGORY))
    await query.answer()
    if data == kb.REQ_CANCEL:
        return await cancel(update, context)
    if data == kb.REQ_BACK:
        return await ask(update, context, max(step - 1, CATEGORY))
    if (match := kb.REQ_CAT_RE.match(data)) and step == CATEGORY:
        index = int(match.group(1))
        if index < len(forms.CATEGORIES):
            draft["category"] = forms.CATEGORIES[index]
            return await ask(update, context, DESCRIPTION)
    elif data == kb.REQ_USE and step == DESCRIPTION and draft.get("prefill"):
        draft["description"] = draft["prefill"]
        return await ask(update, context, NAME)
    elif data == kb.REQ_USE and step == NAME and draft.get("hint_name"):
        draft["name"] = draft["hint_name"]
        return await ask(update, context, AREA)
    elif data == kb.REQ_USE and step == AREA and draft.get("hint_area"):
        draft["area"] = draft["hint_area"]
        return await ask(update, context, PHONE)
    elif (match := kb.REQ_AREA_RE.match(data)) and step == AREA:
        code = match.group(1)
        exists = await context.services.db(lambda s: roles.get_area(s, code=code) is not None)
        draft["area"] = code if exists else None
        return await ask(update, context, PHONE)
    elif data == kb.REQ_SKIP and step in (PHONE, ATTACH):
        if step == PHONE:
            draft["phone"] = None
        return await ask(update, context, step + 1)
    elif data == kb.REQ_DONE and step == ATTACH:
        return await ask(update, context, CONFIRM)
    elif (match := kb.REQ_SUBMIT_RE.match(data)) and step == CONFIRM:
        return await submit(update, context, share=match.group(1) == "1")
    return step  # a button of an earlier step: stay where we are


async def on_text(update: Update, context: PolicyContext) -> int:
    message, draft = update.effective_message, _draft(context)
    step = int(draft.get("step", CATEGORY))
    if message is None or message.text is None:
        return step
    text = message.text.strip()
    if step == DESCRIPTION:
        if not text or len(text) > forms.MAX_DESCRIPTION:
            await message.reply_text(forms.DESCRIPTION_INVALID)
            return step
        prefill = draft.get("prefill")
        draft["description"] = f"{prefill}\n{text}" if prefill else text
        return await ask(update, context, NAME)
    if step == NAME:
        if not 2 <= len(text) <= 100:
            await message.reply_text(forms.NAME_INVALID)
            return step
        draft["name"] = text
        return await ask(update, context, AREA)
    if step == AREA:
        areas = await context.services.db(lambda s: roles.list_areas(s))
        found = [a for a in areas if text in (a.code, a.name)] or [
            a for a in areas if text in a.name
        ]
        if len(found) == 1:
            draft["area"] = found[0].code
            return await ask(update, context, PHONE)
        if not await off_script(update, context):
            await message.reply_text(forms.AREA_UNKNOWN)
        return step
    if step == PHONE:
        phone = normalize_phone(text)
        if phone is not None:
            draft["phone"] = phone
            return await ask(update, context, ATTACH)
        if not await off_script(update, context):
            await message.reply_text(forms.PHONE_INVALID)
        return step
    if not await off_script(update, context):  # a button step: a question, or lost
        await message.reply_text(forms.TEXT_EXPECTED)
    return step


async def on_file(update: Update, context: PolicyContext) -> int:
    message, draft = update.effective_message, _draft(context)
    files: list[list[str]] = draft.setdefault("files", [])
    if message is None:
        return ATTACH
    if len(files) >= forms.MAX_ATTACHMENTS:
        await message.reply_text(forms.ATTACH_FULL)
        return ATTACH
    if message.photo:
        files.append(["photo", message.photo[-1].file_id])
    elif message.document is not None:
        files.append(["document", message.document.file_id])
    await message.reply_text(
        forms.attachment_added(len(files)), reply_markup=kb.step_keyboard(done=True)
    )
    return ATTACH


async def submit(update: Update, context: PolicyContext, *, share: bool) -> int:
    user, draft = update.effective_user, _draft(context)
    assert user is not None
    services = context.services
    ticket_draft = Draft(
        category=str(draft.get("category") or forms.CATEGORIES[-1]),
        description=str(draft.get("description") or ""),
        enterprise_name=str(draft.get("name") or ""),
        area_code=draft.get("area"),
        phone=draft.get("phone"),
        attachments=tuple((str(k), str(f)) for k, f in draft.get("files") or []),
        policy_entry_id=draft.get("entry"),
        share_contact=share,
    )
    now, policy = services.now(), sla_policy(services)
    change = await services.db(
        lambda s: create_ticket(
            s, draft=ticket_draft, enterprise_id=user.id, now=now, policy=policy
        )
    )
    _forget(context)
    ticket = change.ticket
    log.info("ticket %s created (%s)", ticket.number, "assigned" if change.assignee else "queued")
    chat = update.effective_chat
    assert chat is not None
    text = tx.confirmation(
        ticket, assigned=change.assignee is not None, first_contact_days=policy.first_contact_days
    )
    sent = await context.bot.send_message(chat.id, text)
    await notifier(context).link(sent, ticket, Party.ASSIGNEE)
    await notifier(context).created(change)
    return END


def _forget(context: PolicyContext) -> None:
    if context.user_data is not None:
        context.user_data.pop(KEY, None)


async def cancel(update: Update, context: PolicyContext) -> int:
    _forget(context)
    await _say(update, context, forms.CANCELLED)
    return END


async def my_requests(update: Update, context: PolicyContext) -> None:
    user, message = update.effective_user, update.effective_message
    if user is None or message is None:
        return
    if is_group(update):
        await message.reply_text(tx.PRIVATE_ONLY)
        return
    tickets = await context.services.db(
        lambda s: store.tickets_of_enterprise(s, enterprise_id=user.id)
    )
    if not tickets:
        await message.reply_text(tx.MY_EMPTY)
        return
    items = [(t.id, f"{t.number} {t.status}") for t in tickets if t.id is not None]
    text = tx.listing("我的诉求", tickets, context.services.now())
    await message.reply_text(text, reply_markup=kb.tickets_keyboard(items))


async def resume(update: Update, context: PolicyContext) -> None:
    """/resume: the prompt of the step the form is at (its draft is back in user_data)."""
    draft = _draft(context)
    await _show(update, context, int(draft.get("step", CATEGORY)), dict(draft))


FLOW = Flow(
    name="request",
    title="提交诉求",
    conversation="request",
    keys=(KEY,),
    on_resume=resume,
    restart="发送 /request",
)


REQUEST = Command("request", "提交诉求 / 人工咨询", request_command)
# in a group it says to use a private chat (a group would see the form)
MY_REQUESTS = Command("myrequests", "我的诉求及办理进度", my_requests)
HUMAN = Button("card:human:", human_button)
STEPS = Button("req:", on_button)


def build_handlers() -> list[BaseHandler[Update, PolicyContext, None]]:
    private = filters.ChatType.PRIVATE
    steps: list[BaseHandler[Update, PolicyContext, object]] = [
        STEPS.handler(),
        MessageHandler(private & filters.TEXT & ~filters.COMMAND, on_text),
    ]
    files: list[BaseHandler[Update, PolicyContext, object]] = [
        MessageHandler(private & (filters.PHOTO | filters.Document.ALL), on_file)
    ]
    with warnings.catch_warnings():
        # per_message=False with CallbackQueryHandlers is intended (state per user+chat)
        warnings.filterwarnings("ignore", message=".*per_message.*", category=PTBUserWarning)
        conversation: ConversationHandler[PolicyContext] = ConversationHandler(
            entry_points=[
                REQUEST.handler(),
                HUMAN.handler(),
            ],
            states={
                state: [*steps, *files] if state == ATTACH else steps
                for state in (CATEGORY, DESCRIPTION, NAME, AREA, PHONE, ATTACH, CONFIRM)
            },
            fallbacks=[],  # /cancel is the flows' (bot/handlers/flows.py)
            name="request",
            persistent=True,
            per_chat=True,
            per_user=True,
            per_message=False,
            allow_reentry=True,
        )
    return [
        cast(BaseHandler[Update, PolicyContext, None], conversation),
        MY_REQUESTS.handler(),
    ]


FEATURE = Feature(
    name="request",
    commands=(REQUEST, MY_REQUESTS),
    buttons=(HUMAN, STEPS),
    flows=(FLOW,),
    build=lambda _settings: build_handlers(),
)
