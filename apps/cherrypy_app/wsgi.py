"""The app for a WSGI server other than CherryPy's own (gunicorn, granian, cheroot's bare one).

As CherryPy's deployment docs do for a foreign WSGI server: no autoreloader, CherryPy's own
HTTP server unsubscribed from the engine, the engine started so that its plugins run, and the
tree served as `application`.
"""

import cherrypy

from cherrypy_app import application

cherrypy.config.update({"engine.autoreload.on": False})
cherrypy.server.unsubscribe()
cherrypy.engine.start()

__all__ = ["application"]
