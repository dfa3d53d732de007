"""Facts about each framework that are not load samples: what it installs, how small its hello
world is, how much /echo validation it needs, what it sends out of the box, how long it imports.

`collect(framework)` is called once per framework by the runner (into results/<run>/facts.json)
and feeds claims 4, 5, 6, 9 and 10 of the report. Every section degrades to a value with a reason
(`None` plus `reason`) rather than raising, so one missing app never loses the others' facts.
"""

from __future__ import annotations

import ast
import io
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path
from typing import Any

import psutil
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from bench import children, interrupts, leftovers, ports
from bench.frameworks import HOST, ROOT, Framework
from bench.server import probe, running

SECURITY_HEADERS: tuple[str, ...] = (
    "X-Content-Type-Options",
    "X-Frame-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
    "Content-Security-Policy",
    "Strict-Transport-Security",
    "Server",
)
# The contract makes every app send nosniff, so its presence says nothing about a framework.
CONTRACT_REQUIRED_HEADERS = frozenset({"X-Content-Type-Options"})

# Names the app helpers were asked to give their /echo validation (see the apps brief).
VALIDATION_NAMES: tuple[str, ...] = ("validate_echo", "EchoIn")
_VALIDATOR_DECORATORS = re.compile(r"validator", re.IGNORECASE)

HELLO_TIMEOUT_S = 20.0
NOT_FROM_DOCS: dict[str, str] = {
    "django": "Django's docs have no single-file hello world: their path is startproject",
}
"""hello.py files that are not copied from the framework's documentation, and why."""
IMPORT_REPEATS = 3
"""Fresh interpreters per import-time figure: a median of three damps one outlier on a noisy
machine while keeping `collect` near 10 s for the slowest import (FastAPI, ~1 s loaded)."""


# --- dependency closure -------------------------------------------------------------------------


def closure(roots: tuple[str, ...]) -> list[str]:
    """Canonical names of every installed distribution `roots` pull in, roots included.

    Markers are evaluated for this interpreter; an extra is followed only where a requirement
    asks for it (`uvicorn[standard]`), exactly as pip would have resolved it.
    """
    seen: set[str] = set()
    todo: list[tuple[str, frozenset[str]]] = [(r, frozenset()) for r in roots]
    done: set[tuple[str, frozenset[str]]] = set()
    while todo:
        name, extras = todo.pop()
        key = (canonicalize_name(name), extras)
        if key in done:
            continue
        done.add(key)
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue  # an optional dependency that is not installed is not in the closure
        seen.add(canonicalize_name(dist.metadata["Name"]))
        for line in dist.requires or []:
            try:
                req = Requirement(line)
            except InvalidRequirement:
                continue
            if req.marker is not None and not any(
                req.marker.evaluate({"extra": extra}) for extra in (extras or {""})
            ):
                continue
            todo.append((req.name, frozenset(req.extras)))
    return sorted(seen)


def installed_bytes(names: list[str]) -> tuple[int, int]:
    """(bytes, files) the distributions `names` put on disk, from their RECORD files: what
    installing them costs in space (bytecode caches written later are not counted)."""
    total = files = 0
    for name in names:
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        for entry in dist.files or []:
            size = entry.size
            if size is None:
                try:
                    size = Path(str(entry.locate())).stat().st_size
                except OSError:
                    continue
            total += int(size)
            files += 1
    return total, files


def dependencies(fw: Framework) -> dict[str, Any]:
    alone = closure(fw.distributions)
    with_server = closure(fw.distributions + fw.server_distributions)
    size, files = installed_bytes(alone)
    return {
        "roots": list(fw.distributions),
        "server_roots": list(fw.server_distributions),
        "framework": alone,
        "framework_count": len(alone),
        "installed_bytes": size if alone else None,
        "installed_files": files,
        "with_server": with_server,
        "with_server_count": len(with_server),
    }


# --- source line counts -------------------------------------------------------------------------


