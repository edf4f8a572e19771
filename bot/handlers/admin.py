"""/admin: list roles, grant (专员 with area and display name, or 管理员) and revoke with
buttons; /myid tells users their numeric id. Admins only; nobody changes their own role;
admins configured by POLICYBOT_ADMIN_IDS cannot be revoked here. Every change is logged
(``admin_action``) by ``services.roles``."""

from __future__ import annotations

import contextlib
import logging
import warnings
from typing import Any, cast

from sqlmodel import Session
from telegram import Update
from telegram.error import TelegramError
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.context import PolicyContext
from bot.features import Access, Button, Command, Feature, permits, publish_menu
from bot.flows import Flow
from bot.handlers.common import answer_stale
from bot.render import ticket_buttons as kb
from bot.render import ticket_forms as forms
from bot.render import tickets as tx
from bot.render.markup import esc
from bot.render.texts import ROLE_LABELS
from services.roles import RoleError, grant, revoke
from storage import roles
from storage import tickets as store
from storage.models import UserRole

log = logging.getLogger(__name__)
ASK_ID, CHOOSE_ROLE, CHOOSE_AREA, ASK_NAME = range(4)
KEY = "adm"
END = ConversationHandler.END


async def _is_admin(update: Update, context: PolicyContext) -> bool:
    """Checked again at every step: the role may be revoked while a grant is under way."""
    return await permits(update, context, Access.ADMIN)


async def _say(update: Update, context: PolicyContext, text: str, markup: Any = None) -> None:
    chat = update.effective_chat
    assert chat is not None
    await context.bot.send_message(chat.id, text, reply_markup=markup)


async def overview(update: Update, context: PolicyContext) -> None:
    user = update.effective_user
    assert user is not None
    configured = set(context.services.settings.admin_ids)

    def load(s: Session) -> tuple[list[int], list[roles.Commissioner], dict[int, int]]:
        return roles.admin_user_ids(s), roles.list_commissioners(s), store.open_load(s)

    stored_admins, commissioners, load_map = await context.services.db(load)
    admins = [(uid, uid in configured) for uid in sorted({*configured, *stored_admins})]
    revocable = [(uid, f"管理员 {uid}") for uid in stored_admins if uid not in configured]
    revocable += [(c.user_id, f"专员 {c.name}") for c in commissioners]
    revocable = [(uid, label) for uid, label in revocable if uid != user.id]
    await _say(
        update,
        context,
        forms.roles_overview(admins, commissioners, load_map),
        kb.admin_roles_keyboard(revocable),
    )


async def revoke_button(update: Update, context: PolicyContext) -> None:
    query = update.callback_query
    assert query is not None
    match = kb.ADM_REVOKE_RE.match(query.data or "")
    if match is None:
        await answer_stale(query)
        return
    target, actor = int(match.group(1)), query.from_user.id
    if target in context.services.settings.admin_ids:
        await query.answer(forms.ADMIN_ENV, show_alert=True)
        return
    try:
        done = await context.services.db(lambda s: revoke(s, actor_id=actor, user_id=target))
    except RoleError:
        await query.answer(forms.ADMIN_SELF, show_alert=True)
        return
    if not done:
        await query.answer(forms.ADMIN_NOT_GRANTED, show_alert=True)
        return
    log.info("user %d revoked the role of user %d", actor, target)
    await query.answer("已撤销")
    await _say(update, context, forms.revoked(target))
    await publish_menu(context.bot, context.services.features, user_id=target, role=None)


# ------------------------------------------------------------------ grant (conversation)


async def start_grant(update: Update, context: PolicyContext) -> int:
    query = update.callback_query
    assert query is not None and context.user_data is not None
    await query.answer()
    context.user_data[KEY] = {}
    await _say(update, context, forms.ADMIN_ASK_ID, kb.admin_cancel_keyboard())
    return ASK_ID


async def got_id(update: Update, context: PolicyContext) -> int:
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or context.user_data is None:
        return END
    if not await _is_admin(update, context):
        return await cancel(update, context)
    text = (message.text or "").strip()
    if not text.isdigit() or len(text) > 15:
        await message.reply_text(forms.ADMIN_ID_INVALID)
        return ASK_ID
    if int(text) == user.id:
        await message.reply_text(forms.ADMIN_SELF)
        return ASK_ID
    context.user_data[KEY] = {"target": int(text)}
    await message.reply_text(forms.ADMIN_CHOOSE_ROLE, reply_markup=kb.admin_role_choice_keyboard())
    return CHOOSE_ROLE


async def got_role(update: Update, context: PolicyContext) -> int:
    query = update.callback_query
    assert query is not None and context.user_data is not None
    match = kb.ADM_ROLE_RE.match(query.data or "")
    pending = context.user_data.get(KEY) or {}
    if match is None or "target" not in pending or not await _is_admin(update, context):
        await answer_stale(query)
        return END
    await query.answer()
    if match.group(1) == "a":
        return await _grant(update, context, UserRole.ADMIN)
    areas = await context.services.db(lambda s: roles.list_areas(s))
    await _say(update, context, forms.ADMIN_CHOOSE_AREA, kb.admin_area_keyboard(areas))
    return CHOOSE_AREA


