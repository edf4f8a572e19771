"""The commissioner, department and admin side: /inbox, /ticket, /queue, /report and the
ticket buttons that need no text (接单, 详情, 附件, 分派/改派, 退回原专员, 关闭, 转办's
department list). Text-taking actions live in ``ticket_input``."""

from __future__ import annotations

import contextlib
import logging
import re

from sqlmodel import Session
from telegram import InlineKeyboardMarkup, InputFile, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import JobQueue

from bot.context import BotServices, PolicyContext
from bot.features import Access, Button, Command, Feature
from bot.handlers.common import answer_stale, callback_message
from bot.handlers.ticket_common import actor_of, keyboard_for, notifier, perform, probe, ticket_view
from bot.render import ticket_buttons as kb
from bot.render import ticket_forms as forms
from bot.render import tickets as tx
from scheduler import ticket_sla
from scheduler.leader import leader_only
from services.report import monthly_report, report_csv
from services.ticket_access import Action, Actor, can_view, viewer_party
from services.tickets import Change
from storage import roles
from storage import tickets as store
from storage.models_tickets import Ticket

log = logging.getLogger(__name__)
_NUMBER = re.compile(r"^QY-\d{8}-\d{4,}$", re.IGNORECASE)
_MONTH = re.compile(r"^\d{4}-\d{2}$")


async def _reply(
    update: Update, text: str, *, reply_markup: InlineKeyboardMarkup | None = None
) -> None:
    if update.effective_message is not None:
        await update.effective_message.reply_text(text, reply_markup=reply_markup)


# ------------------------------------------------------------------ commands


async def inbox(update: Update, context: PolicyContext) -> None:
    actor = await actor_of(update, context)
    if actor is None:
        return
    uid = actor.user_id if actor.is_commissioner else None
    tickets = await context.services.db(
        lambda s: store.open_tickets(s, assignee_id=uid, department_ids=actor.department_ids)
    )
    await _send_list(update, context, "我的待办工单", tickets, tx.INBOX_EMPTY)


async def queue(update: Update, context: PolicyContext) -> None:
    tickets = await context.services.db(lambda s: store.queue_tickets(s))
    await _send_list(update, context, "待分派/复核队列", tickets, tx.QUEUE_EMPTY)


async def _send_list(
    update: Update, context: PolicyContext, title: str, tickets: list[Ticket], empty: str
) -> None:
    if not tickets:
        await _reply(update, empty)
        return
    now = context.services.now()
    ordered = tx.sort_overdue_first(tickets, now)[:30]
    items = [(t.id, f"{t.number} {t.status}") for t in ordered if t.id is not None]
    await _reply(update, tx.listing(title, ordered, now), reply_markup=kb.tickets_keyboard(items))


async def ticket_command(update: Update, context: PolicyContext) -> None:
    actor = await actor_of(update, context)
    if actor is None:
        return
    if not context.args or not _NUMBER.match(context.args[0]):
        await _reply(update, tx.TICKET_USAGE)
        return
    view = await ticket_view(context, actor, number=context.args[0].upper())
    if view is None:  # unknown and not yours look the same
        await _reply(update, tx.FORBIDDEN)
        return
    await _reply(update, view[0], reply_markup=view[1])


async def report(update: Update, context: PolicyContext) -> None:
    message = update.effective_message
    if message is None:
        return
    services = context.services
    now, tz = services.now(), services.settings.tz
    month = context.args[0] if context.args else f"{now:%Y-%m}"
    if not _MONTH.match(month):
        await _reply(update, forms.REPORT_USAGE)
        return
    try:
        result = await services.db(lambda s: monthly_report(s, month=month, tz=tz, now=now))
    except ValueError:
        await _reply(update, forms.REPORT_USAGE)
        return
    await message.reply_text(forms.report(result))
    data = report_csv(result).encode("utf-8-sig")  # with BOM: Excel opens it as UTF-8
    await message.reply_document(InputFile(data, filename=f"report-{month}.csv"))


# ------------------------------------------------------------------ buttons


async def button(update: Update, context: PolicyContext) -> None:
    query = update.callback_query
    if query is None:
        return
    match = kb.TK_IMMEDIATE_RE.match(query.data or "")
    actor = await actor_of(update, context)
    if match is None or actor is None:
        await answer_stale(query)
        return
    code, ticket_id = match.group(1), int(match.group(2))
    if code == "view":
        view = await ticket_view(context, actor, ticket_id=ticket_id)
        if view is None:
            await query.answer(tx.FORBIDDEN, show_alert=True)
            return
        await query.answer()
        await context.bot.send_message(actor.chat_id, view[0], reply_markup=view[1])
        return
    if code == "att":
        await _attachments(update, context, actor, ticket_id)
        return
    if code in ("tr", "asg"):
        await _choose(update, context, actor, ticket_id, code)
        return
    action = {"acc": Action.ACCEPT, "back": Action.BACK, "close": Action.CLOSE}[code]
    await _perform_and_notify(update, context, actor, ticket_id, action)


