"""The contract app on CherryPy: the Root controller mounted on cherrypy.tree with its config.

`application` is the WSGI callable (cherrypy.tree); `python -m cherrypy_app` serves it on
CherryPy's own engine and cheroot server.
"""

import json

import cherrypy

from .root import Root


def json_error_page(status: str, message: str, traceback: str, version: str) -> str:
    """Every error CherryPy answers (404, 405, HTTPError from a handler) as JSON, not HTML."""
    # Set here, not by the response_headers tool: some errors are raised before tools run.
    cherrypy.response.headers["Content-Type"] = "application/json"
    cherrypy.response.headers["X-Content-Type-Options"] = "nosniff"
    return json.dumps({"detail": message})


def reject_trailing_slash() -> None:
    """404 for /users/1/: the dispatcher drops the empty last segment and would call
    users("1"), but the contract has no such page (and no redirect either)."""
    path = cherrypy.request.path_info
    if path != "/" and path.endswith("/"):
        raise cherrypy.NotFound()


class Request(cherrypy._cprequest.Request):
    # The JSON error page as the class default rather than an "error_page.default" config
    # entry: CherryPy rejects some requests (an illegal cookie name, HTTP/1.1 without Host)
    # while reading the headers, before any config applies.
    error_page = {"default": json_error_page}  # noqa: RUF012 - CherryPy copies it per request


# Before tools.allow (priority 50), so that an unknown path is a 404 whatever the method.
cherrypy.tools.no_trailing_slash = cherrypy.Tool(
    "on_start_resource", reject_trailing_slash, priority=10
)

config = {
    "/": {
        "tools.no_trailing_slash.on": True,
        "tools.response_headers.on": True,
        "tools.response_headers.headers": [("X-Content-Type-Options", "nosniff")],
    },
}

# Production behaviour wherever the app runs, in-process too: no access log line per request,
# no tracebacks in responses.
cherrypy.config.update({"environment": "production"})
app = cherrypy.tree.mount(Root(), "/", config)
app.request_class = Request
application = cherrypy.tree
