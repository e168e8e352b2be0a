"""A throw-away PostgreSQL server for the tests: Debian's ``initdb`` and ``postgres`` in a temp dir.

One server per test session, started on first use (``server()``) on a free loopback port, with
password (SCRAM) authentication, and stopped by its PID when the session ends. ``postgres``
refuses to run as root: as root it runs as the ``postgres`` user that Debian's package creates
(else ``nobody``), through ``setpriv`` so that the PID we hold is the server's own.

Missing binaries skip the PostgreSQL tests on a developer machine and fail them when ``CI`` is
set (a CI run must never pass by running nothing), like the browser tests.
"""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

USER = "xm"


def binaries() -> Path | None:
    """The folder holding ``initdb`` and ``postgres`` (newest Debian version first), or None."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version, reverse=True)
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        candidates.insert(0, out.stdout.strip())
    for folder in candidates:
        if folder and all(os.access(Path(folder, b), os.X_OK) for b in ("initdb", "postgres")):
            return Path(folder)
    return None


def _version(folder: str) -> float:
    try:
        return float(Path(folder).parent.name)
    except ValueError:
        return 0.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PgServer:
    """A running server: ``url(db)`` for a store, ``admin()`` for a psycopg superuser connection."""

    bindir: Path
    root: Path
    port: int
    password: str
    run_as: list[str]
    process: subprocess.Popen[bytes] | None = None
    databases: list[str] = field(default_factory=list)

    @property
    def data(self) -> Path:
        return self.root / "data"

    def url(self, database: str, *, password: str | None = None) -> str:
        return f"postgresql://{USER}:{password or self.password}@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        log = open(self.root / "server.log", "ab")  # noqa: SIM115 (the server keeps it open)
        self.process = subprocess.Popen(
            [*self.run_as, str(self.bindir / "postgres"), "-D", str(self.data)],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=self.root,  # the server's user may not be allowed into the caller's folder
        )
        log.close()
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"postgres exited: {(self.root / 'server.log').read_text()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                import psycopg

                psycopg.connect(self._dsn("postgres"), connect_timeout=5).close()
                return
            except OSError:
                time.sleep(0.1)
            except Exception as exc:  # starting up: "the database system is starting up"
                if "starting up" not in str(exc) and "not yet accepting" not in str(exc):
                    raise
                time.sleep(0.1)
        raise RuntimeError("postgres did not accept connections within 300 s")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server by its PID: SIGTERM (smart), SIGINT (fast) or SIGQUIT (immediate)."""
        if self.process is None or self.process.poll() is not None:
            return
        sig = {"smart": signal.SIGTERM, "fast": signal.SIGINT, "immediate": signal.SIGQUIT}[mode]
        os.kill(self.process.pid, sig)
        try:
            # a fast shutdown ends with a checkpoint, which takes long on a busy machine
            self.process.wait(timeout=300)
        except subprocess.TimeoutExpired:
            # the server and its children form the process group we started it in
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def restart(self, mode: str = "fast") -> None:
        self.stop(mode)
        self.start()

    def _dsn(self, database: str) -> str:
        return f"host=127.0.0.1 port={self.port} user={USER} password={self.password} dbname={database}"

    def new_database(self, prefix: str = "t") -> str:
        """Create an empty database and return its name."""
        import psycopg

        name = f"{prefix}_{len(self.databases)}_{secrets.token_hex(3)}"
        with psycopg.connect(self._dsn("postgres"), autocommit=True) as con:
            con.execute(f'CREATE DATABASE "{name}"')
        self.databases.append(name)
        return name

    def cleanup(self) -> None:
        self.stop("fast")
        shutil.rmtree(self.root, ignore_errors=True)


def _run_as() -> tuple[list[str], int | None]:
    """Command prefix to run the server unprivileged, and the uid that must own its files."""
    if os.geteuid() != 0:
        return [], None
    for name in ("postgres", "nobody"):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        prefix = ["setpriv", f"--reuid={entry.pw_uid}", f"--regid={entry.pw_gid}", "--clear-groups"]
        return prefix, entry.pw_uid
    raise RuntimeError("running as root and neither a 'postgres' nor a 'nobody' user exists")


def _missing(why: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"PostgreSQL tests cannot run: {why}", pytrace=False)
    pytest.skip(f"PostgreSQL tests skipped (set CI=1 to make this an error): {why}")


def _skip_without_driver() -> None:
    try:
        import psycopg  # noqa: F401
        import sqlalchemy  # noqa: F401
    except ImportError as exc:
        _missing(f"{exc.name} is not installed (pip install 'xmwidgets[postgres]')")


_SERVER: PgServer | None = None


def server(*, durable: bool = False) -> PgServer:
    """The session's server, started on first use (skips or fails when it cannot run).

    Not ``durable`` (the tests): fsync off, which keeps every commit across server restarts
    (the OS keeps the pages) but not across a power cut, and makes checkpoints cheap. The
    benchmarks ask for a durable server.
    """
    global _SERVER
    _skip_without_driver()
    if _SERVER is not None:
        return _SERVER
    bindir = binaries()
    if bindir is None:
        _missing(
            "PostgreSQL's initdb/postgres are not installed (Debian: apt-get install postgresql; "
            "scripts/test.sh installs it)"
        )
        raise AssertionError("unreachable")
    run_as, uid = _run_as()
    root = Path(tempfile.mkdtemp(prefix="xmw-pg-"))
    os.chmod(root, 0o755)
    password = secrets.token_urlsafe(12)
    (root / "data").mkdir(mode=0o700)
    (root / "sockets").mkdir()
    pwfile = root / "pwfile"
    pwfile.write_text(password + "\n")
    if uid is not None:
        for part in (root / "data", root / "sockets", pwfile):
            os.chown(part, uid, -1)
    port = _free_port()
    init = [
        *run_as,
        str(bindir / "initdb"),
        "-D",
        str(root / "data"),
        "-U",
        USER,
        "--auth=scram-sha-256",
        f"--pwfile={pwfile}",
        "-E",
        "UTF8",
        "--locale=C",
        "--no-sync",
    ]
    done = subprocess.run(init, capture_output=True, text=True, cwd=root)
    if done.returncode != 0:
        raise RuntimeError(f"initdb failed: {done.stdout}{done.stderr}")
    pwfile.unlink()
    with open(root / "data" / "postgresql.conf", "a") as conf:
        conf.write(
            f"\nport = {port}\nlisten_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{root / 'sockets'}'\nmax_connections = 200\n"
            "shared_buffers = 64MB\nlog_min_messages = warning\n"
            + ("" if durable else "fsync = off\nfull_page_writes = off\n")
        )
    _SERVER = PgServer(bindir=bindir, root=root, port=port, password=password, run_as=run_as)
    _SERVER.start()
    atexit.register(_SERVER.cleanup)
    return _SERVER
