"""Role matrix: seven roles against every declared command (bot/registry.py) and the
buttons that show or change data. Each cell is allowed or refused; a refused cell must
not show any of enterprise A's data (ticket description, phone, enterprise name,
profile revenue), and forged callback data naming A's ticket is refused like any other
access.

Roles: a stranger, enterprise A (filed the ticket, has a profile), enterprise B, the
commissioner of A's area (has the ticket), a commissioner of another area, a member of the
department the ticket was transferred to (in the department's group chat), and an admin
(``POLICYBOT_ADMIN_IDS``). The real Application processes every update (no mocks).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot import registry
from bot.features import Access, Chats
from policybot_localapi.api import Chat, Injected, MessageRecord, User
from tests.fuzz.fuzz_support import ARTIFACTS, SECRETS, FuzzSession, FuzzWorld, observe

ROLES = (
    "stranger",
    "enterprise",
    "other_enterprise",
    "commissioner",
    "other_commissioner",
    "department",
    "admin",
)
A = "A"  # allowed
R = "R"  # refused
# Refusals: "no right" (the ticket is not yours) and the guard's "仅限…使用" (the command
# or button is for another role); a command the bot stays silent on (a private-only
# command sent in a group) is refused too. "不可用" (the ticket's state does not allow
# the action) is an authorised answer: access was checked first.
REFUSALS = ("无权", "仅限")

# The matrix: item -> expected per role, in ROLES order. Every command declared in
# bot/registry.py needs a row (test_every_declared_command_has_a_row); the department
# acts in its group chat, so private-only commands are refused (ignored) there.
COMMAND_ROWS: dict[str, str] = {
    "/ticket {n}": "RARARAA",
    "/inbox": "RRRAAAR",  # commissioners' and departments' own inboxes (empty for others)
    "/queue": "RRRRRRA",
    "/report": "RRRRRRA",
    "/admin": "RRRRRRA",
    "/unanswered": "RRRRRRA",
    "/stats": "RRRRRRA",
    "/ebook": "RRRRRRA",
    "/broadcast": "RRRRRRA",
    "/kbadmin": "RRRRRRA",
    "/myrequests": "AAAAAAA",  # everyone sees their own (A's ticket only for A)
    "/profile": "AAAAARA",  # one's own profile (A's only for A); private chats only
    "/match": "AAAAARA",
    "/check": "AAAAARA",
    "/forget": "AAAAARA",  # asks first (prof:forget:ok is never pressed here)
    "/start": "AAAAAAA",
    "/help": "AAAAAAA",
    "/myid": "AAAAAAA",
    "/browse": "AAAAAAA",
    "/search 贷款": "AAAAAAA",
    "/subscriptions": "AAAAAAA",
    "/unsubscribe": "AAAAAAA",
    "/subscribe": "AAAAAAA",
    "/request": "AAAAAAA",  # in a group: "please use a private chat"
    "/resume": "AAAAAAA",
    "/cancel": "AAAAAAA",  # last: ends the flows the commands above opened
}  # fmt: skip
BUTTON_ROWS: dict[str, str] = {
    "tk:view:{t}": "RARARAA",
    "tk:att:{t}": "RARARAA",
    "tk:acc:{t}": "RRRARRR",  # only its commissioner (who already accepted: 不可用)
    "tk:back:{t}": "RRRRRRA",
    "tk:asg:{t}": "RRRRRRA",
    "tk:asgu:{t}:{c}": "RRRRRRA",
    "tk:rate:{t}:1": "RARRRRR",  # only A (not resolved yet: 不可用)
    "tk:drep:{t}": "RRRRRAR",
    "tk:erep:{t}": "RARRRRR",
    "tk:close:{t}": "RRRRRRA",  # last of the tickets: the ticket is closed afterwards
    # ---------------------------------------------------------------- profile / checks
    "prof:view": "AAAAAAA",  # the presser's own profile
    "prof:match": "AAAAAAA",
    "prof:edit": "AAAAAAA",
    "elig:resume": "AAAAAAA",
    "elig:cancel": "AAAAAAA",
    # ---------------------------------------------------------------- admin buttons
    "adm:grant": "RRRRRRA",
    "adm:rv:{c}": "RRRRRRA",
    "kbq:off:1": "RRRRRRA",
    "kbu:pub:1": "RRRRRRA",
    "bc:ok:1": "RRRRRRA",
}  # fmt: skip
NON_STAFF = ("stranger", "enterprise", "other_enterprise")


def _command(item: str) -> str:
    return item[1:].partition(" ")[0]


def matrix() -> dict[str, str]:
    """The items to run, generated from the declarations: the rows of the declared
    commands (in the order above: the tickets' before the others, /cancel last), then the
    buttons."""
    declared = {command.name for command in registry.commands()}
    rows = {item: row for item, row in COMMAND_ROWS.items() if _command(item) in declared}
    return {**rows, **BUTTON_ROWS}


def test_every_declared_command_has_a_row() -> None:
    declared = [command.name for command in registry.commands()]
    assert len(declared) == len(set(declared)), "a command is declared twice"
    covered = {_command(item) for item in COMMAND_ROWS}
    assert [name for name in declared if name not in covered] == [], "add a matrix row"
    assert sorted(covered - set(declared)) == [], "a row for a command nobody declares"


def test_rows_agree_with_the_declared_access() -> None:
    """Refused where the declaration says so: admin commands for all but the admin (in
    a private chat), staff commands for the enterprises and strangers, private-only
    commands in the department's group chat."""
    by_name = {command.name: command for command in registry.commands()}
    for item, row in COMMAND_ROWS.items():
        assert len(row) == len(ROLES), item
        command, cells = by_name[_command(item)], dict(zip(ROLES, row, strict=True))
        refused: set[str] = set()
        if command.access is Access.ADMIN:
            refused |= set(ROLES) - {"admin"}
        if command.access is Access.STAFF:
            refused |= set(NON_STAFF)
        if command.chats is Chats.PRIVATE:
            refused.add("department")
        wrong = [role for role in refused if cells[role] != R]
        assert wrong == [], f"{item}: declared {command.access.name}, allowed for {wrong}"


def test_button_rows_have_declared_prefixes() -> None:
    prefixes = {b.prefix for f in registry.FEATURES for b in f.buttons}
    assert [item for item in BUTTON_ROWS if not item.startswith(tuple(prefixes))] == []


# cells whose answer may show A's data because the role is allowed to see the ticket
SEES_TICKET = {"enterprise", "commissioner", "department", "admin"}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzWorld]:
    session = FuzzSession(tmp_path_factory.mktemp("matrix"))
    try:
        yield session.world
    finally:
        session.close()


