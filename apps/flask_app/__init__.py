"""The contract app written the Flask way: an application factory, one blueprint, Jinja2.

Run it with `gunicorn "flask_app:create_app()"` (what `python -m bench serve flask` does).
"""

from __future__ import annotations

import json
import os

from flask import Flask, Response
from werkzeug.exceptions import HTTPException

from flask_app import database, views


def create_app() -> Flask:
    app = Flask(__name__)
    # Werkzeug redirects "//" to "/" by default; the contract allows no redirects, so an odd
    # path like /users//1 is simply unknown (404). Must be set before rules are added.
    app.url_map.merge_slashes = False
    app.url_map.converters["user_id"] = views.UserIdConverter
    app.register_blueprint(views.bp)
    # A libpq URI from the environment, as the harness (or a deployment) provides it.
    app.config["DATABASE_URL"] = os.environ.get("DATABASE_URL")
    database.init_app(app)
    app.register_blueprint(database.bp)
    app.register_error_handler(HTTPException, json_error)
    app.after_request(no_sniff)
    return app


def json_error(error: HTTPException) -> Response:
    """JSON instead of Werkzeug's HTML error page (the pattern of Flask's error-handling docs)."""
    # get_response() keeps the status and headers, e.g. Allow on a 405.
    response = error.get_response()
    response.data = json.dumps({"detail": error.description})
    response.content_type = "application/json"
    return response  # type: ignore[return-value]


def no_sniff(response: Response) -> Response:
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
