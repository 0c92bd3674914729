"""``python -m bot.fakebotapi [--port N] [--token T] [--username U]``: run the fake standalone."""

from __future__ import annotations

import argparse
import threading

from .api import FakeBotAPI


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Fake Telegram Bot API server (127.0.0.1).")
    parser.add_argument("--port", type=int, default=0, help="port (default: ephemeral)")
    parser.add_argument("--token", default="123:TEST", help="bot token to accept")
    parser.add_argument("--username", default="circle_test_bot", help="bot username")
    args = parser.parse_args(argv)
    api = FakeBotAPI(bot_token=args.token, bot_username=args.username, port=args.port).start()
    print(f"base_url={api.base_url}", flush=True)
    print(f"base_file_url={api.base_file_url}", flush=True)
    print(f"token={api.token}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        api.stop()


if __name__ == "__main__":
    main()
