"""Fuzzing: Hypothesis feeds ≥ 10,000 generated updates (texts, commands, forged
callback data, media, edits, group and channel posts, inline queries) from users in every
role into the real Application. Pass: no unhandled exception reaches the error handler,
every private update gets an answer (or is one of the deliberate silences below), and the
database stays consistent. The number of updates fed is written per database to
``test-artifacts/fuzz-count-<database>.txt``.

Deliberate silences: updates outside private chats (group messages not addressed to the
bot, channel posts), edited messages that are commands or carry no question, and
``chosen_inline_result``. Everything else in a private chat must make the bot call at least
one method the user sees (a message, an edit, a callback answer, an inline answer).

The bot calls the local Bot API in-process: what is fuzzed is the updates and the
handlers, and the server code that checks each call is the same. One test,
``test_fuzz_texts_over_http``, sends fuzzed texts with the bot's calls over loopback
HTTP (HTTPX to aiohttp), so that the characters the replies quote back cross a real wire.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import registry
from policybot_localapi.api import Injected, MessageRecord, User
from tests.fuzz.fuzz_support import ARTIFACTS, ROLES, FuzzWorld, consistency_problems, session_on

MIN_UPDATES = 10_000
SCALE = float(os.environ.get("POLICYBOT_FUZZ_SCALE", "1"))  # <1 for a quick local run


def examples(n: int) -> int:
    return max(1, int(n * SCALE))


FUZZ = settings(
    deadline=None,
    database=None,  # the same examples are not replayed from a local database
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# every declared command (bot/registry.py), and a few that do not exist
ALL_COMMANDS = sorted(
    {command.name for command in registry.commands()} | {"eligibility", "nosuchcommand", "START"}
)
CALLBACK_TEMPLATES = [
    "card:{a}:{r}", "fb:up:{n}:{r}", "fb:down:{n}:{r}", "brw:root", "brw:cat:{n}",
    "brw:lvl:{n}:{w}", "brw:page:{n}:{w}:{n}", "srch:page:{n}:{n}", "role:{w}",
    "role:handler", "role:legal", "role:citizen", "role:admin", "role:commissioner",
    "elig:cancel", "elig:resume", "elig:start:{r}", "elig:ans:{w}:{n}", "elig:back:{n}",
    "elig:skip:{w}", "elig:save:{n}", "prof:view", "prof:edit", "prof:match", "prof:del",
    "prof:del:ok", "prof:cancel", "prof:forget:no", "prof:forget:ok", "prof:field:{w}",
    "prof:ans:{w}:{n}", "prof:unset:{w}", "sub:new", "sub:list", "sub:prefs", "sub:delall",
    "sub:delall:ok", "sub:kind:topic", "sub:kind:profile", "sub:cad:daily", "sub:quiet:{n}",
    "sub:time:+", "sub:wd:{n}", "sub:edit:{n}", "sub:del:{n}", "sub:save:{n}",
    "sub:cancel:{n}", "sub:go:{n}:cat", "sub:any:{n}:lvl", "sub:tog:{n}:dist:{n}",
    "bc:all:{n}", "bc:roles:{n}", "bc:ok:{n}", "bc:no:{n}", "bc:role:{n}:{n}",
    "bc:cat:{n}:{n}", "tk:acc:{t}", "tk:view:{t}", "tk:att:{t}", "tk:back:{t}",
    "tk:close:{t}", "tk:tr:{t}", "tk:asg:{t}", "tk:rep:{t}", "tk:info:{t}", "tk:done:{t}",
    "tk:ret:{t}", "tk:tod:{t}", "tk:erep:{t}", "tk:drep:{t}", "tk:asgu:{t}:{u}",
    "tk:rate:{t}:{n}", "tk:trd:{t}:{n}", "tk:cancel", "tk:skip", "tk:{w}:{n}",
    "req:cat:{n}", "req:area:{w}", "req:submit:{n}", "req:back", "req:cancel", "req:done",
    "req:skip", "req:use", "kbu:pub:{n}", "kbu:lvl:{n}", "kbu:back:{n}", "kbu:no:{n}",
    "kbu:ask:{n}:reg", "kbu:set:{n}:p", "kbq:open:{n}", "kbq:off:{n}", "kbq:att:{n}:{r}",
    "adm:grant", "adm:cancel", "adm:rv:{u}", "adm:role:c", "adm:role:a", "adm:area:{w}",
    "tkq:send", "tkq:ask", "clar:{n}:none", "clar:{n}:{n}:{r}", "flow:go", "flow:cancel",
]  # fmt: skip


def test_every_declared_button_prefix_is_fuzzed() -> None:
    """A feature's new buttons get forged data too (bot/registry.py declares them)."""
    literals = {template.split("{")[0] for template in CALLBACK_TEMPLATES}
    prefixes = {b.prefix for feature in registry.FEATURES for b in feature.buttons}
    missing = [
        prefix
        for prefix in sorted(prefixes)
        if not any(prefix.startswith(lit) or lit.startswith(prefix) for lit in literals)
    ]
    assert missing == [], "add callback templates for these prefixes"


