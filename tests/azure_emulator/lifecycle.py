"""What both halves of the emulator are as servers: HTTPS on a free loopback port with
their own certificate authority, started and stopped (or used as a context manager),
with the faults a test injects."""

from __future__ import annotations

from pathlib import Path
from typing import Self

from .faults import Faults
from .transport import Certificates, Handler, HttpsServer


class HttpsEmulator:
    def __init__(self, folder: Path, handle: Handler) -> None:
        self.faults = Faults()
        self._certificates = Certificates(folder)
        self._server = HttpsServer(handle, self._certificates)

    @property
    def ca_bundle(self) -> Path:
        return self._certificates.ca_bundle

    @property
    def port(self) -> int:
        return self._server.port

    @property
    def base_url(self) -> str:
        return f"https://localhost:{self.port}"

    def start(self) -> Self:
        self._server.start()
        return self

    def stop(self) -> None:
        self.faults.clear()  # releases held requests so their threads end
        self._server.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
