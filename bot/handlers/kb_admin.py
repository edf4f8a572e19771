"""Admins upload policy documents: file → preview (nothing changes) → edit metadata with
buttons or typed replies → publish (a real, audit-logged import) or cancel.

The pending upload lives in the database, so the buttons work after a restart; a typed
edit is a reply to the bot's prompt, which names the upload (no conversation state)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from pathlib import PurePath

from sqlalchemy.engine import Engine
from telegram import Message, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    ApplicationHandlerStop,
    BaseHandler,
    JobQueue,
    MessageHandler,
    filters,
)

from bot.context import BotServices, PolicyContext
from bot.features import Access, Button, Command, Feature, permits, require
from bot.flows import Flow
from bot.handlers.common import callback_message
from bot.render import kb_admin as ui
from bot.render import texts
from knowledge.importing import ImportFailed
from knowledge.importing.formats import size_limit
from scheduler import kb_expiry, kb_refresh
from scheduler.leader import leader_only
from services import kbops, kbpublish
from services.kbops import Preview

log = logging.getLogger(__name__)

AWAIT_KEY = "kb_await"
AWAIT_SECONDS = 600  # a prompt not answered within 10 minutes is forgotten


class _ReplyToPrompt(filters.MessageFilter):
    """A reply to one of the bot's typed-edit prompts."""

    def filter(self, message: Message) -> bool:
        replied = message.reply_to_message
        if replied is None or replied.from_user is None:
            return False
        return replied.from_user.id == message.get_bot().id and bool(ui.prompt_field(replied.text))


async def _show(message: Message, preview: Preview, today: dt.date, *, edit: bool) -> None:
    text, markup = ui.preview_text(preview, today=today), ui.preview_keyboard(preview)
    if edit:
        with contextlib.suppress(BadRequest):  # "not modified"
            await message.edit_text(text, reply_markup=markup)
        return
    await message.reply_text(text, reply_markup=markup)


async def on_document(update: Update, context: PolicyContext) -> None:
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or message.document is None:
        return
    document = message.document
    name = document.file_name or "upload.txt"
    if not await permits(update, context, Access.ADMIN):
        # a policy file gets the admins-only refusal; any other file the general answer
        suffix = PurePath(name).suffix.lower()
        await message.reply_text(ui.UPLOAD_REFUSED if suffix in kbops.KINDS else texts.NO_FILES)
        return
    limit = size_limit(name)
    if (document.file_size or 0) > limit:
        mb = limit // 1024 // 1024
        await message.reply_text(ui.import_failed(f"文件过大(超过 {mb} MB),请拆分后再导入。"))
        return
    try:
        file = await document.get_file()
        data = bytes(await file.download_as_bytearray())
    except TelegramError as exc:
        log.warning("download of an upload failed: %s", type(exc).__name__)
        await message.reply_text(ui.import_failed("文件下载失败,请稍后重新发送。"))
        return
    services = context.services
    try:
        preview = await asyncio.to_thread(
            kbops.create_upload, services.engine, user_id=user.id, file_name=name, data=data
        )
    except ImportFailed as exc:
        await message.reply_text(ui.import_failed(str(exc)))
        return
    await _show(message, preview, context.services.today(), edit=False)