def _where(world: FuzzWorld, role: str) -> tuple[User, Chat | None, int]:
    user = world.people[role]
    if role == "department":
        return user, world.department_chat, world.department_chat.id
    return user, None, user.id


def _anchor(world: FuzzWorld, chat_id: int) -> MessageRecord:
    for record in reversed(world.client.messages(chat_id)):
        if record.from_bot:
            return record
    raise AssertionError(f"no bot message in chat {chat_id}")


async def _inject(world: FuzzWorld, role: str, item: str) -> tuple[int, Injected]:
    user, chat, chat_id = _where(world, role)
    values = {
        "t": world.ticket_id,
        "n": world.ticket_number,
        "c": world.people["other_commissioner"].id,
    }
    filled = item.format(**values)
    client = world.client
    if filled.startswith("/"):
        command, _, args = filled[1:].partition(" ")
        injected = await client.send_command(
            user, command, args, chat=chat, with_username=chat is not None
        )
    else:
        if chat is not None and not any(r.from_bot for r in client.messages(chat_id)):
            await world.feed(await client.send_command(user, "myid", chat=chat, with_username=True))
        injected = await client.press_raw(user, _anchor(world, chat_id), filled, chat=chat)
    return chat_id, injected


def test_role_matrix(world: FuzzWorld) -> None:
    items = matrix()
    for item, row in items.items():
        assert len(row) == len(ROLES), item
    problems: list[str] = []
    table: list[str] = []
    for item, row in items.items():
        cells = ""
        for role, expected in zip(ROLES, row, strict=True):

            async def one(role: str = role, item: str = item) -> str:
                chat_id, injected = await _inject(world, role, item)
                return (await observe(world, chat_id, injected)).joined

            seen = world.run(one())
            silent = not seen.strip() and item.startswith("/")
            refused = silent or any(marker in seen for marker in REFUSALS)
            got = R if refused else A
            cells += got
            if got != expected:
                problems.append(f"{item} as {role}: expected {expected}, saw {seen[:160]!r}")
            leaked = [s for s in SECRETS if s in seen]
            may_see = role in SEES_TICKET and expected == A
            if leaked and not may_see:
                problems.append(f"LEAK {item} as {role}: {leaked}")
        table.append(f"{item:<22} {cells}")
    size = f"role matrix: {len(ROLES)} roles x {len(items)} items = {len(ROLES) * len(items)}"
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "role-matrix.txt").write_text(f"{size}\n" + "\n".join(table) + "\n", "utf-8")
    print(size)  # noqa: T201 (shown with -s; the artefact above keeps it)
    assert not world.unexpected_errors()
    assert not problems, "\n".join(problems)
