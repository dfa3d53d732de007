"""One security checklist for every framework's shipped defaults, negatives included.

Scored twice (claim 10): as the measured app is deployed, and as the framework's own project
template (Django's startproject) or documented quickstart (the others' hello world) ships.
+1 for a protection on by default, -1 for an insecure default, 0 otherwise; every item says
where its score came from. What the contract makes every app do (nosniff, autoescaping) is
scored 0 as deployed: it is the harness's, not the framework's.

The framework defaults are read in a fresh interpreter per framework (`_SNIPPETS`), so no
framework's import leaks into another's reading or into the harness.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.frameworks import ROOT, Framework

HEADERS: tuple[str, ...] = (
    "X-Content-Type-Options",
    "X-Frame-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
    "Content-Security-Policy",
    "Strict-Transport-Security",
)
CONTRACT_REQUIRED = frozenset({"X-Content-Type-Options"})
ITEMS: tuple[str, ...] = (
    *HEADERS,
    "CSRF protection on",
    "debug off",
    "no placeholder secret key",
    "HttpOnly session cookie",
    "template autoescaping",
)

# Each prints a JSON object: the measured app's settings ("app") and the framework's defaults.
_SNIPPETS: dict[str, str] = {
    "django": """
import json, os, re, tempfile, pathlib
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "djangosite.settings")
from django.conf import settings, global_settings as g
from django.core.management import call_command
from django.template import Engine
mw = list(settings.MIDDLEWARE)  # first: startproject configures empty settings if none are
import django; django.setup()
with tempfile.TemporaryDirectory() as tmp:
    call_command("startproject", "mysite", tmp)
    tpl = (pathlib.Path(tmp) / "mysite" / "settings.py").read_text()
print(json.dumps({
  "app": {"debug": settings.DEBUG, "secret": settings.SECRET_KEY,
          "csrf": "django.middleware.csrf.CsrfViewMiddleware" in mw,
          "sessions": "django.contrib.sessions.middleware.SessionMiddleware" in mw},
  "template": {"debug": bool(re.search(r"^DEBUG = True", tpl, re.M)),
               "placeholder_secret": bool(re.search(r"^SECRET_KEY = .django-insecure-", tpl, re.M)),
               "csrf": "CsrfViewMiddleware" in tpl,
               "sessions": "SessionMiddleware" in tpl,
               "security_mw": "SecurityMiddleware" in tpl,
               "xframe_mw": "XFrameOptionsMiddleware" in tpl},
  "defaults": {"nosniff": g.SECURE_CONTENT_TYPE_NOSNIFF, "referrer": g.SECURE_REFERRER_POLICY,
               "coop": g.SECURE_CROSS_ORIGIN_OPENER_POLICY, "xframe": g.X_FRAME_OPTIONS,
               "hsts": g.SECURE_HSTS_SECONDS, "httponly": g.SESSION_COOKIE_HTTPONLY,
               "autoescape": Engine().autoescape}}))
""",
    "flask": """
import json, flask, flask_app
app = flask_app.create_app()
probe = flask.Flask("probe")
print(json.dumps({
  "app": {"debug": app.debug, "secret": app.secret_key},
  "defaults": {"debug": probe.debug, "secret": probe.secret_key,
               "httponly": flask.Flask.default_config["SESSION_COOKIE_HTTPONLY"],
               "autoescape": probe.select_jinja_autoescape("page.html")}}))
""",
    "bottle": """
import json, bottle, bottle_app.app
print(json.dumps({
  "app": {"debug": bool(bottle.DEBUG)},
  "defaults": {"autoescape": bottle.SimpleTemplate("{{x}}").render(x="<") == "&lt;"}}))
""",
    "cherrypy": """
import json, cherrypy, cherrypy._cprequest as r
defaults = {"show_tracebacks": r.Request.show_tracebacks,
            "httponly": __import__("inspect").signature(
                cherrypy.lib.sessions.init).parameters["httponly"].default}
import cherrypy_app
print(json.dumps({
  "app": {"show_tracebacks": cherrypy.config.get("request.show_tracebacks",
                                                 defaults["show_tracebacks"])},
  "defaults": defaults}))
""",
    "fastapi": """