async def got_area(update: Update, context: PolicyContext) -> int:
    query = update.callback_query
    assert query is not None and context.user_data is not None
    match = kb.ADM_AREA_RE.match(query.data or "")
    pending = context.user_data.get(KEY) or {}
    if match is None or "target" not in pending or not await _is_admin(update, context):
        await answer_stale(query)
        return END
    await query.answer()
    pending["area"] = None if match.group(1) == kb.NO_AREA else match.group(1)
    await _say(update, context, forms.ADMIN_ASK_NAME, kb.admin_cancel_keyboard())
    return ASK_NAME


async def got_name(update: Update, context: PolicyContext) -> int:
    message = update.effective_message
    assert context.user_data is not None
    if message is None or not await _is_admin(update, context):
        return await cancel(update, context)
    name = (message.text or "").strip()
    if not 1 <= len(name) <= 50:
        await message.reply_text(forms.NAME_INVALID)
        return ASK_NAME
    context.user_data.setdefault(KEY, {})["name"] = name
    return await _grant(update, context, UserRole.COMMISSIONER)


async def _grant(update: Update, context: PolicyContext, role: UserRole) -> int:
    user = update.effective_user
    assert user is not None and context.user_data is not None
    pending = context.user_data.pop(KEY, None) or {}
    target, actor = int(pending["target"]), user.id
    try:
        await context.services.db(
            lambda s: grant(
                s,
                actor_id=actor,
                user_id=target,
                role=role,
                area_code=pending.get("area"),
                name=pending.get("name"),
            )
        )
    except RoleError as exc:
        await _say(update, context, esc(str(exc)))
        return END
    log.info("user %d granted %s to user %d", actor, role.name, target)
    await _say(update, context, forms.granted(target, ROLE_LABELS[role.value]))
    with contextlib.suppress(TelegramError):  # the user may not have started the bot yet
        await context.bot.send_message(target, forms.you_were_granted(ROLE_LABELS[role.value]))
    await publish_menu(context.bot, context.services.features, user_id=target, role=role)
    return END


async def cancel(update: Update, context: PolicyContext) -> int:
    if context.user_data is not None:
        context.user_data.pop(KEY, None)
    if update.callback_query is not None:
        await update.callback_query.answer(tx.CANCELLED)
    else:
        await _say(update, context, tx.CANCELLED)
    return END


async def my_id(update: Update, context: PolicyContext) -> None:
    user, message = update.effective_user, update.effective_message
    if user is None or message is None:
        return
    role = await context.services.role(user.id)
    label = ROLE_LABELS.get(role.value, role.value) if role else None
    await message.reply_text(forms.my_id(user.id, label))


# /resume shows a one-line reminder (the step's prompt is the message above)
FLOW = Flow(
    name="admin_grant", title="授予角色", conversation="admin", keys=(KEY,), restart="发送 /admin"
)


ADMIN = Command("admin", "角色管理:授予、撤销专员和管理员", overview, access=Access.ADMIN)
MYID = Command("myid", None, my_id)
GRANT = Button("adm:grant", start_grant, pattern=rf"^{kb.ADM_GRANT}$", access=Access.ADMIN)
REVOKE = Button("adm:rv:", revoke_button, pattern=kb.ADM_REVOKE_RE, access=Access.ADMIN)


def build_handlers() -> list[BaseHandler[Update, PolicyContext, None]]:
    text = filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND
    cancel_button: BaseHandler[Update, PolicyContext, object] = CallbackQueryHandler(
        cancel, pattern=rf"^{kb.ADM_CANCEL}$"
    )
    with warnings.catch_warnings():
        # per_message=False with CallbackQueryHandlers is intended (state per user+chat)
        warnings.filterwarnings("ignore", message=".*per_message.*", category=PTBUserWarning)
        conversation: ConversationHandler[PolicyContext] = ConversationHandler(
            entry_points=[GRANT.handler()],
            states={
                ASK_ID: [MessageHandler(text, got_id), cancel_button],
                CHOOSE_ROLE: [
                    CallbackQueryHandler(got_role, pattern=kb.ADM_ROLE_RE),
                    cancel_button,
                ],
                CHOOSE_AREA: [
                    CallbackQueryHandler(got_area, pattern=kb.ADM_AREA_RE),
                    cancel_button,
                ],
                ASK_NAME: [MessageHandler(text, got_name), cancel_button],
            },
            fallbacks=[cancel_button],  # /cancel is the flows' (bot/handlers/flows.py)
            name="admin",
            persistent=True,
            per_chat=True,
            per_user=True,
            per_message=False,
            allow_reentry=True,
        )
    return [
        ADMIN.handler(),
        MYID.handler(),
        REVOKE.handler(),
        cast(BaseHandler[Update, PolicyContext, None], conversation),
    ]


FEATURE = Feature(
    name="admin",
    commands=(ADMIN, MYID),
    buttons=(GRANT, REVOKE),  # adm:role, adm:area, adm:cancel: steps of the grant
    flows=(FLOW,),
    build=lambda _settings: build_handlers(),
)
