"""``policybot shell``: chat with the real bot in the terminal.

One process runs the local Bot API (``policybot_localapi``) and the real Application polling it;
the terminal plays the Telegram user. Bot messages are rendered from their entities
(bold, italic, code, links) with rich; inline buttons are numbered ``[1] [2]`` and typing
a number presses one. No token is needed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from rich.console import Console
from rich.panel import Panel
from rich.text import Text
from sqlalchemy.engine import Engine
from telegram.ext import Application

from bot.app import build_application
from bot.runner import running
from bot.settings import Settings
from knowledge.importing.formats import SUFFIX_KINDS
from policybot_localapi.api import BotClient, Injected, Limits, LocalBotAPI, MessageRecord, User
from services.knowledge import KnowledgeBase

log = logging.getLogger(__name__)

SHELL_TOKEN = "1000001:local-shell"
SHELL_USERNAME = "policybot_bot"
SHELL_USER_ID = 10_001
REPLY_TIMEOUT = 15.0
QUIET_SECONDS = 0.3
QUIT = {"/quit", "/exit", ":q"}

HELP = f"""输入问题或命令(/start /help /browse /search 关键词)与机器人对话。
  数字 N        按下最近一次回复中的第 N 个按钮
  !inline 词    模拟内联查询 @机器人 词
  !edit 文本    把您上一条消息改成新文本
  !sticker !photo !voice !file   发送贴纸/图片/语音/文件
  !upload 路径  上传政策文件(管理员:{" ".join(s for s in SUFFIX_KINDS if s)},先预览后发布)
  !as 用户ID    切换为另一个模拟用户(企业/专员/部门/管理员,首次使用时创建)
  /quit 或 Ctrl-D 退出"""

_STYLES = {
    "bold": "bold",
    "italic": "italic",
    "underline": "underline",
    "strikethrough": "strike",
    "code": "bold cyan",
    "pre": "cyan",
    "spoiler": "reverse",
    "blockquote": "dim",
}


def _utf16_index(text: str) -> list[int]:
    """For each UTF-16 offset, the Python string index (entity offsets are UTF-16)."""
    index: list[int] = []
    for position, char in enumerate(text):
        index.extend([position] * (2 if ord(char) > 0xFFFF else 1))
    index.append(len(text))
    return index


def render_message(record: MessageRecord) -> Text:
    """The message as the user sees it: text with entity styles."""
    plain = record.text or f"[{record.kind}]"
    rendered = Text(plain)
    index = _utf16_index(plain)
    for entity in record.entities:
        start, length = int(entity["offset"]), int(entity["length"])
        if start + length >= len(index):
            continue
        style = _STYLES.get(str(entity.get("type")))
        if entity.get("type") == "text_link":
            style = f"underline blue link {entity.get('url')}"
        if style:
            rendered.stylize(style, index[start], index[start + length])
    return rendered


class ShellChat:
    """The terminal side of the conversation: injects input, prints what the bot did."""

    def __init__(
        self,
        client: BotClient,
        user: User,
        console: Console,
        *,
        quiet: float = QUIET_SECONDS,
        files: Path | None = None,
        busy: Callable[[], bool] = lambda: False,
    ) -> None:
        self.client = client
        self.busy = busy  # True while the bot still has an update of ours in hand
        self.user = user
        self.console = console
        self.quiet = quiet
        self.files = files  # where the files the bot sends are saved (None: not saved)
        self.buttons: list[tuple[MessageRecord, dict[str, Any]]] = []
        self.last_user_message: Injected | None = None
        self._edits: dict[int, int] = {}
        self._new_reply = True  # the next keyboard shown starts the numbering again

    # -------------------------------------------------------------- output
    def _snapshot(self) -> tuple[int, tuple[int, ...]]:
        messages = self.client.messages(self.user)
        return len(messages), tuple(m.edit_count for m in messages)

    def show(self, record: MessageRecord, *, edited: bool = False) -> None:
        title = "政策助手(已更新)" if edited else "政策助手"
        self.console.print(Panel(render_message(record), title=title, title_align="left"))
        self._save_file(record)
        self._show_buttons(record)

    def _save_file(self, record: MessageRecord) -> None:
        """A document or photo the bot sent, saved under ``files``; its path is printed."""
        sent = record.document or (record.payload.get("photo") or [None])[-1]
        if self.files is None or not isinstance(sent, dict):
            return
        name = Path(str(sent.get("file_name") or f"{record.kind}-{record.message_id}")).name
        path = self.files / f"{record.message_id}-{name}"
        try:
            self.files.mkdir(parents=True, exist_ok=True)
            path.write_bytes(self.client.file_bytes(str(sent["file_id"])))
        except (OSError, LookupError) as exc:
            self.console.print(f"[red]文件未能保存:{exc}[/red]")
            return
        self.console.print(f"[dim]文件已保存到 {path}[/dim]")

    def _show_buttons(self, record: MessageRecord) -> None:
        """Number the message's buttons after those of the reply's earlier messages: a
        reply of options and a 继续 button under them keeps both pressable, as in a chat."""
        kept = [(r, b) for r, b in self.buttons if r.message_id != record.message_id]
        if not record.buttons:
            self.buttons = kept  # the keyboard we numbered is gone
            return
        self.buttons = [] if self._new_reply else kept
        self._new_reply = False
        first = len(self.buttons) + 1
        self.buttons += [(record, button) for button in record.buttons]
        labels = [f"[{n}] {b.get('text', '')}" for n, b in enumerate(record.buttons, first)]
        self.console.print(Text("  " + "   ".join(labels), style="cyan"))

    def _show_changes(self) -> bool:
        shown, self._new_reply = False, True
        for record in self.client.unread(self.user):
            self._edits[record.message_id] = record.edit_count
            self.show(record)
            shown = True
        self.client.mark_read(self.user)
        for record in self.client.messages(self.user):
            if record.edit_count > self._edits.get(record.message_id, 0):
                self._edits[record.message_id] = record.edit_count
                if record.edits and record.edits[-1] == record.text:  # only buttons changed
                    self._show_buttons(record)
                    continue
                self.show(record, edited=True)
                shown = True
        return shown

    async def _settle(self, done: Callable[[], bool]) -> None:
        """Wait for the bot to react, then until it has been quiet for a moment."""
        try:
            await self.client.wait_for(lambda: True if done() else None, REPLY_TIMEOUT, "reply")
        except TimeoutError:
            self.console.print("[dim](机器人没有回复)[/dim]")
            return
        # Quiet alone is not enough on a loaded machine: a handler may be saving its state
        # before it sends the next prompt. The prompt returns once nothing changed for
        # ``quiet`` seconds and the bot has no update in hand (bounded by REPLY_TIMEOUT).
        deadline = asyncio.get_running_loop().time() + REPLY_TIMEOUT
        while True:
            before = self._snapshot()
            await asyncio.sleep(self.quiet)
            settled = self._snapshot() == before and not self.busy()
            if settled or asyncio.get_running_loop().time() > deadline:
                return

    # -------------------------------------------------------------- input
    async def handle(self, line: str) -> bool:
        """Process one input line; False means quit."""
        line = line.strip()
        if not line:
            return True
        if line in QUIT:
            return False
        if line in ("!help", "?"):
            self.console.print(HELP)
            return True
        before = self._snapshot()
        query: Injected | None = None
        if line.isdigit():
            query = await self._press(int(line))
            if query is None:
                return True
        elif line.startswith("!"):
            if await self._special(line):
                return True
        else:
            self.last_user_message = await self.client.send_message(self.user, line)

        def reacted() -> bool:
            answered = query is not None and self.client.callback_answer(query) is not None
            return answered or self._snapshot() != before

        await self._settle(reacted)
        if query is not None and (answer := self.client.callback_answer(query)) and answer.text:
            self.console.print(f"[yellow]💬 {answer.text}[/yellow]")
        self._show_changes()
        return True

    async def _press(self, number: int) -> Injected | None:
        if not 1 <= number <= len(self.buttons):
            self.console.print("[red]没有这个按钮编号。[/red]")
            return None
        record, button = self.buttons[number - 1]
        if "url" in button:
            self.console.print(f"链接:{button['url']}")
            return None
        data = str(button.get("callback_data", ""))
        try:
            return await self.client.press_button(self.user, record, callback_data=data)
        except (LookupError, ValueError):
            self.console.print("[red]这个按钮已不存在。[/red]")
            return None

    async def switch_user(self, user_id: int) -> None:
        """``!as USER_ID``: play another user (created on first use); shows what they got."""
        try:
            self.user = self.client.world.user(user_id)
        except LookupError:
            self.user = await self.client.create_user(f"用户{user_id}", user_id=user_id)
        self.buttons, self.last_user_message = [], None
        self._edits = {m.message_id: m.edit_count for m in self.client.messages(self.user)}
        self.console.print(f"[dim]现在的身份:{self.user.first_name}({user_id})[/dim]")
        self._show_changes()

    async def _special(self, line: str) -> bool:
        """``!`` commands; True when fully handled here (no bot reply to wait for)."""
        command, _, rest = line.partition(" ")
        if command == "!as" and rest.strip().isdigit():
            await self.switch_user(int(rest.strip()))
            return True
        if command == "!inline":
            injected = await self.client.inline_query(self.user, rest)
            answer = await self.client.wait_for_inline_answer(injected, REPLY_TIMEOUT)
            for n, result in enumerate(answer.results, 1):
                self.console.print(f"  {n}. [bold]{result.get('title')}[/bold]")
                self.console.print(f"     [dim]{result.get('description', '')}[/dim]")
            if not answer.results:
                self.console.print("[dim](没有结果)[/dim]")
            return True
        if command == "!edit" and self.last_user_message is not None and rest:
            await self.client.edit_message(self.user, self.last_user_message, rest)
        elif command == "!sticker":
            await self.client.send_sticker(self.user)
        elif command == "!photo":
            await self.client.send_photo(self.user)
        elif command == "!voice":
            await self.client.send_voice(self.user)
        elif command == "!file":
            await self.client.send_document(self.user, "申请表.pdf", b"%PDF-1.4")
        elif command == "!upload" and rest:
            found = await asyncio.to_thread(_read_upload, rest)
            if found is None:
                self.console.print(f"[red]找不到文件:{rest.strip()}[/red]")
                return True
            await self.client.send_document(self.user, *found)
        else:
            self.console.print(HELP)
            return True
        return False


def _read_upload(text: str) -> tuple[str, bytes] | None:
    """(file name, content) of a local file for ``!upload``; None when there is none."""
    path = Path(text.strip()).expanduser()
    return (path.name, path.read_bytes()) if path.is_file() else None


async def _terminal_lines(prompt: str) -> AsyncIterator[str]:
    while True:
        try:
            yield await asyncio.to_thread(input, prompt)
        except EOFError:
            return


def _busy(application: Application[Any, Any, Any, Any, Any, Any]) -> bool:
    """Whether the bot has fetched updates it has not finished handling."""
    processor = application.update_processor
    return processor.current_concurrent_updates > 0 or not application.update_queue.empty()


async def chat(
    settings: Settings,
    *,
    knowledge: KnowledgeBase,
    engine: Engine,
    lines: AsyncIterator[str] | None = None,
    console: Console | None = None,
    quiet: float = QUIET_SECONDS,
) -> None:
    """Run the local Bot API and the bot, and converse until the input ends or /quit.

    ``quiet``: how long the bot must stay silent before the prompt returns."""
    console = console or Console(highlight=False)
    local = settings.model_copy(update={"telegram_token": SecretStr(SHELL_TOKEN)})
    async with LocalBotAPI(limits=Limits.relaxed()) as api:
        api.register_bot(SHELL_TOKEN, username=SHELL_USERNAME, first_name="政策助手")
        application = build_application(
            local,
            knowledge=knowledge,
            engine=engine,
            base_url=api.bot_api_url,
            base_file_url=api.file_url,
            channel="shell",
        )
        client = api.client(SHELL_TOKEN)
        user = await client.create_user("体验用户", user_id=SHELL_USER_ID, language_code="zh-hans")
        async with running(application, poll_timeout=1):
            files = settings.data_dir / "shell-files"
            session = ShellChat(
                client, user, console, quiet=quiet, files=files, busy=lambda: _busy(application)
            )
            console.print(Panel(HELP, title="policybot shell", title_align="left"))
            async for line in lines or _terminal_lines("你> "):
                if not await session.handle(line):
                    break
    console.print("再见!")


def main(settings: Settings, *, knowledge: KnowledgeBase, engine: Engine) -> None:
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C leaves quietly
        asyncio.run(chat(settings, knowledge=knowledge, engine=engine))
