"""Open a report page in real headless chromium: no missing image, no console message, no
element wider than the viewport, the headline and the scorecard above the fold, and a
screenshot of that fold beside it.

Dependency-free: chromium's own --dump-dom and --screenshot modes, no DevTools websocket. A
probe copy of the page (same folder, so relative chart paths resolve) gets a first script that
records script errors, failed resource loads and console.error calls, and writes them with the
state of every <img>, every element reaching past the viewport's right edge, and where the
fold's elements end, into the DOM after `load`; --dump-dom then prints it. The page itself has
no script, so any console line chromium logs while rendering the real page is a problem too.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from bench import children, interrupts
from bench.errors import ToolMissingError

CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
TIMEOUT_S = 90.0
_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)
_PROBE = """<script>
window.__probe = [];
console.error = function () { __probe.push("console.error: " + Array.from(arguments).join(" ")); };
addEventListener("error", function (e) {
  var t = e.target;
  __probe.push(t && t !== window ? "failed to load " + (t.src || t.href || t.tagName)
                                 : "script error: " + e.message);
}, true);
addEventListener("load", function () {
  var missing = Array.from(document.images)
    .filter(function (i) { return !(i.complete && i.naturalWidth > 0); })
    .map(function (i) { return i.getAttribute("src"); });
  var width = document.documentElement.clientWidth;
  var wide = Array.from(document.body.querySelectorAll("*"))
    .filter(function (e) { return e.getBoundingClientRect().right > width + 1; })
    .slice(0, 10)
    .map(function (e) {
      return e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + " ends at " +
             Math.round(e.getBoundingClientRect().right) + " px";
    });
  var fold = {};
  FOLD_IDS.forEach(function (id) {
    var e = document.getElementById(id);
    fold[id] = e ? Math.round(e.getBoundingClientRect().bottom + scrollY) : null;
  });
  var out = document.createElement("pre");
  out.id = "__probe_result";
  out.textContent = JSON.stringify({
    images: document.images.length, missing: missing, errors: __probe, wide: wide,
    viewport: [width, innerHeight], scroll_width: document.documentElement.scrollWidth,
    fold: fold});
  document.body.appendChild(out);
});
</script>"""
FOLD_IDS = ("headline", "scorecard")
"""What a reader must see without scrolling: the headline chart and the claims scorecard."""
VIEWPORT = (1280, 800)
"""A common laptop screen: the page must fit its width, and open with FOLD_IDS inside it."""
_RESULT = re.compile(r'<pre id="__probe_result">(.*?)</pre>', re.DOTALL)
_CONSOLE = re.compile(r":CONSOLE[^\]]*\] (.*)")


@dataclass
class PageCheck:
    images: int = 0
    missing_images: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    wide: list[str] = field(default_factory=list)
    """Elements reaching past the viewport's right edge (the page would scroll sideways)."""
    below_fold: list[str] = field(default_factory=list)
    """FOLD_IDS missing, or ending below the first screen."""
    screenshot: Path | None = None

    @property
    def problems(self) -> list[str]:
        return [
            *(f"missing image {src}" for src in self.missing_images),
            *self.errors,
            *(f"console: {line}" for line in self.console),
            *(f"wider than the viewport: {w}" for w in self.wide),
            *(f"not on the first screen: {b}" for b in self.below_fold),
        ]

    @property
    def ok(self) -> bool:
        return not self.problems and self.screenshot is not None


def chromium() -> str:
    for path in CHROMIUM_PATHS:
        if os.access(path, os.X_OK):
            return path
    found = shutil.which("chromium")
    if found:
        return found
    raise ToolMissingError("chromium is not installed (scripts/setup-system.sh installs it)")


def _run(args: list[str]) -> tuple[str, str]:
    """Run chromium in its own session so a hang can be ended, helpers included, by its pgid."""
    with tempfile.TemporaryDirectory(prefix="bench-chromium-") as profile:
        proc: subprocess.Popen[str] | None = None
        try:
            with interrupts.deferred():
                proc = subprocess.Popen(
                    [chromium(), *_FLAGS, f"--user-data-dir={profile}", *args],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    stdin=subprocess.DEVNULL,
                    text=True,
                    start_new_session=True,
                    # A page check has nothing to finish once the harness is gone.
                    preexec_fn=children.preexec(death_signal=signal.SIGKILL),  # noqa: PLW1509
                )
            try:
                out, err = proc.communicate(timeout=TIMEOUT_S)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.communicate()
                raise
        finally:
            # chromium's helpers (zygote, gpu) are in our session; none may outlive the check
            if proc is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
    return out, err


def check_page(
    page: Path,
    screenshot: Path,
    viewport: tuple[int, int] = VIEWPORT,
    fold: tuple[str, ...] = FOLD_IDS,
) -> PageCheck:
    """Check `page` at `viewport` (width, height) and screenshot its first screen."""
    width, height = viewport
    page = page.resolve()
    result = PageCheck()
    probe = page.with_name(f".probe-{page.name}")
    text = page.read_text(encoding="utf-8")
    script = _PROBE.replace("FOLD_IDS", json.dumps(list(fold)))
    probe.write_text(text.replace("<head>", "<head>" + script, 1), encoding="utf-8")
    try:
        dom, _ = _run(
            [
                "--virtual-time-budget=10000",
                f"--window-size={width},{height}",
                "--dump-dom",
                probe.as_uri(),
            ]
        )
    finally:
        probe.unlink(missing_ok=True)
    match = _RESULT.search(dom)
    if match is None:
        result.errors.append("the page never finished loading (no probe result in the DOM)")
    else:
        import html

        data = json.loads(html.unescape(match.group(1)))
        result.images = int(data["images"])
        result.missing_images = list(data["missing"])
        result.errors = list(data["errors"])
        result.wide = list(data["wide"])
        # against the screenshot's height: --dump-dom's window reports a shorter innerHeight
        for name, bottom in data["fold"].items():
            if bottom is None:
                result.below_fold.append(f"#{name} is not on the page")
            elif bottom > height:
                result.below_fold.append(f"#{name} ends at {bottom} px of {height}")
    _, err = _run(
        [
            "--enable-logging=stderr",
            "--v=0",
            f"--window-size={width},{height}",
            f"--screenshot={screenshot.resolve()}",
            page.as_uri(),
        ]
    )
    result.console = [m.group(1) for m in _CONSOLE.finditer(err)]
    if screenshot.is_file() and screenshot.stat().st_size > 0:
        result.screenshot = screenshot
    else:
        result.errors.append("chromium wrote no screenshot")
    return result