TEXT_ALPHABET = st.one_of(
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),  # CJK
    st.characters(min_codepoint=0x0590, max_codepoint=0x06FF),  # Hebrew, Arabic (RTL)
    st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF),  # emoji
    st.characters(min_codepoint=0, max_codepoint=0x1F),  # control characters
    st.sampled_from(list("\u200b\u200e\u200f\u202e\ufeff\u3000 /@<>&\"'%{}#:~\\")),
    st.characters(codec="utf-8"),
)
texts = st.one_of(
    st.text(TEXT_ALPHABET, max_size=60),
    st.text(TEXT_ALPHABET, min_size=1, max_size=8).flatmap(
        lambda piece: st.integers(1, 10_000 // len(piece)).map(lambda n: piece * n)
    ),
    st.sampled_from(["个体户转成公司有奖励吗", "融资担保肥率", "個體戶轉企業有獎勵嗎", "贷款", ""]),
)
numbers = st.one_of(
    st.integers(0, 20), st.integers(-(2**63), 2**63), st.sampled_from(["", "x", "-1", "1e9"])
)
words = st.one_of(st.text(TEXT_ALPHABET, max_size=12), st.sampled_from(["区", "市", "all", "x"]))
roles = st.sampled_from(ROLES)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FuzzWorld]:
    """The same updates on SQLite, then on PostgreSQL (which refuses NUL characters and
    checks types and lengths that SQLite lets through). Each database's count has its own
    file: with several test workers the two legs may run in different processes."""
    fed = 0
    try:
        with session_on(request.param, tmp_path_factory.mktemp("fuzz"), "fuzz") as session:
            yield session.world
            fed = session.world.fed
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / f"fuzz-count-{request.param}.txt").write_text(f"{fed}\n", encoding="utf-8")


@pytest.fixture(scope="module")
def http_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzWorld]:
    """SQLite, the bot's calls over loopback HTTP."""
    with session_on(
        "sqlite", tmp_path_factory.mktemp("fuzz-http"), "fuzzhttp", over_http=True
    ) as session:
        yield session.world


def _check(world: FuzzWorld, injected: Injected, silent_ok: bool) -> None:
    outcome = world.run(world.feed(injected))
    errors = world.unexpected_errors()
    assert not errors, f"unhandled errors for {injected.kind} {injected.payload!r}: {errors}"
    if outcome.delivered and not silent_ok and not outcome.answered:
        pytest.fail(f"no answer to private {injected.kind}: {injected.payload!r}")


def _anchor(world: FuzzWorld, user: User) -> MessageRecord:
    client = world.client
    for record in reversed(client.messages(user.id)):
        if record.from_bot:
            return record
    raise AssertionError("no bot message to press buttons on")


@settings(FUZZ, max_examples=examples(3200))
@given(role=roles, text=texts)
def test_fuzz_private_texts(world: FuzzWorld, role: str, text: str) -> None:
    user = world.people[role]
    injected = world.run(world.client.send_message(user, text))
    _check(world, injected, silent_ok=False)


@settings(FUZZ, max_examples=examples(300))
@given(role=roles, text=texts, search=st.booleans())
def test_fuzz_texts_over_http(http_world: FuzzWorld, role: str, text: str, search: bool) -> None:
    """Plain texts, and /search queries (whose reply quotes the query back)."""
    world = http_world
    user = world.people[role]
    if search:
        injected = world.run(world.client.send_command(user, "search", text))
    else:
        injected = world.run(world.client.send_message(user, text))
    _check(world, injected, silent_ok=False)


@settings(FUZZ, max_examples=examples(1500))
@given(
    role=roles,
    command=st.sampled_from(ALL_COMMANDS),
    args=st.one_of(st.just(""), texts, numbers.map(str), st.just("{ticket}")),
    mention=st.booleans(),
)
def test_fuzz_commands(world: FuzzWorld, role: str, command: str, args: str, mention: bool) -> None:
    user = world.people[role]
    args = args.replace("{ticket}", world.ticket_number)
    injected = world.run(world.client.send_command(user, command, args, with_username=mention))
    _check(world, injected, silent_ok=False)


