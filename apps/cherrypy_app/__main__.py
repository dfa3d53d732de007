"""python -m cherrypy_app --host 127.0.0.1 --port P --threads N: the app on cheroot.

What cherrypy.quickstart() does, with the server settings taken from the command line.
"""

import argparse

import cherrypy

import cherrypy_app  # noqa: F401 - mounts the app on cherrypy.tree, which the server serves


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m cherrypy_app")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--threads", type=int, default=10, help="cheroot's thread pool")
    args = parser.parse_args()
    cherrypy.config.update(
        {
            # The app module set the production environment, which already turns the
            # autoreloader off; said outright, as no thread may poll files during a benchmark.
            "engine.autoreload.on": False,
            "server.socket_host": args.host,
            "server.socket_port": args.port,
            "server.thread_pool": args.threads,
            # The listen backlog is an OS queue, not a framework feature: CherryPy's default
            # of 5 dropped connects when hundreds of clients connected at once (47 of 6000
            # requests timed out), where gunicorn and uvicorn queue 2048. Same queue for all.
            "server.socket_queue_size": 2048,
        }
    )
    # cheroot closes a connection after a response whenever more than 10 idle keep-alive
    # connections wait (its keep_alive_conn_limit, which CherryPy's config does not expose):
    # with 40 clients about 1 response in 11 came with Connection: close. The contract needs
    # persistent connections, as gunicorn and uvicorn keep them, so lift the limit on the
    # server Server.start() would otherwise build with the same settings.
    server = cherrypy.server
    server.httpserver, server.bind_addr = server.httpserver_from_self()
    server.httpserver.keep_alive_conn_limit = None
    # SIGTERM and SIGHUP stop the engine; Ctrl-C reaches engine.block() as KeyboardInterrupt.
    cherrypy.engine.signals.subscribe()
    cherrypy.engine.start()
    cherrypy.engine.block()


if __name__ == "__main__":
    main()
