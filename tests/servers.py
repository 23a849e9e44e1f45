"""Throw-away PostgreSQL and Redis servers started from local binaries (no Docker, no service).

Used by the test fixtures and the benchmarks. PostgreSQL refuses to run as root, so when the
tests run as root the cluster is owned by an unprivileged system user.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import redis

PG_USER = "gridcase-test"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_bin_dir() -> Path:
    """The PostgreSQL server binaries: ``GRIDCASE_PG_BIN`` or the newest Debian install."""
    configured = os.environ.get("GRIDCASE_PG_BIN")
    candidates = (
        [configured]
        if configured
        else sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    )
    for path in reversed(candidates):
        if path and (Path(path) / "initdb").exists():
            return Path(path)
    raise RuntimeError("PostgreSQL server binaries (initdb, pg_ctl) not found; set GRIDCASE_PG_BIN")


def _as_owner() -> list[str]:
    """Prefix to run a command as the unprivileged owner when we are root."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam(PG_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", PG_USER], check=True)
    return ["runuser", "-u", PG_USER, "--"]


@dataclass
class PostgresServer:
    data_dir: Path
    port: int
    bin_dir: Path

    @property
    def url(self) -> str:
        return self.url_for("gridcase")

    def url_for(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str, template: str | None = None) -> str:
        """Create a database (empty, or a copy of ``template``); its SQLAlchemy URL."""
        import psycopg

        copy = f' TEMPLATE "{template}"' if template else ""
        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True
        ) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"{copy}')
        return self.url_for(name)

    def drop_database(self, name: str) -> None:
        """Drop a database, closing whatever connections a test left open."""
        import psycopg

        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True
        ) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def start(self) -> None:
        """Start the server on its data directory and port; wait until it answers."""
        root = self.data_dir.parent
        opts = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {root / 'sock'} -c fsync=off "
            "-c full_page_writes=off -c synchronous_commit=off -c max_connections=200"
        )
        log = root / "server.log"
        subprocess.run(
            [*self._pg_ctl(), "-l", str(log), "-o", opts, "-w", "-t", "30", "start"],
            check=False,
            capture_output=True,
        )
        _wait(
            lambda: _pg_ready(self.port),
            30,
            lambda: log.read_text()[-2000:] if log.exists() else "",
        )

    def halt(self, mode: str = "immediate") -> None:
        """Stop the server, keeping its data (``start`` brings it back)."""
        subprocess.run(
            [*self._pg_ctl(), "-m", mode, "stop"],
            capture_output=True,
            check=False,
        )

    def _pg_ctl(self) -> list[str]:
        return [*_as_owner(), str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir)]

    def stop(self) -> None:
        self.halt()
        shutil.rmtree(self.data_dir.parent, ignore_errors=True)


def start_postgres(base_dir: Path) -> PostgresServer:
    """initdb + pg_ctl start on a free loopback port; fsync off (tests only)."""
    bin_dir = pg_bin_dir()
    owner = _as_owner()
    root = Path(base_dir) / "pg"
    root.mkdir(parents=True, exist_ok=True)
    data, sock = root / "data", root / "sock"
    sock.mkdir(exist_ok=True)
    if owner:
        shutil.chown(root, PG_USER)
        shutil.chown(sock, PG_USER)
        os.chmod(base_dir, 0o755)
    subprocess.run(
        [
            *owner,
            str(bin_dir / "initdb"),
            "-D",
            str(data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-locale",
            "-E",
            "UTF8",
        ],
        check=True,
        capture_output=True,
    )
    port = free_port()
    server = PostgresServer(data, port, bin_dir)
    server.start()
    server.create_database("gridcase")
    return server


def _pg_ready(port: int) -> bool:
    import psycopg

    try:
        psycopg.connect(f"host=127.0.0.1 port={port} user=postgres dbname=postgres").close()
        return True
    except psycopg.OperationalError:
        return False


@dataclass
class RedisServer:
    process: subprocess.Popen
    port: int

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)

    def flushall(self) -> None:
        self.client().flushall()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start_redis(base_dir: Path, port: int | None = None) -> RedisServer:
    """A private redis-server on a loopback port (a free one unless given), no persistence."""
    exe = shutil.which("redis-server")
    if exe is None:
        raise RuntimeError("redis-server not found; `make test` installs it with apt")
    port = port or free_port()
    workdir = Path(base_dir) / "redis"
    workdir.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(
        [
            exe,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = RedisServer(proc, port)

    def ready() -> bool:
        try:
            return bool(server.client().ping())
        except redis.ConnectionError:
            return False

    _wait(ready, 15, lambda: "")
    return server


def _wait(check, timeout: float, details) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise RuntimeError(f"server did not become ready in {timeout}s\n{details()}")
