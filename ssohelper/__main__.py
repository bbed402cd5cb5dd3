"""Entry point. A credential_process cache hit is answered before the CLI framework loads."""

from __future__ import annotations

import sys
import time


def main() -> int:
    started = time.monotonic()  # credential-process's 55 s budget counts from here
    argv = sys.argv[1:]
    if argv[:1] == ["credential-process"]:
        from ssohelper.fastpath import serve_cached

        try:
            code = serve_cached(argv[1:])
        except KeyboardInterrupt:  # while waiting for another process's fetch
            sys.stderr.write("\nssohelper: interrupted; nothing was changed\n")
            return 130
        if code is not None:
            return code
    if "site" not in sys.modules:  # started by the launcher (python -IS): the CLI needs site-packages
        import site

        site.main()
    from ssohelper.cli.app import run

    return run(argv, started=started)


if __name__ == "__main__":
    sys.exit(main())