import json, fastapi, fastapi_app.main as m
from starlette.templating import Jinja2Templates
env = Jinja2Templates(directory=".").env
auto = env.autoescape("page.html") if callable(env.autoescape) else bool(env.autoescape)
print(json.dumps({
  "app": {"debug": m.app.debug},
  "defaults": {"debug": fastapi.FastAPI().debug, "autoescape": auto}}))
""",
}


def _read(fw: Framework) -> dict[str, Any]:
    snippet = _SNIPPETS.get(fw.name)
    if snippet is None:
        return {}
    env = {**os.environ, **fw.environment()}
    proc = subprocess.run(
        [sys.executable, "-c", snippet],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    try:
        data = json.loads(proc.stdout.strip().splitlines()[-1])
    except (json.JSONDecodeError, IndexError):
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": last}
    return data if isinstance(data, dict) else {}


def _item(score: int, evidence: str) -> dict[str, Any]:
    return {"score": score, "evidence": evidence}


def _debug_in_source(path: Path) -> bool:
    """A `debug=True` keyword (or DEBUG=True) anywhere in a hello world's source."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError):
        return False
    return any(
        isinstance(n, ast.keyword)
        and (n.arg or "").lower() == "debug"
        and isinstance(n.value, ast.Constant)
        and n.value.value is True
        for n in ast.walk(tree)
    )


def deployed(fw: Framework, security: dict[str, Any], read: dict[str, Any]) -> dict[str, Any]:
    """The measured app, as the harness serves it."""
    items: dict[str, Any] = {}
    headers = security.get("headers") or {}
    for name in HEADERS:
        h = headers.get(name) or {}
        if name in CONTRACT_REQUIRED:
            items[name] = _item(0, "the contract requires it of every app")
        elif h.get("present") and h.get("set_by_app"):
            items[name] = _item(0, "set by the app's own code")
        elif h.get("present"):
            value = next(iter((h.get("values") or {}).values()), "")
            items[name] = _item(1, f"sent by the framework or its server: {value}")
        else:
            items[name] = _item(0, "not sent")
    app = read.get("app") or {}
    if fw.name == "django":
        items["CSRF protection on"] = (
            _item(1, "CsrfViewMiddleware in the app's MIDDLEWARE")
            if app.get("csrf")
            else _item(0, "the measured app left CsrfViewMiddleware out")
        )
        items["HttpOnly session cookie"] = (
            _item(1, "SessionMiddleware on, SESSION_COOKIE_HTTPONLY default")
            if app.get("sessions")
            else _item(0, "no sessions in the measured app")
        )
        secret = str(app.get("secret", ""))
        items["no placeholder secret key"] = (
            _item(-1, "SECRET_KEY falls back to a django-insecure- placeholder")
            if secret.startswith("django-insecure-")
            else _item(0, "a real key from the environment")
        )
    else:
        csrf = security.get("csrf") or {}
        items["CSRF protection on"] = _item(
            1 if csrf.get("default_on") else 0, str(csrf.get("evidence", "none in the framework"))
        )
        defaults = read.get("defaults") or {}
        items["HttpOnly session cookie"] = (
            _item(1, "built-in signed-cookie sessions, HttpOnly by default")
            if fw.name == "flask" and defaults.get("httponly")
            else _item(0, "no sessions on in the measured app")
        )
        items["no placeholder secret key"] = _item(0, "no placeholder key shipped")
    on = app.get("debug") or app.get("show_tracebacks")
    items["debug off"] = (
        _item(-1, "debug / tracebacks in responses on in the measured app")
        if on
        else _item(0, "off")
    )
    items["template autoescaping"] = _item(0, "the contract requires it of every app")
    if read.get("error"):
        for key in ("debug off", "no placeholder secret key"):
            items[key] = _item(0, f"not read: {read['error']}")
    return items