async def on_button(update: Update, context: PolicyContext) -> None:
    query = update.callback_query
    if query is None:
        return
    data = query.data or ""
    message = callback_message(query)
    engine = context.services.engine
    if match := ui.UPLOAD_RE.match(data):
        action, upload_id = match.group(1), int(match.group(2))
    elif match := ui.UPLOAD_LEVEL_RE.match(data):
        action, upload_id = "set", int(match.group(1))
    elif match := ui.UPLOAD_ASK_RE.match(data):
        action, upload_id = "ask", int(match.group(1))
    else:
        await query.answer(ui.UPLOAD_GONE)
        return
    if action in ("pub", "no"):
        _awaiting(context, clear=True)
    if action == "pub":
        await _publish(update, context, upload_id)
        return
    if action == "no":
        done = await asyncio.to_thread(kbops.cancel_upload, engine, upload_id)
        await query.answer("已取消" if done else ui.UPLOAD_GONE)
        if done and message is not None:
            await message.edit_text(ui.cancelled(upload_id))
        return
    if action == "ask":
        if not await asyncio.to_thread(kbops.is_pending, engine, upload_id):
            await query.answer(ui.UPLOAD_GONE)
            return
        await query.answer()
        text, force = ui.prompt(upload_id, match.group(2))
        if message is not None:
            await message.reply_text(text, reply_markup=force)
            _awaiting(context, set_to=(upload_id, match.group(2)))
        return
    if action == "set":
        level = ui.LEVEL_CODES[match.group(2)]
        preview = await _edit(engine, upload_id, level=level)
    else:
        preview = await asyncio.to_thread(kbops.preview_upload, engine, upload_id)
    if preview is None:
        await query.answer(ui.UPLOAD_GONE)
        return
    await query.answer()
    if message is None:
        return
    if action == "lvl":
        with contextlib.suppress(BadRequest):
            await message.edit_reply_markup(reply_markup=ui.level_keyboard(upload_id))
        return
    await _show(message, preview, context.services.today(), edit=True)


async def _edit(engine: Engine, upload_id: int, **changes: object) -> Preview | None:
    return await asyncio.to_thread(kbops.edit_upload, engine, upload_id, **changes)


async def _publish(update: Update, context: PolicyContext, upload_id: int) -> None:
    """Publish, then answer the button (a second or two: the client shows its spinner)."""
    query = update.callback_query
    assert query is not None
    services = context.services
    message = callback_message(query)
    try:
        result = await asyncio.to_thread(
            kbpublish.publish_upload,
            services.knowledge,
            upload_id,
            user_id=query.from_user.id,
            actor=f"telegram:{query.from_user.id}",
        )
    except ImportFailed as exc:
        await query.answer(ui.PUBLISH_FAILED)
        if message is not None:
            await message.reply_text(ui.import_failed(str(exc)))
        return
    if result is None:
        await query.answer(ui.UPLOAD_GONE)
        return
    await query.answer(ui.PUBLISHED)
    if message is not None:
        with contextlib.suppress(BadRequest):
            await message.edit_text(ui.published(upload_id, result.report))


async def _typed(message: Message, context: PolicyContext, upload_id: int, code: str) -> None:
    """Apply a typed edit; a refused value keeps the prompt open."""
    name = ui.FIELDS[code][0]
    try:
        value = kbops.parse_edit(name, message.text or "")
        preview = await _edit(context.services.engine, upload_id, **{name: value})
    except ImportFailed as exc:
        await message.reply_text(ui.edit_failed(str(exc)))
        return
    _awaiting(context, clear=True)
    if preview is None:
        await message.reply_text(ui.UPLOAD_GONE)
        return
    await _show(message, preview, context.services.today(), edit=False)


def _awaiting(
    context: PolicyContext, *, clear: bool = False, set_to: tuple[int, str] | None = None
) -> tuple[int, str] | None:
    """The prompt the admin owes an answer to, kept in the (persisted) user_data."""
    data = context.user_data
    if data is None:
        return None
    if set_to is not None:
        now = context.services.now().timestamp()
        data[AWAIT_KEY] = {"upload": set_to[0], "field": set_to[1], "at": now}
        return set_to
    state = data.pop(AWAIT_KEY, None) if clear else data.get(AWAIT_KEY)
    if not isinstance(state, dict) or state.get("field") not in ui.FIELDS:
        return None
    if context.services.now().timestamp() - float(state.get("at", 0)) > AWAIT_SECONDS:
        data.pop(AWAIT_KEY, None)
        return None
    return int(state["upload"]), str(state["field"])


