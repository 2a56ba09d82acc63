"""`make lab` starts JupyterLab on notebooks/ with the project's kernel selected, as root (Docker images, cloud
notebooks) and as a normal user. Each test waits for the server to answer, checks it, then stops it.

The normal user is `nobody` (uid 65534, no groups, its own empty home). Where the interpreter of `.venv` lives in
a folder only root can enter (pyenv under /root, as on CI), that user is also given the one capability to read and
search folders (`dac_read_search`): it still cannot write anything of root's, and Jupyter sees a non-root user.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "clv-lab-test"
NORMAL_USER = 65534  # nobody
pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port: int, path: str):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}?token={TOKEN}", timeout=5) as response:
        return json.loads(response.read())


def as_normal_user(command: list[str], read_root: bool = False) -> list[str]:
    caps = ["--inh-caps=+dac_read_search", "--ambient-caps=+dac_read_search"] if read_root else []
    return ["setpriv", f"--reuid={NORMAL_USER}", f"--regid={NORMAL_USER}", "--clear-groups", *caps, *command]


def run_lab(home: Path, prefix=None) -> dict:
    """Start `make lab`, wait until the server answers, return what it says, stop it."""
    port = free_port()
    command = ["make", "--no-print-directory", "lab",
               f"LAB_ARGS=--no-browser --port={port} --ServerApp.port_retries=0 --ServerApp.token={TOKEN}"]
    command = prefix(command) if prefix else command
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "JPY_", "MAKE"))}
    env.update(HOME=str(home), XDG_RUNTIME_DIR=str(home / "run"), CLV_PROJECT_ROOT=str(ROOT))
    log = home / "lab.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        while True:
            if proc.poll() is not None:
                pytest.fail(f"make lab exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
            try:
                specs = get(port, "/api/kernelspecs")
                break
            except (urllib.error.URLError, ConnectionError, OSError):
                if time.monotonic() > deadline:
                    pytest.fail(f"make lab did not answer within 180 s:\n{log.read_text()[-3000:]}")
                time.sleep(1)
        contents = get(port, "/api/contents")
        return {"specs": specs, "files": [item["name"] for item in contents["content"]], "log": log.read_text()}
    finally:
        stop(proc)


def stop(proc: subprocess.Popen) -> None:
    """Stop make and the server it started (its own process group)."""
    for sig, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def check(answer: dict) -> None:
    assert answer["specs"]["default"] == "clv-report"
    assert "clv-report" in answer["specs"]["kernelspecs"]
    assert "clv_report.ipynb" in answer["files"]  # the server's root is notebooks/
    assert "Running as root is not recommended" not in answer["log"]


@pytest.fixture()
def home():
    folder = Path(tempfile.mkdtemp(prefix="clv-lab-home-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_make_lab_starts_as_root(home):
    if os.geteuid() != 0:
        pytest.skip("this test runs as root (as CI does); `make lab` passes --allow-root only there")
    check(run_lab(home))


def test_make_lab_starts_as_a_normal_user(home):
    if os.geteuid() != 0:
        check(run_lab(home))  # already a normal user
        return
    if not shutil.which("setpriv"):
        pytest.skip("setpriv (util-linux) is needed to start the server as another user")
    os.chown(home, NORMAL_USER, NORMAL_USER)
    python = ["bash", "-c", f"{ROOT / '.venv' / 'bin' / 'python'} -c pass"]
    read_root = subprocess.run(as_normal_user(python), capture_output=True).returncode != 0
    if subprocess.run(as_normal_user(python, read_root=True), capture_output=True).returncode != 0:
        pytest.skip(f"an unprivileged user cannot reach {ROOT}: nothing to test there")
    check(run_lab(home, prefix=lambda command: as_normal_user(command, read_root)))