def template(
    fw: Framework, hello: dict[str, Any], read: dict[str, Any], app_dir: Path
) -> dict[str, Any]:
    """The framework's own project template (startproject) or its documented quickstart."""
    defaults = read.get("defaults") or {}
    items: dict[str, Any] = {}
    if fw.name == "django":
        t = read.get("template") or {}
        sec, xf = t.get("security_mw"), t.get("xframe_mw")
        sent = {
            "X-Content-Type-Options": sec and defaults.get("nosniff"),
            "X-Frame-Options": xf and defaults.get("xframe"),
            "Referrer-Policy": sec and defaults.get("referrer"),
            "Cross-Origin-Opener-Policy": sec and defaults.get("coop"),
            "Content-Security-Policy": False,
            "Strict-Transport-Security": sec and defaults.get("hsts"),
        }
        for name, value in sent.items():
            items[name] = (
                _item(1, f"startproject's middleware sends it by default: {value}")
                if value
                else _item(0, "not sent by startproject's defaults")
            )
        items["CSRF protection on"] = _item(
            1 if t.get("csrf") else 0, "CsrfViewMiddleware in startproject's MIDDLEWARE"
        )
        items["debug off"] = (
            _item(-1, "startproject writes DEBUG = True")
            if t.get("debug")
            else _item(0, "DEBUG off")
        )
        items["no placeholder secret key"] = (
            _item(
                -1,
                "startproject writes a SECRET_KEY marked django-insecure- (a development "
                "key that `check --deploy` flags)",
            )
            if t.get("placeholder_secret")
            else _item(0, "no placeholder")
        )
        items["HttpOnly session cookie"] = _item(
            1 if t.get("sessions") and defaults.get("httponly") else 0,
            "SessionMiddleware on, SESSION_COOKIE_HTTPONLY = True by default",
        )
    else:
        got = {k.lower(): v for k, v in (hello.get("headers") or {}).items()}
        for name in HEADERS:
            value = got.get(name.lower())
            items[name] = (
                _item(1, f"the quickstart's answer carries it: {value}")
                if value
                else _item(0, "not in the quickstart's answer" if hello.get("ran") else
                           f"quickstart not run: {hello.get('reason')}")
            )  # fmt: skip
        items["CSRF protection on"] = _item(0, "no CSRF protection in the quickstart")
        source_debug = _debug_in_source(app_dir / "hello.py")
        tracebacks = fw.name == "cherrypy" and defaults.get("show_tracebacks")
        command_debug = any(part == "--debug" for part in (hello.get("command") or []))
        if source_debug or command_debug or tracebacks or defaults.get("debug"):
            why = (
                "the documented quickstart runs with debug=True"
                if source_debug or command_debug
                else "tracebacks in error pages by default (request.show_tracebacks)"
            )
            items["debug off"] = _item(-1, why)
        else:
            items["debug off"] = _item(0, "debug off by default")
        items["no placeholder secret key"] = _item(0, "no placeholder key shipped")
        items["HttpOnly session cookie"] = (
            _item(1, "built-in sessions, HttpOnly by default")
            if fw.name == "flask" and defaults.get("httponly")
            else _item(0, "no sessions on by default")
        )
    auto = defaults.get("autoescape")
    items["template autoescaping"] = (
        _item(1, f"the template engine {fw.template_engine} escapes by default")
        if auto
        else _item(0, "no template engine of its own" if fw.name == "cherrypy" else "off")
    )
    return items


def checklist(
    fw: Framework, hello: dict[str, Any], security: dict[str, Any], app_dir: Path
) -> dict[str, Any] | None:
    """{'deployed': {item: {score, evidence}}, 'template': {...}}; None for the baselines."""
    if fw.baseline or not security.get("headers"):
        return None
    read = _read(fw)
    return {
        "deployed": deployed(fw, security, read),
        "template": template(fw, hello, read, app_dir),
    }


def startproject() -> dict[str, Any]:
    """What Django's documented path writes before the first view: files and code lines."""
    from bench.facts import code_lines

    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run(
            [sys.executable, "-m", "django", "startproject", "mysite", tmp],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if proc.returncode != 0:
            last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            return {"lines": None, "reason": f"startproject failed: {last}"}
        files = sorted(Path(tmp).rglob("*.py"))
        per_file = {
            str(f.relative_to(tmp)): code_lines(f.read_text(encoding="utf-8")) for f in files
        }
    return {
        "command": "django-admin startproject mysite",
        "files": len(per_file),
        "lines": sum(per_file.values()),
        "per_file": per_file,
        "note": "before the first view; a view and its URL add a few lines more",
    }


__all__ = ["ITEMS", "checklist", "startproject"]