async def on_typed_edit(update: Update, context: PolicyContext) -> None:
    """A reply to a prompt (works whatever else happened since the prompt was sent)."""
    message = update.effective_message
    if message is None or not await require(update, context, Access.ADMIN):
        return
    replied = message.reply_to_message
    found = ui.prompt_field(replied.text if replied else None)
    if found is not None:
        await _typed(message, context, *found)


async def on_awaited_text(update: Update, context: PolicyContext) -> None:
    """Runs before every other handler: a plain text right after a prompt (clients that
    do not reply automatically, the shell) is the answer. Anything else passes on."""
    message = update.effective_message
    if message is None or message.reply_to_message is not None:
        return
    found = _awaiting(context)
    if found is None:
        return
    if not await permits(update, context, Access.ADMIN):
        _awaiting(context, clear=True)
        return
    if (message.text or "").strip() in ui.CANCEL_WORDS:
        _awaiting(context, clear=True)
        await message.reply_text(ui.INPUT_CANCELLED)
    else:
        await _typed(message, context, *found)
    raise ApplicationHandlerStop


async def kb_help(update: Update, context: PolicyContext) -> None:
    if update.effective_message is not None:
        await update.effective_message.reply_text(ui.admin_help())


async def resume(update: Update, context: PolicyContext) -> None:
    """/resume: the typed-edit prompt again (its 10 minutes start again)."""
    found = _awaiting(context)
    chat = update.effective_chat
    if found is None or chat is None:
        return
    _awaiting(context, set_to=found)
    text, force = ui.prompt(*found)
    await context.bot.send_message(chat.id, text, reply_markup=force)


FLOW = Flow(
    name="kb_edit",
    title="编辑上传信息",
    keys=(AWAIT_KEY,),
    on_resume=resume,
    restart="在上传的预览上点要修改的项",
)


KBADMIN = Command("kbadmin", "知识库管理:上传、编辑政策文件", kb_help, access=Access.ADMIN)
UPLOADS = Button("kbu:", on_button, access=Access.ADMIN)


def build_input_handlers() -> list[BaseHandler[Update, PolicyContext, None]]:
    """For a group before all others (it stops the update only when it took it)."""
    text = filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND
    return [MessageHandler(text, on_awaited_text)]


def build_handlers() -> list[BaseHandler[Update, PolicyContext, None]]:
    """Register after handlers that take documents as ticket materials and before
    ``consult`` (typed edits are texts) and ``media`` (uploads are documents). Every file
    sent in a private chat comes here: the importer reads it by its content (whatever its
    name) and tells an admin what it cannot read and how to convert it."""
    private = filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE
    return [
        KBADMIN.handler(),
        MessageHandler(private & filters.Document.ALL, on_document),
        MessageHandler(private & filters.TEXT & ~filters.COMMAND & _ReplyToPrompt(), on_typed_edit),
        UPLOADS.handler(),
    ]


def schedule(jobs: JobQueue[PolicyContext], services: BotServices) -> None:
    """kb:refresh rebuilds this instance's in-memory index, so it runs on every instance;
    kb:expiry's digest once cluster-wide (scheduler/leader.py)."""
    jobs.run_repeating(
        kb_refresh.job,
        interval=kb_refresh.INTERVAL_SECONDS,
        first=kb_refresh.INTERVAL_SECONDS,
        name=kb_refresh.JOB_NAME,
    )
    jobs.run_daily(
        leader_only(kb_expiry.job),
        time=kb_expiry.DIGEST_TIME,
        days=kb_expiry.DIGEST_DAYS,
        name=kb_expiry.JOB_NAME,
    )


FEATURE = Feature(
    name="kb_admin",
    commands=(KBADMIN,),
    buttons=(UPLOADS,),
    flows=(FLOW,),
    jobs=(schedule,),
    build=lambda _settings: build_handlers(),
    # group -1: the answer an admin types after a knowledge-base prompt; it stops the
    # update only when it took it
    early={-1: lambda _settings: build_input_handlers()},
)
