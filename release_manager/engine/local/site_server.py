"""Each environment's site, served on 127.0.0.1 from whatever release is current at the
moment of each request; the ports go to `.release-manager/sites.json` so the window and
the CLI can show the URLs."""

from __future__ import annotations

import json
import os
import threading
import urllib.error
import urllib.request
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from release_manager.core.atomic_file import write_text_atomic
from release_manager.engine.local.deploy import EnvironmentFolders

SITES_FILE = "sites.json"


class _ReleaseHandler(SimpleHTTPRequestHandler):
    """Serves the folder of the release in service when the request arrives."""

    def __init__(self, *args, folders: EnvironmentFolders, environment: str, **kwargs) -> None:
        self.release = folders.current_path(environment)
        self.environment = environment
        directory = str(self.release) if self.release else os.devnull
        super().__init__(*args, directory=directory, **kwargs)

    def send_head(self):  # noqa: ANN201 - the base class's contract
        if self.release is None:
            self.send_error(503, f"No release is in service in {self.environment}")
            return None
        return super().send_head()

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Requests are not logged: the release log is for the deployment."""


class SiteServer:
    """One loopback HTTP server per environment, started and stopped explicitly."""

    def __init__(self, state_dir: Path, folders: EnvironmentFolders) -> None:
        self.state_dir = state_dir
        self.folders = folders
        self._servers: dict[str, ThreadingHTTPServer] = {}
        self._lock = threading.Lock()

    @property
    def sites_file(self) -> Path:
        return self.state_dir / SITES_FILE

    def start(self, environments: list[str] | None = None) -> dict[str, str]:
        """Serve `environments` (None: every environment folder there is); returns the
        URL of each."""
        if environments is None:
            root = self.folders.root
            environments = sorted(
                p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")
            ) if root.is_dir() else []
        return {name: self.serve(name) for name in environments}

    def serve(self, environment: str) -> str:
        """The URL of `environment`'s site, starting its server on first use."""
        with self._lock:
            if environment not in self._servers:
                self.folders.folder(environment)  # refuses names that are not folders
                handler = partial(_ReleaseHandler, folders=self.folders, environment=environment)
                server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
                server.daemon_threads = True
                threading.Thread(target=server.serve_forever, daemon=True,
                                 name=f"site-{environment}").start()
                self._servers[environment] = server
                self._record()
            return self._url(self._servers[environment])

    def url(self, environment: str) -> str | None:
        """The URL of a site this server runs, else the one another process recorded."""
        with self._lock:
            if environment in self._servers:
                return self._url(self._servers[environment])
        return recorded_sites(self.state_dir).get(environment)

    def stop(self) -> None:
        with self._lock:
            servers, self._servers = self._servers, {}
            for server in servers.values():
                server.shutdown()
                server.server_close()
            if servers:
                self._record()

    @staticmethod
    def _url(server: ThreadingHTTPServer) -> str:
        return f"http://127.0.0.1:{server.server_address[1]}/"

    def _record(self) -> None:
        """Rewrite this process's entries of sites.json, keeping other processes' ones."""
        try:
            entries = json.loads(self.sites_file.read_text("utf-8"))
        except (OSError, ValueError):
            entries = {}
        pid = os.getpid()
        entries = {k: v for k, v in entries.items()
                   if isinstance(v, dict) and v.get("pid") != pid}
        for name, server in self._servers.items():
            entries[name] = {"url": self._url(server), "port": server.server_address[1],
                             "pid": pid}
        write_text_atomic(self.sites_file, json.dumps(entries, indent=2, sort_keys=True) + "\n")


def recorded_sites(state_dir: Path) -> dict[str, str]:
    """environment → URL from sites.json (empty when none is recorded)."""
    try:
        entries = json.loads((state_dir / SITES_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: v["url"] for k, v in entries.items() if isinstance(v, dict) and "url" in v}


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback
            return response.status, response.read(1 << 20)
    except urllib.error.HTTPError as error:
        return error.code, b""


def url_answers(url: str) -> tuple[bool, str]:
    """GET `url`: healthy when it answers HTTP 200."""
    try:
        status, _ = _get(url)
    except (OSError, ValueError, urllib.error.URLError) as error:
        return False, f"{url} did not answer: {getattr(error, 'reason', error)}"
    return status == 200, f"HTTP {status} from {url}"


def health_check(url: str, run_id: int | None) -> tuple[bool, str]:
    """GET the site and its `release.json`: healthy when both answer 200 and the release
    served is `run_id`."""
    try:
        status, _ = _get(url)
        if status != 200:
            return False, f"HTTP {status} from {url}"
        status, body = _get(url + "release.json")
    except (OSError, urllib.error.URLError) as error:
        return False, f"{url} did not answer: {getattr(error, 'reason', error)}"
    if status != 200:
        return False, f"HTTP 200 from {url}, but HTTP {status} for its release.json"
    try:
        served = json.loads(body).get("run_id")
    except (ValueError, AttributeError):
        return False, f"HTTP 200 from {url}, but its release.json is not readable"
    if served != run_id:
        return False, f"HTTP 200 from {url}, serving release {served} instead of {run_id}"
    return True, f"HTTP 200 from {url}, serving release {served}"
