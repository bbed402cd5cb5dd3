"""Run the emulator in the foreground: python -m ssohelper.emulator --port 8765 --approve-after 3"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from collections.abc import Sequence
from typing import Any

from ssohelper.emulator.facade import Emulator


def _approve_after(value: str) -> int | None:
    if value == "never":
        return None
    count = int(value)
    if count < 1:
        raise argparse.ArgumentTypeError("must be >= 1, or 'never'")
    return count


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m ssohelper.emulator",
        description="Serve an SSO OIDC + SSO portal emulator on a loopback port until Ctrl-C.",
    )
    add = parser.add_argument
    add("--host", default="127.0.0.1")
    add("--port", type=int, default=0, help="0 picks a free port (default)")
    add(
        "--approve-after",
        dest="approve_after_polls",
        type=_approve_after,
        default=1,
        metavar="N|never",
        help="approve on the Nth CreateToken poll, and /authorize at once (default 1); "
        "never: approve at /verify, or with Allow on the /authorize page",
    )
    add("--deny", action="store_true", help="deny every sign-in (device code and browser)")
    add("--wrong-state", action="store_true", help="answer /authorize with a state that does not match")
    add("--bad-code", action="store_true", help="answer /authorize with a code CreateToken refuses")
    add("--slow-down", type=int, default=0, metavar="N", help="answer SlowDown N times first")
    add("--interval", type=int, default=1, help="polling interval to advertise (seconds)")
    add("--device-code-ttl", type=int, default=600, metavar="SECONDS")
    add("--token-ttl", type=int, default=3600, metavar="SECONDS")
    add("--role-ttl", type=int, default=3600, metavar="SECONDS")
    add("--no-refresh-tokens", dest="refresh_tokens", action="store_false")
    add(
        "--no-rotate-refresh-tokens",
        dest="rotate_refresh_tokens",
        action="store_false",
        help="a refresh answer carries no new refresh token (the old one stays valid)",
    )
    add("--latency", type=float, default=0.0, metavar="SECONDS")
    add("--dribble-ms", type=int, default=0, metavar="MS", help="send each answer one byte every MS ms")
    add("--throttle-rate", type=float, default=0.0, metavar="N", help="answer 429 past N portal calls a second")
    add("--throttle-burst", type=int, default=0, metavar="N", help="calls the throttle lets through at once")
    add("--answer-bytes", type=int, default=0, metavar="N", help="pad every portal answer to N bytes")
    add(
        "--sts-endpoint",
        metavar="URL",
        help="issue role credentials by STS AssumeRole at URL (moto in server mode), so that they "
        "act in the role's account",
    )
    add("--accounts", metavar="FILE", help="JSON fixture {account_id: {name, email, roles}}")
    return parser


def _load_accounts(path: str | None) -> dict[str, Any] | None:
    if path is None:
        return None
    with open(path, encoding="utf-8") as handle:
        accounts: dict[str, Any] = json.load(handle)
    return accounts


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    args = vars(_parser().parse_args(argv))
    host, port = args.pop("host"), args.pop("port")
    try:
        emulator = Emulator(accounts=_load_accounts(args.pop("accounts")), **args)
        emulator.start(host=host, port=port)
    except (OSError, ValueError, TypeError) as error:
        print(f"ssohelper emulator: cannot start: {error}", file=sys.stderr)
        return 1
    signal.signal(signal.SIGTERM, _raise_interrupt)
    print(f"ssohelper emulator listening on {emulator.url}", flush=True)
    print(
        f"Point clients at it with AWS_ENDPOINT_URL_SSO={emulator.url} "
        f"AWS_ENDPOINT_URL_SSO_OIDC={emulator.url}; Ctrl-C stops it.",
        file=sys.stderr,
        flush=True,
    )
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not interrupt stop()
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