async def assign_button(update: Update, context: PolicyContext) -> None:
    query = update.callback_query
    if query is None:
        return
    match = kb.TK_ASSIGN_RE.match(query.data or "")
    actor = await actor_of(update, context)
    if match is None or actor is None:
        await answer_stale(query)
        return
    ticket_id, user_id = int(match.group(1)), int(match.group(2))
    await _perform_and_notify(update, context, actor, ticket_id, Action.ASSIGN, assignee_id=user_id)


async def _perform_and_notify(
    update: Update,
    context: PolicyContext,
    actor: Actor,
    ticket_id: int,
    action: Action,
    *,
    assignee_id: int | None = None,
) -> None:
    query = update.callback_query
    assert query is not None
    result = await perform(context, actor, ticket_id, action, assignee_id=assignee_id)
    if isinstance(result, str):
        await query.answer(result, show_alert=True)
        return
    await query.answer(f"已完成:{result.ticket.status}")
    await _refresh_keyboard(update, result, actor)
    await notifier(context).dispatch(result, actor)


async def _refresh_keyboard(update: Update, change: Change, actor: Actor) -> None:
    """The pressed message now shows the buttons of the new state."""
    query = update.callback_query
    message = callback_message(query) if query else None
    if message is None:
        return
    with contextlib.suppress(BadRequest):
        await message.edit_reply_markup(reply_markup=keyboard_for(change.ticket, actor))


async def _choose(
    update: Update, context: PolicyContext, actor: Actor, ticket_id: int, code: str
) -> None:
    """转办: list the departments; 分派/改派: list the commissioners."""
    query = update.callback_query
    assert query is not None
    action = Action.TRANSFER if code == "tr" else Action.ASSIGN
    checked = await probe(context, actor, ticket_id, action)
    if isinstance(checked, str):
        await query.answer(checked, show_alert=True)
        return
    if action is Action.TRANSFER:
        departments = await context.services.db(lambda s: roles.list_departments(s))
        await query.answer()
        if not departments:
            await context.bot.send_message(actor.chat_id, tx.NO_DEPARTMENTS)
            return
        markup = kb.departments_keyboard(ticket_id, departments)
        await context.bot.send_message(actor.chat_id, tx.CHOOSE_DEPARTMENT, reply_markup=markup)
        return

    def load(s: Session) -> tuple[list[roles.Commissioner], dict[int, int]]:
        return roles.list_commissioners(s), store.open_load(s)

    commissioners, load_map = await context.services.db(load)
    await query.answer()
    if not commissioners:
        await context.bot.send_message(actor.chat_id, tx.NO_COMMISSIONERS)
        return
    markup = kb.commissioners_keyboard(ticket_id, commissioners, load_map)
    await context.bot.send_message(actor.chat_id, tx.CHOOSE_COMMISSIONER, reply_markup=markup)


async def _attachments(
    update: Update, context: PolicyContext, actor: Actor, ticket_id: int
) -> None:
    query = update.callback_query
    assert query is not None

    def load(s: Session) -> list[tuple[str, str]] | None:
        ticket = store.get_ticket(s, ticket_id=ticket_id)
        if ticket is None or not can_view(ticket, actor):
            return None
        internal = viewer_party(ticket, actor) == "internal"
        rows = store.attachments(s, ticket_id=ticket_id, include_internal=internal)
        return [(r.file_kind or "document", r.file_id) for r in rows if r.file_id]

    files = await context.services.db(load)
    if files is None:
        await query.answer(tx.FORBIDDEN, show_alert=True)
        return
    await query.answer(f"共 {len(files)} 个附件")
    for kind, file_id in files:
        try:
            if kind == "photo":
                await context.bot.send_photo(actor.chat_id, file_id)
            else:
                await context.bot.send_document(actor.chat_id, file_id)
        except TelegramError as exc:
            log.warning("ticket %d: attachment not sent: %s", ticket_id, type(exc).__name__)


def schedule(jobs: JobQueue[PolicyContext], services: BotServices) -> None:
    """ticket:sla, the deadline scan (once cluster-wide, scheduler/leader.py)."""
    scan = services.settings.scan_interval_seconds
    jobs.run_repeating(
        leader_only(ticket_sla.job),
        interval=scan or ticket_sla.INTERVAL_SECONDS,
        first=min(60, scan or 60),
        name=ticket_sla.JOB_NAME,
    )


FEATURE = Feature(
    name="tickets",
    commands=(
        Command("inbox", "我的待办工单", inbox, access=Access.STAFF, hint=tx.SEE_MY_REQUESTS),
        Command("queue", "待分派/复核队列", queue, access=Access.ADMIN, hint=tx.SEE_MY_REQUESTS),
        Command("ticket", None, ticket_command),
        Command("report", "月度办理报表", report, access=Access.ADMIN, hint=tx.SEE_MY_REQUESTS),
    ),
    # the buttons that need no text; those that do are ticket_input's
    buttons=(
        Button("tk:", button, pattern=kb.TK_IMMEDIATE_RE),
        Button("tk:", assign_button, pattern=kb.TK_ASSIGN_RE),
    ),
    jobs=(schedule,),
)
