"""A throwaway PostgreSQL cluster for the back-office tests (DESIGN §13).

PostgreSQL refuses to run as root, so the cluster belongs to the unprivileged user
``pgtest`` (created if missing). It lives in a temp dir, listens on 127.0.0.1 on a free port
and is stopped at the end. If PostgreSQL is not installed the tests fail (never skip) with a
message naming the Debian package."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

PG_BIN = Path(os.environ.get("IRETI_PG_BIN", "/usr/lib/postgresql/15/bin"))
USER = "pgtest"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgCluster:
    def __init__(self) -> None:
        if not (PG_BIN / "initdb").exists():
            raise RuntimeError(
                f"PostgreSQL is not installed ({PG_BIN}/initdb missing): the back-office tests "
                "need a real server. Install the Debian package: "
                "apt-get install -y --no-install-recommends postgresql")
        self.root = Path(tempfile.mkdtemp(prefix="ireti-pg-"))
        self.data = self.root / "data"
        self.sock = self.root / "sock"
        self.log = self.root / "pg.log"
        self.port = free_port()
        self._as_root = os.geteuid() == 0
        if self._as_root:
            try:
                pwd.getpwnam(USER)
            except KeyError:
                subprocess.run(["useradd", "-M", "-s", "/usr/sbin/nologin", USER], check=True)
            pw = pwd.getpwnam(USER)
            os.chmod(self.root, 0o755)
        self.sock.mkdir()
        if self._as_root:
            for p in (self.root, self.sock):
                os.chown(p, pw.pw_uid, pw.pw_gid)
        self._run(["initdb", "-A", "trust", "-U", "ireti", "-D", str(self.data), "-E", "UTF8",
                   "--no-sync"])
        self.start()
        self._run(["createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "ireti", "ireti"])

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://ireti@127.0.0.1:{self.port}/ireti"

    def _run(self, argv: list[str]) -> None:
        cmd = [str(PG_BIN / argv[0]), *argv[1:]]
        if self._as_root:
            cmd = ["setpriv", f"--reuid={USER}", f"--regid={USER}", "--clear-groups", *cmd]
        res = subprocess.run(cmd, capture_output=True, text=True, cwd=self.root, check=False)
        if res.returncode != 0:
            log = self.log.read_text() if self.log.exists() else ""
            raise RuntimeError(f"{argv[0]} failed: {res.stdout}{res.stderr}\n{log[-2000:]}")

    def start(self) -> None:
        opts = (f"-p {self.port} -k {self.sock} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c max_connections=200")
        self._run(["pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", opts, "-w",
                   "start"])

    def stop(self, mode: str = "fast") -> None:
        self._run(["pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop"])

    def create_database(self, name: str) -> str:
        self._run(["createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "ireti", name])
        return f"postgresql+psycopg://ireti@127.0.0.1:{self.port}/{name}"

    def close(self) -> None:
        with contextlib.suppress(RuntimeError):
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)
