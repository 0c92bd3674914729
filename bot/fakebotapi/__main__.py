"""``python -m bot.fakebotapi [--port N] [--token T] [--username U] [--demo]``: run the fake
standalone.  Prints the bot's base URLs and the rehearsal page's URL."""

from __future__ import annotations

import argparse
import threading

from .api import FakeBotAPI
from .demo import build_demo_world


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Fake Telegram Bot API server (127.0.0.1).")
    parser.add_argument("--port", type=int, default=0, help="port (default: ephemeral)")
    parser.add_argument("--token", default="123:TEST", help="bot token to accept")
    parser.add_argument("--username", default="circle_test_bot", help="bot username")
    parser.add_argument(
        "--demo",
        action="store_true",
        help='create a group "Reading group" with Ada (organizer), Alice and Bob',
    )
    args = parser.parse_args(argv)
    api = FakeBotAPI(bot_token=args.token, bot_username=args.username, port=args.port)
    if args.demo:
        build_demo_world(api)
    api.start()
    print(f"base_url={api.base_url}", flush=True)
    print(f"base_file_url={api.base_file_url}", flush=True)
    print(f"token={api.token}", flush=True)
    print(f"page={api.page_url}", flush=True)
    print(f"control={api.control_url}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        api.stop()


if __name__ == "__main__":
    main()
