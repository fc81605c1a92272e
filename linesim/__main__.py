"""Command line: python -m linesim --port 8900 --webhook-url http://127.0.0.1:5000/callback ..."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from werkzeug.serving import make_server

from linesim import create_app


class _QuietPolling(logging.Filter):
    """Drop the chat page's once-a-second polling lines from the access log."""

    NOISE = ("GET /_sim/chat", "GET /_sim/users", "GET /static/")

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep every log line except the poller's."""
        message = record.getMessage()
        return not any(n in message for n in self.NOISE)


def main(argv: list[str] | None = None) -> int:
    """Run the simulator with werkzeug's threaded server so the bot can call back during a webhook."""
    parser = argparse.ArgumentParser(prog="python -m linesim", description="Local LINE platform simulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8900)
    parser.add_argument("--webhook-url", default=os.environ.get("LINESIM_WEBHOOK_URL",
                                                                "http://127.0.0.1:5000/callback"))
    parser.add_argument("--channel-secret", default=os.environ.get("LINE_CHANNEL_SECRET"))
    parser.add_argument("--access-token", default=os.environ.get("LINE_CHANNEL_ACCESS_TOKEN"))
    parser.add_argument("--quota", type=int, default=300, help="monthly message quota (default 300)")
    parser.add_argument("--followers", type=int, default=None,
                        help="synthetic followers that broadcasts also count")
    parser.add_argument("--reply-token-ttl", type=float, default=60.0)
    args = parser.parse_args(argv)
    if not args.channel_secret or not args.access_token:
        parser.error("--channel-secret and --access-token are required "
                     "(or LINE_CHANNEL_SECRET / LINE_CHANNEL_ACCESS_TOKEN)")
    app = create_app(channel_secret=args.channel_secret, access_token=args.access_token,
                     webhook_url=args.webhook_url or None, monthly_quota=args.quota,
                     followers=args.followers, reply_token_ttl=args.reply_token_ttl)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("werkzeug").addFilter(_QuietPolling())
    server = make_server(args.host, args.port, app, threaded=True)
    base = f"http://{args.host}:{server.server_port}"
    print(f"linesim: chat page {base}/  (API host for the bot: {base}; webhooks -> {args.webhook_url})",
          flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
