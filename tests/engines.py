"""Real engines for the tests: a PostgreSQL server started for the session, a local Spark session, DuckDB.

`postgres_server()` runs initdb and pg_ctl on a temporary folder with a free port on 127.0.0.1 (as the `postgres`
system user when the tests run as root: initdb refuses root), trusting local connections, and stops it at the end.
No mocks: the engine tests run the real SQL that a client's database would run.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pandas as pd

PG_BIN_DIRS = [Path(p) for p in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)]


def pg_binary(name: str) -> str | None:
    """Path of a PostgreSQL server program (initdb, pg_ctl), from PATH or /usr/lib/postgresql/<version>/bin."""
    found = shutil.which(name)
    if found:
        return found
    for folder in PG_BIN_DIRS:
        if (folder / name).is_file():
            return str(folder / name)
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_user(command: list[str]) -> list[str]:
    """Run as the `postgres` system user when we are root (initdb and postgres refuse to run as root)."""
    if os.geteuid() != 0:
        return command
    runuser = shutil.which("runuser")
    if runuser:
        return [runuser, "-u", "postgres", "--", *command]
    return ["su", "postgres", "-s", "/bin/sh", "-c", " ".join(command)]


@contextlib.contextmanager
def postgres_server(database: str = "clv"):
    """Yield the URL of a fresh PostgreSQL server on 127.0.0.1 (trust authentication), stopped at exit."""
    initdb, pg_ctl = pg_binary("initdb"), pg_binary("pg_ctl")
    if not initdb or not pg_ctl:
        raise RuntimeError("PostgreSQL server programs (initdb, pg_ctl) not found; install the postgresql package")
    folder = Path(tempfile.mkdtemp(prefix="clv-pg-"))
    data, sockets = folder / "data", folder / "run"
    sockets.mkdir()
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        shutil.chown(sockets, "postgres")
    port = free_port()
    user = "postgres" if os.geteuid() == 0 else os.environ.get("USER", "postgres")
    run = lambda cmd: subprocess.run(_as_user(cmd), check=True, capture_output=True, text=True)  # noqa: E731
    try:
        run([initdb, "-D", str(data), "-A", "trust", "-U", user, "-E", "UTF8", "--locale=C"])
        run([pg_ctl, "-D", str(data), "-l", str(folder / "log.txt"), "-w", "-t", "60", "start", "-o",
             f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"])
        _createdb(user, port, database)
        yield f"postgresql://{user}@127.0.0.1:{port}/{database}"
    finally:
        subprocess.run(_as_user([pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"]), capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def _createdb(user: str, port: int, database: str) -> None:
    import psycopg

    deadline = time.time() + 30
    while True:
        try:
            with psycopg.connect(host="127.0.0.1", port=port, user=user, dbname="postgres", autocommit=True) as c:
                c.execute(f'CREATE DATABASE "{database}"')
            return
        except psycopg.OperationalError:
            if time.time() > deadline:
                raise
            time.sleep(0.2)


CDNOW = Path(__file__).parent / "data" / "CDNOW_sample.txt"


def cdnow_table() -> pd.DataFrame:
    """The CDNOW sample's five columns (tests/data, Fader, Hardie & Lee 2005), typed as a database would hold them."""
    raw = pd.read_csv(CDNOW, sep=r"\s+", header=None, names=["master_id", "customer_id", "day", "cds", "amount"],
                      dtype={"master_id": str, "customer_id": str, "day": str})
    raw["day"] = pd.to_datetime(raw["day"], format="%Y%m%d").astype("datetime64[us]")
    return raw
