"""A partner system's webhook receiver on 127.0.0.1, for tests: a real HTTP server in a thread.

It does what the README asks of a receiver: verifies the signature with the endpoint's secret,
refuses an old timestamp, and processes each delivery id once (a repeat is acknowledged, not
processed again). `statuses` scripts the answers (e.g. [500, 200]); `hold` keeps the next
request waiting until released (to stop a worker in the middle of a delivery). With
`keep_alive=True` it speaks HTTP/1.1 and keeps connections open, as most partners' servers do;
`connections` counts the connections it accepted.
"""

import http.server
import json
import socket
import threading

from notifications.webhooks import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    SignatureInvalid,
    verify_signature,
)


class Receiver:
    def __init__(self, secret=None, *, keep_alive=False):
        self.secret = secret
        self.connections = 0
        self.open_sockets = []
        self.requests = []  # every request: (headers, body bytes, None)
        self.processed = {}  # delivery id -> JSON document, once each
        self.statuses = []
        self.hold = None  # a threading.Event the next request waits on
        self.arrived = threading.Event()
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1" if keep_alive else "HTTP/1.0"

            def setup(self):
                super().setup()
                with receiver.lock:
                    receiver.connections += 1
                    receiver.open_sockets.append(self.connection)

            def do_POST(self):  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                headers = self.headers  # case-insensitive, as HTTP header names are
                with receiver.lock:
                    hold, receiver.hold = receiver.hold, None
                    receiver.requests.append((headers, body, None))
                    receiver.arrived.set()
                if hold is not None:
                    hold.wait(30)
                status = receiver.answer(headers, body)
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:  # the sender went away while we held it
                    pass

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self):
        host, port = self.server.server_address
        return f"http://{host}:{port}/hooks/fusionportal"

    def answer(self, headers, body):
        with self.lock:
            scripted = self.statuses.pop(0) if self.statuses else None
        if scripted is not None and scripted >= 300:
            return scripted
        if self.secret is not None:
            try:
                verify_signature(
                    secret=self.secret,
                    timestamp=headers.get(TIMESTAMP_HEADER),
                    signature=headers.get(SIGNATURE_HEADER),
                    body=body,
                )
            except SignatureInvalid:
                return 401
        delivery = headers.get(DELIVERY_HEADER)
        with self.lock:
            if delivery not in self.processed:
                self.processed[delivery] = json.loads(body)
        return scripted or 200

    def hang_up(self):
        """Close every connection the receiver holds open, as a server does with idle ones."""
        with self.lock:
            sockets, self.open_sockets = self.open_sockets, []
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
