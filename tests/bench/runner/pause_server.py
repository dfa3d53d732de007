"""An HTTP/1.1 keep-alive server that stops the world on a fixed schedule, for the
coordinated-omission test: every `period` seconds from its start it answers nothing for
`pause` seconds (a request arriving then waits for the pause's end), as a long GC pause or a
swapped-out process would. It prints its schedule's origin (wall clock) on its first line.

    python pause_server.py PORT PERIOD_S PAUSE_S
"""

from __future__ import annotations

import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, PERIOD, PAUSE = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
ORIGIN = time.time()
BODY = b"Hello, World!"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like the real servers

    def do_GET(self) -> None:
        phase = (time.time() - ORIGIN) % PERIOD
        if phase < PAUSE:
            time.sleep(PAUSE - phase)
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, *args: object) -> None:
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 512

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client closing its keep-alive connection at the end is not news


if __name__ == "__main__":
    server = Server(("127.0.0.1", PORT), Handler)
    print(f"{ORIGIN!r}", flush=True)
    server.serve_forever()
