"""Entry script frozen by PyInstaller (see packaging/ireti_till.spec).

It only hands over to ``ireti_till.cli:main`` (which dispatches sub-commands and starts the
GUI when there is none), plus one packaging-only switch, ``--bundle-check``, that checks the
frozen bundle itself: version stamp, Stripe CA bundle, migrations, keyring backends, font,
and that Qt starts on the offscreen platform. The real health check is ``ireti-till doctor``.
"""

from __future__ import annotations

import sys


def main() -> int:
    if sys.argv[1:2] == ["--bundle-check"]:
        from ireti_bundle_check import run

        return run(sys.argv[2:])
    from ireti_till.cli import main as cli_main

    return cli_main()


if __name__ == "__main__":
    raise SystemExit(main())
