"""``python -m policybot_localapi --port 8081 --token 123:ABC --username policybot_bot``."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from pathlib import Path

from policybot_localapi.limits import Limits
from policybot_localapi.server import LocalBotAPI

logger = logging.getLogger("policybot_localapi")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m policybot_localapi", description="Local stand-in for api.telegram.org"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081, help="0 picks a free port")
    parser.add_argument(
        "--token", action="append", default=[], help="bot token to accept (repeatable)"
    )
    parser.add_argument(
        "--username", action="append", default=[], help="bot username, one per --token"
    )
    parser.add_argument("--first-name", default="Policy Bot")
    parser.add_argument("--relaxed", action="store_true", help="disable flood control")
    parser.add_argument("--ready-file", type=Path, help="write the base URL here once serving")
    parser.add_argument("--log-level", default="INFO")
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    limits = Limits.relaxed() if args.relaxed else Limits.strict()
    api = LocalBotAPI(args.host, args.port, limits=limits)
    for index, token in enumerate(args.token):
        username = args.username[index] if index < len(args.username) else f"test{index}_bot"
        api.register_bot(token, username=username, first_name=args.first_name)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with api:
        if args.ready_file:
            args.ready_file.write_text(api.base_url + "\n", encoding="utf-8")
        logger.info("serving %d bot(s) at %s; Ctrl+C to stop", len(args.token), api.base_url)
        await stop.wait()


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