def code_lines(text: str) -> int:
    """Lines that are neither blank nor only a comment (docstrings count: they are code)."""
    import tokenize

    lines: set[int] = set()
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type in (
                tokenize.COMMENT,
                tokenize.NL,
                tokenize.NEWLINE,
                tokenize.INDENT,
                tokenize.DEDENT,
                tokenize.ENDMARKER,
            ):
                continue
            lines.update(range(tok.start[0], tok.end[0] + 1))
    except (tokenize.TokenError, SyntaxError):
        return sum(1 for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("#"))
    return len(lines)


def _app_dir(fw: Framework) -> Path:
    return ROOT / fw.app_dir


def hello(fw: Framework) -> dict[str, Any]:
    """hello.py's size and whether the docs' command really serves it."""
    if fw.hello is None:
        return {"lines": None, "ran": None, "reason": "baselines have no hello world"}
    path = _app_dir(fw) / "hello.py"
    if not path.is_file():
        return {"lines": None, "ran": None, "reason": f"{path.relative_to(ROOT)} not found"}
    text = path.read_text(encoding="utf-8")
    result: dict[str, Any] = {
        "path": str(path.relative_to(ROOT)),
        "lines": code_lines(text),
        "non_blank_lines": sum(1 for ln in text.splitlines() if ln.strip()),
        "command": fw.hello.command,
        "port": fw.hello.port,
        "url_path": fw.hello.path,
        "from_docs": fw.name not in NOT_FROM_DOCS,
        **({"not_from_docs": NOT_FROM_DOCS[fw.name]} if fw.name in NOT_FROM_DOCS else {}),
    }
    result.update(_run_hello(fw, path.parent))
    return result


def _listens(pids: list[int], port: int) -> bool:
    """Whether one of `pids` listens on `port`: a 200 from someone else's server proves nothing."""
    for conn in psutil.net_connections(kind="tcp"):
        if conn.status != psutil.CONN_LISTEN or not conn.laddr:
            continue
        if getattr(conn.laddr, "port", None) == port and conn.pid in pids:
            return True
    return False


def _tree(pid: int) -> list[int]:
    try:
        main = psutil.Process(pid)
        return [main.pid, *(c.pid for c in main.children(recursive=True))]
    except psutil.NoSuchProcess:
        return []


def _run_hello(fw: Framework, cwd: Path) -> dict[str, Any]:
    assert fw.hello is not None
    port = fw.hello.port
    if not ports.is_free(port):
        # Someone else's process holds the docs' port: never touch it, just say so.
        return {"ran": None, "status": None, "reason": f"port {port} on {HOST} is busy"}
    env = {**os.environ, **dict(fw.env), "PYTHONPATH": str(cwd), "PYTHONUNBUFFERED": "1"}
    env.pop("DJANGO_SETTINGS_MODULE", None)  # hello.py configures itself
    with tempfile.TemporaryFile() as log:
        proc: subprocess.Popen[bytes] | None = None
        headers: dict[str, str] = {}
        try:
            with interrupts.deferred():
                proc = subprocess.Popen(
                    fw.hello.argv(),
                    cwd=cwd,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                    preexec_fn=children.preexec(),  # noqa: PLW1509 - dies with the harness
                )
            leftovers.started(proc.pid, fw.hello.argv(), f"hello world {fw.name}")
            status, reason = _await_hello(proc, port, fw.hello.path)
            if status == 200 and reason == "answered":
                try:
                    headers = _headers(port, fw.hello.path)[1]
                except OSError:
                    headers = {}
        finally:
            if proc is not None:
                _stop_group(proc)
        log.seek(0)
        tail = log.read().decode(errors="replace").splitlines()[-5:]
    ran = None if reason.startswith("another process") else status == 200
    return {"ran": ran, "status": status, "reason": reason, "log_tail": tail, "headers": headers}


def _await_hello(proc: subprocess.Popen[bytes], port: int, path: str) -> tuple[int | None, str]:
    deadline = time.monotonic() + HELLO_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return None, f"exited with code {proc.returncode} before answering"
        status = probe(port, path)
        if status:
            if not _listens(_tree(proc.pid), port):
                return status, f"another process answered on port {port}"
            return status, "answered"
        time.sleep(0.1)
    return None, f"no answer within {HELLO_TIMEOUT_S:.0f}s"


