"""Run a fake vendor endpoint as a real HTTP server on 127.0.0.1, in a thread, for one test."""
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@contextmanager
def serving(handler_class: type[BaseHTTPRequestHandler], **state):
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_class)
    server.state = state
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