@settings(FUZZ, max_examples=examples(3800))
@given(
    role=roles,
    template=st.sampled_from(CALLBACK_TEMPLATES),
    fill=st.fixed_dictionaries(
        {
            "a": st.sampled_from(["show", "full", "rel", "check", "sub", "human", "x"]),
            "r": st.sampled_from(["wh-sme-2023:2.2.6", "wh-sme-2023:1", "~0123456789ab", "x"]),
            "n": numbers,
            "w": words,
            "t": st.one_of(st.just("T"), numbers),
            "u": st.sampled_from(["9100004", "9100002", "1", "0"]),
        }
    ),
    raw=st.one_of(st.none(), st.binary(max_size=64), st.text(TEXT_ALPHABET, max_size=64)),
)
def test_fuzz_callbacks(
    world: FuzzWorld, role: str, template: str, fill: dict[str, object], raw: object
) -> None:
    user = world.people[role]
    if raw is None:
        values = {**fill, "t": world.ticket_id if fill["t"] == "T" else fill["t"]}
        data = template.format(**values)
    elif isinstance(raw, bytes):
        data = raw.decode("utf-8", errors="replace")
    else:
        data = str(raw)
    data = data.encode("utf-8")[:64].decode("utf-8", errors="ignore")
    injected = world.run(world.client.press_raw(user, _anchor(world, user), data))
    _check(world, injected, silent_ok=False)
    answer = world.client.callback_answer(injected.query_id)
    assert answer is not None, f"callback {data!r} was never answered"


KINDS = [
    "photo", "sticker", "document", "voice", "video", "location", "contact", "edited",
    "group_text", "group_mention", "group_command", "channel", "inline", "chosen",
]  # fmt: skip


@settings(FUZZ, max_examples=examples(2000))
@given(
    role=roles,
    kind=st.sampled_from(KINDS),
    text=texts,
    blob=st.binary(max_size=2048),
    filename=st.sampled_from(["a.txt", "b.md", "c.yaml", "d.docx", "e.pdf", "政策.txt"]),
    command=st.sampled_from(ALL_COMMANDS),
)
def test_fuzz_other_updates(
    world: FuzzWorld, role: str, kind: str, text: str, blob: bytes, filename: str, command: str
) -> None:
    client, user = world.client, world.people[role]
    caption = text[:1024] or None
    silent_ok = False
    match kind:
        case "photo":
            injected = world.run(client.send_photo(user, caption=caption))
        case "sticker":
            injected = world.run(client.send_sticker(user))
        case "document":
            injected = world.run(client.send_document(user, filename, blob, caption=caption))
        case "voice":
            injected = world.run(client.send_voice(user))
        case "video":
            injected = world.run(client.send_video(user))
        case "location":
            injected = world.run(client.send_location(user, 30.59, 114.30))
        case "contact":
            injected = world.run(client.send_contact(user, "13800138000", "张三"))
        case "edited":
            sent = world.run(client.send_message(user, "个体户转成公司有奖励吗"))
            _check(world, sent, silent_ok=False)
            injected = world.run(client.edit_message(user, sent, text))
            silent_ok = text.startswith("/") or not any(ch.isalnum() for ch in text)
        case "group_text" | "group_mention":
            injected = world.run(
                client.send_message(
                    user, text or "?", chat=world.group, mention_bot=kind == "group_mention"
                )
            )
            silent_ok = True
        case "group_command":
            injected = world.run(
                client.send_command(user, command, text[:50], chat=world.group, with_username=True)
            )
            silent_ok = True
        case "channel":
            injected = world.run(client.channel_post(world.channel, text or "通知"))
            silent_ok = True
        case "inline":
            injected = world.run(client.inline_query(user, text[:256]))
        case _:
            injected = world.run(client.choose_inline_result(user, text[:64] or "r", text[:64]))
            silent_ok = True
    _check(world, injected, silent_ok=silent_ok)


def test_fuzz_database_consistent_and_count(world: FuzzWorld) -> None:
    """Runs last in this module: the database after every update above, and the total."""
    assert consistency_problems(world.engine) == []
    assert not world.unexpected_errors()
    if SCALE >= 1:
        assert world.fed >= MIN_UPDATES, world.fed