def _stop_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM then SIGKILL the session we created for the hello world (its pgid is its pid)."""
    for sig, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(wait)
            # workers the leader forked may outlive it for a moment; the group still names them
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline:
                os.killpg(proc.pid, 0)
                time.sleep(0.05)
        except (subprocess.TimeoutExpired, ProcessLookupError):
            pass


# --- /echo validation size ----------------------------------------------------------------------


def validation(fw: Framework) -> dict[str, Any]:
    """Lines of the /echo validation, found by name with ast, plus the module helpers it uses."""
    if fw.baseline:
        return {"lines": None, "reason": "baselines have no /echo"}
    app = _app_dir(fw)
    if not app.is_dir():
        return {"lines": None, "reason": f"{fw.app_dir} not found"}
    for path in sorted(app.rglob("*.py")):
        if path.name == "hello.py":
            continue
        text = path.read_text(encoding="utf-8")
        try:
            tree = ast.parse(text)
        except SyntaxError:
            continue
        defs = {
            n.name: n
            for n in tree.body
            if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        }
        found = next((defs[n] for n in VALIDATION_NAMES if n in defs), None)
        if found is None:
            continue
        parts = _with_helpers(found, defs)
        source = text.splitlines()
        lines = 0
        validators = 0
        for node in parts:
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            assert node.end_lineno is not None
            lines += code_lines("\n".join(source[first - 1 : node.end_lineno]))
            validators += sum(
                1
                for sub in ast.walk(node)
                if isinstance(sub, ast.FunctionDef | ast.AsyncFunctionDef)
                and any(_VALIDATOR_DECORATORS.search(ast.unparse(d)) for d in sub.decorator_list)
            )
        return {
            "name": found.name,
            "kind": "model" if isinstance(found, ast.ClassDef) else "function",
            "file": str(path.relative_to(ROOT)),
            "parts": [p.name for p in parts],
            "lines": lines,
            "validator_functions": validators,
            # Every app keeps all of /echo's checks (415, 413, 400 and 422) in this one module,
            # so its size is the whole hand-written cost; `lines` is the schema part alone.
            "module_lines": code_lines(text),
        }
    return {
        "lines": None,
        "reason": f"no def or class named {' or '.join(VALIDATION_NAMES)} in {fw.app_dir}",
    }


def _with_helpers(
    node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef,
    defs: dict[str, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef],
) -> list[ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef]:
    """`node` and every module-level def/class it refers to, transitively (its real size)."""
    found = [node]
    names = {node.name}
    i = 0
    while i < len(found):
        for sub in ast.walk(found[i]):
            if isinstance(sub, ast.Name) and sub.id in defs and sub.id not in names:
                names.add(sub.id)
                found.append(defs[sub.id])
        i += 1
    return found


# --- security headers and defaults --------------------------------------------------------------


def _headers(port: int, path: str) -> tuple[int, dict[str, str]]:
    import http.client

    conn = http.client.HTTPConnection(HOST, port, timeout=5)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}
    finally:
        conn.close()


def _app_strings(fw: Framework) -> str:
    """String literals of the app's code (not comments, not docstrings), lower-cased: a header
    name among them means the app's own code sets that header."""
    found: list[str] = []
    for path in sorted(_app_dir(fw).rglob("*.py")):
        if path.name == "hello.py":
            continue
        try:
            tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
        except SyntaxError:
            continue
        docstrings = {
            id(node.value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        }
        found.extend(
            node.value.lower()
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
        )
    return "\n".join(found)


def security(fw: Framework) -> dict[str, Any]:
    """Headers on /plaintext and a 404, who sets them, and the framework's CSRF/cookie defaults."""
    if not _app_dir(fw).is_dir():
        return {"headers": None, "reason": f"{fw.app_dir} not found"}
    responses: dict[str, dict[str, Any]] = {}
    try:
        with running(fw, fw.workers(1), ready_timeout=30) as server:
            for label, path in (("plaintext", "/plaintext"), ("not_found", "/no-such-page")):
                status, got = _headers(server.port, path)
                responses[label] = {"path": path, "status": status, "headers": got}
    except Exception as exc:  # a broken app must not lose the other facts
        return {"headers": None, "reason": f"could not start or query the app: {exc}"}
    source = _app_strings(fw)
    headers: dict[str, Any] = {}
    for name in SECURITY_HEADERS:
        values = {
            label: r["headers"].get(name.lower())
            for label, r in responses.items()
            if r["headers"].get(name.lower()) is not None
        }
        headers[name] = {
            "present": bool(values),
            "values": values,
            "contract_required": name in CONTRACT_REQUIRED_HEADERS,
            "set_by_app": name.lower() in source,
        }
    return {"responses": responses, "headers": headers, **_defaults(fw)}


# Each snippet prints JSON about the framework's own defaults, read from its settings or source.
_DEFAULTS_SNIPPETS: dict[str, str] = {
    "flask": (
        "import json, flask\n"
        "c = flask.Flask.default_config\n"
        "print(json.dumps({'session_cookie': {'httponly': c['SESSION_COOKIE_HTTPONLY'],"
        " 'secure': c['SESSION_COOKIE_SECURE'], 'samesite': c['SESSION_COOKIE_SAMESITE']},"
        " 'source': 'flask.Flask.default_config'}))\n"
    ),
    "django": (
        "import json, re, pathlib, django\n"
        "from django.conf import global_settings as g\n"
        "tpl = pathlib.Path(django.__file__).parent / 'conf/project_template/project_name/"
        "settings.py-tpl'\n"
        "print(json.dumps({'session_cookie': {'httponly': g.SESSION_COOKIE_HTTPONLY,"
        " 'secure': g.SESSION_COOKIE_SECURE, 'samesite': g.SESSION_COOKIE_SAMESITE},"
        " 'csrf_in_startproject': 'CsrfViewMiddleware' in tpl.read_text(),"
        " 'source': 'django.conf.global_settings and the startproject settings template'}))\n"
    ),
    "cherrypy": (
        "import json, inspect, cherrypy.lib.sessions as s\n"
        "p = inspect.signature(s.init).parameters\n"
        "print(json.dumps({'session_cookie': {'httponly': p['httponly'].default,"
        " 'secure': p['secure'].default, 'samesite': None},"
        " 'source': 'cherrypy.lib.sessions.init defaults (sessions tool is off by default)'}))\n"
    ),
    "fastapi": (
        "import json, inspect\n"
        "from starlette.middleware.sessions import SessionMiddleware as S\n"
        "p = inspect.signature(S.__init__).parameters\n"
        "print(json.dumps({'session_cookie': {'httponly': True,"
        " 'secure': p['https_only'].default, 'samesite': p['same_site'].default},"
        " 'source': 'starlette SessionMiddleware defaults (not installed by default;"
        " it always sets httponly)'}))\n"
    ),
    "bottle": (
        "import json\n"
        "print(json.dumps({'session_cookie': None,"
        " 'source': 'bottle has no sessions; set_cookie adds only the flags the caller passes'}))\n"
    ),
}

# Where each framework's own code lives, to look for CSRF machinery in it.
_PACKAGES: dict[str, tuple[str, ...]] = {
    "flask": ("flask",),
    "bottle": ("bottle",),
    "cherrypy": ("cherrypy",),
    "fastapi": ("fastapi", "starlette"),
}


def _defaults(fw: Framework) -> dict[str, Any]:
    snippet = _DEFAULTS_SNIPPETS.get(fw.name)
    if snippet is None:
        return {"csrf": None, "cookie_defaults": None}
    proc = subprocess.run(
        [sys.executable, "-c", snippet], capture_output=True, text=True, timeout=30, check=False
    )
    cookie: dict[str, Any] | None
    try:
        cookie = json.loads(proc.stdout)
    except json.JSONDecodeError:
        cookie = {"error": proc.stderr.strip().splitlines()[-1:] or ["no output"]}
    if fw.name == "django":
        on = bool(cookie and cookie.get("csrf_in_startproject"))
        csrf = {
            "default_on": on,
            "evidence": "CsrfViewMiddleware is in the settings startproject writes"
            if on
            else "CsrfViewMiddleware missing from the startproject settings template",
        }
    else:
        csrf = _csrf_mentions(_PACKAGES.get(fw.name, ()))
    return {"csrf": csrf, "cookie_defaults": cookie}


def _csrf_mentions(packages: tuple[str, ...]) -> dict[str, Any]:
    import importlib.util

    files = 0
    hits: list[str] = []
    for pkg in packages:
        spec = importlib.util.find_spec(pkg)
        if spec is None or spec.origin is None:
            return {"default_on": None, "evidence": f"{pkg} is not installed"}
        origin = Path(spec.origin)
        paths = sorted(origin.parent.rglob("*.py")) if origin.name == "__init__.py" else [origin]
        for path in paths:
            files += 1
            if "csrf" in path.read_text(encoding="utf-8", errors="replace").lower():
                hits.append(str(path.name))
    if hits:
        return {"default_on": None, "evidence": f"CSRF mentioned in {', '.join(hits)}; not judged"}
    return {
        "default_on": False,
        "evidence": f"no CSRF code in {' + '.join(packages)} ({files} source files)",
    }


MIB = 1024 * 1024

# --- import time --------------------------------------------------------------------------------

# Imports the app target and builds the app (calling a factory such as create_app()), then
# prints seconds taken, the bare interpreter's RSS before, and the RSS of the one process now
# holding the app. That one-process footprint is the framework's own memory: the server tree's
# RSS also counts how many workers each server's formula forks.
_IMPORT_SNIPPET = """
import importlib, os, sys, time
def rss():
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
before = rss()
t = time.perf_counter()
module = importlib.import_module(sys.argv[1])
app = getattr(module, sys.argv[2].removesuffix("()"))
if sys.argv[2].endswith("()"):
    app = app()
seconds = time.perf_counter() - t
print(seconds, before, rss())
"""


def import_time(fw: Framework, repeats: int = IMPORT_REPEATS) -> dict[str, Any]:
    """Import and build the app in fresh interpreters: wall seconds and one-process RSS."""
    env = {**os.environ, **fw.environment()}
    seconds: list[float] = []
    rss_mib: list[float] = []
    interpreter_mib: list[float] = []
    for _ in range(repeats):
        proc = subprocess.run(
            [sys.executable, "-c", _IMPORT_SNIPPET, fw.module, fw.attribute],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if proc.returncode != 0:
            last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            return {"seconds": None, "samples": seconds, "reason": f"import failed: {last}"}
        took, before, after = proc.stdout.strip().splitlines()[-1].split()
        seconds.append(float(took))
        interpreter_mib.append(int(before) / MIB)
        rss_mib.append(int(after) / MIB)
    return {
        "module": fw.module,
        "target": fw.target,
        "seconds": statistics.median(seconds),
        "samples": seconds,
        "rss_mib": statistics.median(rss_mib),
        "rss_samples_mib": rss_mib,
        "interpreter_rss_mib": statistics.median(interpreter_mib),
    }


def collect(framework: Framework) -> dict[str, Any]:
    """All facts about one framework, JSON-able."""
    started = time.perf_counter()
    facts: dict[str, Any] = {
        "framework": framework.name,
        "python": sys.version.split()[0],
        "dependencies": dependencies(framework),
        "hello": hello(framework),
        "validation": validation(framework),
        "security": security(framework),
        "import_time": import_time(framework),
    }
    from bench import checklist

    listed = checklist.checklist(framework, facts["hello"], facts["security"], _app_dir(framework))
    if listed is not None:
        facts["security"]["checklist"] = listed
    if framework.name == "django":
        facts["startproject"] = checklist.startproject()
    facts["collect_s"] = round(time.perf_counter() - started, 3)
    return facts


def main() -> None:
    """`python -m bench.facts NAME ...`: print the facts as JSON (for a look by hand)."""
    from bench import frameworks

    names = sys.argv[1:] or list(frameworks.NAMES)
    print(json.dumps({n: collect(frameworks.get(n)) for n in names}, indent=2))


if __name__ == "__main__":
    main()
