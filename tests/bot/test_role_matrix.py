"""Role matrix: seven roles against every command and button that shows or
changes data. Each cell is allowed or refused; a refused cell must not show any of
enterprise A's data (ticket description, phone, enterprise name, profile revenue), and
forged callback data naming A's ticket is refused like any other access.

Roles: a stranger, enterprise A (filed the ticket, has a profile), enterprise B, the
commissioner of A's area (has the ticket), a commissioner of another area, a member of the
department the ticket was transferred to (in the department's group chat), and an admin
(``POLICYBOT_ADMIN_IDS``). The real Application processes every update (no mocks).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

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
# Refusals: "no right" (tickets) and "admins only"; a command the bot stays silent on (a
# private-only command sent in a group) is refused too. "不可用" (the ticket's state does
# not allow the action) is an authorised answer: access was checked first.
REFUSALS = ("无权", "仅限")

# item -> expected per role, in ROLES order
MATRIX: dict[str, str] = {
    # ---------------------------------------------------------------- commands
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
    # ---------------------------------------------------------------- ticket buttons
    "tk:view:{t}": "RARARAA",
    "tk:att:{t}": "RARARAA",
    "tk:acc:{t}": "RRRARRR",  # only its commissioner (who already accepted: 不可用)
    "tk:back:{t}": "RRRRRRA",
    "tk:asg:{t}": "RRRRRRA",
    "tk:asgu:{t}:{c}": "RRRRRRA",
    "tk:rate:{t}:1": "RARRRRR",  # only A (not resolved yet: 不可用)
    "tk:drep:{t}": "RRRRRAR",
    "tk:erep:{t}": "RARRRRR",
    "tk:close:{t}": "RRRRRRA",  # last: the ticket is closed afterwards
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
    for item, row in MATRIX.items():
        assert len(row) == len(ROLES), item
    problems: list[str] = []
    table: list[str] = []
    for item, row in MATRIX.items():
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
    size = f"role matrix: {len(ROLES)} roles x {len(MATRIX)} items = {len(ROLES) * len(MATRIX)}"
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "role-matrix.txt").write_text(f"{size}\n" + "\n".join(table) + "\n", "utf-8")
    print(size)  # noqa: T201 (shown with -s; the artefact above keeps it)
    assert not world.unexpected_errors()
    assert not problems, "\n".join(problems)
