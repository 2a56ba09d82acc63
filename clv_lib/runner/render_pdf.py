"""HTML -> PDF with the same HTML the client receives.

Engines, chosen by `PDF_ENGINE` (`auto` by default):
- `chromium`: a Chromium-family browser (Chromium, Google Chrome, Microsoft Edge) printing headless; found on
  PATH, at the usual macOS/Windows locations, or at `$CLV_CHROMIUM`.
- `weasyprint`: installed with the project by pip (needs the Pango system library, present on Debian/Ubuntu
  desktops and most servers; `brew install pango` on macOS).
- `auto`: a Chromium-family browser when one is found, else WeasyPrint.
- `none`: no PDF.
When no engine can run, RenderError says exactly what to install; the HTML is delivered anyway.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
import warnings
from pathlib import Path

from clv_lib.exceptions import Msg, RenderError, render_message
from clv_lib.runner.browser import SWITCHES, profile_env

ENGINES = ("auto", "chromium", "weasyprint", "none")
_BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome", "msedge",
                  "microsoft-edge")
_BROWSER_PATHS = (
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge",
    r"C:\Program Files\Google\Chrome\Application\chrome.exe",
    r"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe",
)
#: What to install when no PDF engine runs (clv_lib/errors.yaml, in the message's language; this is the English).
HINT = Msg("render.install_hint")
INSTALL_HINT = render_message("render.install_hint", "en", {})


def find_chromium() -> str | None:
    """Path of a Chromium-family browser, or None."""
    explicit = os.environ.get("CLV_CHROMIUM")
    if explicit:
        return explicit if Path(explicit).exists() or shutil.which(explicit) else None
    for name in _BROWSER_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return next((p for p in _BROWSER_PATHS if Path(p).exists()), None)


def choose_engine(requested: str) -> str:
    """Resolve `auto` to a concrete engine; validate the name."""
    requested = (requested or "auto").strip().lower()
    if requested not in ENGINES:
        raise RenderError(key="runner.bad_pdf_engine", requested=requested, engines=list(ENGINES))
    if requested == "auto":
        return "chromium" if find_chromium() else "weasyprint"
    return requested


def start_browser(engine: str):
    """For the chromium engine, a browser started now that the PDF step then uses (`clv_lib.runner.browser`:
    it starts while the notebook runs); else None. The caller closes it."""
    if engine != "chromium":
        return None
    from clv_lib.runner.browser import Browser  # noqa: PLC0415

    executable = find_chromium()
    return Browser.launch(executable) if executable else None


def html_to_pdf(html_path: Path, pdf_path: Path, engine: str, browser=None) -> str:
    """Print `html_path` to `pdf_path` with `engine` (already resolved); return the engine used. `browser`: one
    from `start_browser`, used when it answers; else the browser is started for this print."""
    if engine == "chromium":
        if not _print_in(browser, Path(html_path), Path(pdf_path)):
            _chromium(Path(html_path), Path(pdf_path))
    elif engine == "weasyprint":
        _weasyprint(Path(html_path), Path(pdf_path))
    else:
        raise RenderError(key="runner.bad_pdf_engine", requested=engine, engines=list(ENGINES))
    if not Path(pdf_path).exists() or Path(pdf_path).stat().st_size < 1000:
        raise RenderError(key="render.no_usable_pdf", engine=engine, hint=HINT)
    return engine


def _print_in(browser, html_path: Path, pdf_path: Path) -> bool:
    """Print with a browser started ahead; False when there is none or it failed (nothing is left written)."""
    if browser is None:
        return False
    from clv_lib.runner.browser import BrowserError

    try:
        browser.print_pdf(html_path, pdf_path)
        return True
    except (BrowserError, OSError, ValueError, KeyError):
        pdf_path.unlink(missing_ok=True)
        return False


def _chromium(html_path: Path, pdf_path: Path) -> None:
    browser = find_chromium()
    if not browser:
        raise RenderError(key="render.no_chromium", hint=HINT)
    with tempfile.TemporaryDirectory(prefix="clv-chromium-") as profile:
        command = [browser, *SWITCHES, "--no-pdf-header-footer", "--print-to-pdf-no-header",
                   f"--user-data-dir={profile}", f"--print-to-pdf={pdf_path}", html_path.resolve().as_uri()]
        env = profile_env(profile)
        try:
            proc = subprocess.run(command, capture_output=True, text=True, timeout=180, env=env)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise RenderError(key="render.chromium_could_not_run", reason=str(exc)) from None
    if proc.returncode != 0:
        last = (proc.stderr or "").strip().splitlines()[-1:] or ["no message"]
        raise RenderError(key="render.chromium_exit", code=str(proc.returncode), message=last[0])


def _weasyprint(html_path: Path, pdf_path: Path) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # "HarfBuzz-Subset will be required" notice
            import weasyprint  # noqa: PLC0415 - optional at import time: it needs system libraries
    except (ImportError, OSError) as exc:
        raise RenderError(key="render.weasyprint_cannot_start", reason=str(exc).splitlines()[0], hint=HINT) from None
    for name in ("weasyprint", "fontTools", "fontTools.subset"):
        logging.getLogger(name).setLevel(logging.ERROR)
    try:
        weasyprint.HTML(filename=str(html_path), base_url=str(html_path.parent)).write_pdf(str(pdf_path))
    except Exception as exc:  # WeasyPrint raises many low-level types; translate at the boundary
        raise RenderError(key="render.weasyprint_failed", file=html_path.name,
                          reason=f"{type(exc).__name__}: {exc}") from exc
