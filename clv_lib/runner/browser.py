"""A headless Chromium started ahead of the PDF step and driven over its DevTools pipe.

`chromium --print-to-pdf` starts a browser for each report: about 1 s before it reads the page, on the report's
critical path after the HTML. `Browser.launch()` starts the same browser, with the same switches, while the
notebook runs; the PDF step then only loads the page and prints it (`Page.printToPDF`, with the switches' settings:
the page's own @page size, backgrounds, no header or footer; the same page images). The DevTools protocol goes
over two pipes the browser inherits as file descriptors 3 and 4 (`--remote-debugging-pipe`: JSON messages ended
by a NUL byte), so no port is opened.

Anything unexpected (no browser, a closed pipe, an error reply, a timeout) raises BrowserError, and the runner
prints with `--print-to-pdf` as before.
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

#: The switches of every headless print (also `--print-to-pdf`'s).
SWITCHES = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
            "--disable-quic")
#: `--print-to-pdf --no-pdf-header-footer` as Page.printToPDF parameters.
PRINT = {"printBackground": True, "preferCSSPageSize": True, "displayHeaderFooter": False}


class BrowserError(Exception):
    """The pipe to the browser failed; print the other way."""


def profile_env(profile: str) -> dict:
    """The browser's environment: its settings and caches in the run's own throw-away profile folder."""
    return {**os.environ, "HOME": profile, "XDG_CONFIG_HOME": profile, "XDG_CACHE_HOME": profile}


class Browser:
    def __init__(self, proc: subprocess.Popen, to_browser: int, from_browser: int, profile: str):
        self._proc, self._out, self._in, self._profile = proc, to_browser, from_browser, profile
        self._buffer = b""
        self._ids = 0
        self._events: list[dict] = []  # events that came while a reply was awaited
        self._stopping = False  # Browser.close sent (`stop`)

    @classmethod
    def launch(cls, executable: str) -> "Browser | None":
        """Start the browser now (it gets ready while the caller works); None when it cannot start."""
        profile = tempfile.mkdtemp(prefix="clv-chromium-")
        to_read, to_browser = os.pipe()  # the browser reads commands on fd 3
        from_browser, to_write = os.pipe()  # and writes replies on fd 4

        def as_fds_3_and_4() -> None:  # in the child, before exec
            a, b = os.dup(to_read), os.dup(to_write)
            os.dup2(a, 3)
            os.dup2(b, 4)

        try:
            proc = subprocess.Popen(
                [executable, *SWITCHES, f"--user-data-dir={profile}", "--remote-debugging-pipe", "about:blank"],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                env=profile_env(profile), preexec_fn=as_fds_3_and_4, close_fds=False)
        except OSError:
            for fd in (to_read, to_browser, from_browser, to_write):
                os.close(fd)
            shutil.rmtree(profile, ignore_errors=True)
            return None
        os.close(to_read)
        os.close(to_write)
        return cls(proc, to_browser, from_browser, profile)

    def print_pdf(self, html_path: Path, pdf_path: Path, timeout_s: float = 180.0) -> None:
        """Load `html_path` in a new tab and print it to `pdf_path`."""
        deadline = time.monotonic() + timeout_s
        target = self._call("Target.createTarget", {"url": "about:blank"}, deadline=deadline)["targetId"]
        session = self._call("Target.attachToTarget", {"targetId": target, "flatten": True},
                             deadline=deadline)["sessionId"]
        self._call("Page.enable", {}, session, deadline)
        self._call("Page.navigate", {"url": Path(html_path).resolve().as_uri()}, session, deadline)
        self._wait_for("Page.loadEventFired", session, deadline)
        data = self._call("Page.printToPDF", PRINT, session, deadline)["data"]
        Path(pdf_path).write_bytes(base64.b64decode(data))

    def stop(self) -> None:
        """Ask the browser to quit, without waiting: it shuts down (about 0.2-0.5 s) while the runner writes the
        client's index page; `close()` then waits for it."""
        if self._proc.poll() is None and not self._stopping:
            try:
                self._send("Browser.close", {})
                self._stopping = True
            except (BrowserError, OSError):
                pass

    def close(self) -> None:
        """Stop the browser and remove its profile folder."""
        try:
            if self._proc.poll() is None:
                if not self._stopping:
                    self._send("Browser.close", {})
                self._proc.wait(timeout=5)
        except (BrowserError, OSError, subprocess.TimeoutExpired):
            self._proc.kill()
            self._proc.wait()
        finally:
            for fd in (self._out, self._in):
                try:
                    os.close(fd)
                except OSError:
                    pass
            shutil.rmtree(self._profile, ignore_errors=True)

    # ---- the pipe ---------------------------------------------------------------------------------------------
    def _send(self, method: str, params: dict, session: str | None = None) -> int:
        self._ids += 1
        message = {"id": self._ids, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        data = json.dumps(message).encode("utf-8") + b"\0"
        try:
            while data:
                data = data[os.write(self._out, data):]
        except OSError as exc:
            raise BrowserError(f"the browser's pipe closed ({exc})") from None
        return self._ids

    def _receive(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._in], [], [], left)[0]:
                raise BrowserError("the browser did not answer in time")
            chunk = os.read(self._in, 1 << 20)
            if not chunk:
                raise BrowserError("the browser's pipe closed")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def _call(self, method: str, params: dict, session: str | None = None, deadline: float = 0.0) -> dict:
        sent = self._send(method, params, session)
        while True:
            message = self._receive(deadline)
            if message.get("id") == sent:
                if "error" in message:
                    raise BrowserError(f"{method}: {message['error'].get('message', message['error'])}")
                return message.get("result", {})
            if "method" in message:
                self._events.append(message)

    def _wait_for(self, name: str, session: str, deadline: float) -> None:
        def matches(message: dict) -> bool:
            return message.get("method") == name and message.get("sessionId") == session

        if any(matches(m) for m in self._events):
            return
        while not matches(self._receive(deadline)):
            pass
