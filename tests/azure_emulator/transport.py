"""The HTTPS server on loopback: a throw-away certificate authority (trustme), one thread per
connection, and the request/response values the API modules work with."""

from __future__ import annotations

import json
import socket
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import trustme


@dataclass
class Request:
    """One request as the emulator received it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # names lower-cased
    body: bytes = b""

    @property
    def accept(self) -> str:
        return self.headers.get("accept", "")

    def json(self):
        return json.loads(self.body.decode("utf-8-sig")) if self.body else None


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, value, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        return cls(status, json.dumps(value).encode(), headers=dict(headers or {}))

    @classmethod
    def text(cls, text: str, status: int = 200) -> Response:
        return cls(status, text.encode(), "text/plain; charset=utf-8")


class DropConnection(Exception):
    """Raised by a handler: close the socket without answering."""


Handler = Callable[[Request], Response]


class Certificates:
    """A certificate authority made for one emulator, and its server certificate for
    "localhost" and "127.0.0.1". `ca_bundle` is the PEM file a client trusts."""

    def __init__(self, folder: Path) -> None:
        self.ca = trustme.CA()
        self.server_cert = self.ca.issue_cert("localhost", "127.0.0.1")
        self.ca_bundle = folder / "emulator-ca.pem"
        self.ca.cert_pem.write_to_path(str(self.ca_bundle))

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.server_cert.configure_cert(context)
        return context


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, handle: Handler, context: ssl.SSLContext) -> None:
        self.handle_request_value = handle
        self.context = context
        super().__init__(("127.0.0.1", 0), _RequestHandler)

    def get_request(self):
        sock, address = self.socket.accept()
        # An answer is written in two parts (headers, then body): without TCP_NODELAY the
        # body waits for the client's delayed ACK of the headers, ~40 ms an answer.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # The handshake happens in the connection's own thread, on its first read.
        return self.context.wrap_socket(
            sock, server_side=True, do_handshake_on_connect=False), address

    def handle_error(self, request, client_address) -> None:
        """A client that hangs up (or fails the TLS handshake) is not an emulator error."""


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (the base's name)
        """Quiet: the emulator keeps its own request log."""

    def _handle(self) -> None:
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        request = Request(
            method=self.command,
            path=split.path,
            query=dict(parse_qsl(split.query, keep_blank_values=True)),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=self.rfile.read(length) if length else b"",
        )
        try:
            response = self.server.handle_request_value(request)
        except DropConnection:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = do_OPTIONS = do_HEAD = _handle


class HttpsServer:
    """Serves `handle` over HTTPS on 127.0.0.1 at a free port, in a background thread."""

    def __init__(self, handle: Handler, certificates: Certificates) -> None:
        self._server = _Server(handle, certificates.server_context())
        self.port: int = self._server.server_address[1]
        # A short poll interval: stop() waits for the loop to notice.
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), name="azure-emulator", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
