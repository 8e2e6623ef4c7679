"""Each environment's site, served on 127.0.0.1 from whatever release is current at the
moment of each request; the ports go to `.release-manager/sites.json` so the window and
the CLI can show the URLs. Each slot of an environment has its own server and port (its
entry is `<environment>/<slot>`; the production slot's is the environment's own name). A
stopped slot answers 403, as App Service does."""

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
from release_manager.core.model import PRODUCTION_SLOT
from release_manager.engine.local.deploy import EnvironmentFolders

SITES_FILE = "sites.json"

Site = tuple[str, str]
"""(environment, slot)"""


def site_key(environment: str, slot: str = PRODUCTION_SLOT) -> str:
    """A site's entry in sites.json (a slot name is never a path, nor is an environment's)."""
    return environment if slot == PRODUCTION_SLOT else f"{environment}/{slot}"


class _ReleaseHandler(SimpleHTTPRequestHandler):
    """Serves the folder of the release in service when the request arrives."""

    def __init__(self, *args, folders: EnvironmentFolders, environment: str,
                 slot: str = PRODUCTION_SLOT, **kwargs) -> None:
        self.release = folders.current_path(environment, slot)
        self.stopped = folders.stopped(environment, slot)
        self.where = environment if slot == PRODUCTION_SLOT else f"slot {slot} of {environment}"
        directory = str(self.release) if self.release else os.devnull
        super().__init__(*args, directory=directory, **kwargs)

    def send_head(self):  # noqa: ANN201 - the base class's contract
        if self.stopped:
            self.send_error(403, "stopped", f"The site of {self.where} is stopped")
            return None
        if self.release is None:
            self.send_error(503, f"No release is in service in {self.where}")
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
        self._servers: dict[Site, ThreadingHTTPServer] = {}
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

    def serve(self, environment: str, slot: str = PRODUCTION_SLOT) -> str:
        """The URL of `environment`'s site (of its `slot`), starting its server on first
        use."""
        with self._lock:
            site = (environment, slot)
            if site not in self._servers:
                self.folders.slot_folder(environment, slot)  # refuses names that are not
                self._servers[site] = self._start(site, 0)
                self._record()
            return self._url(self._servers[site])

    def restart(self, environment: str, slot: str = PRODUCTION_SLOT) -> str:
        """Stop the slot's server and start it again, on the same port when it is free
        (another one otherwise); its URL."""
        with self._lock:
            site = (environment, slot)
            self.folders.slot_folder(environment, slot)
            old = self._servers.pop(site, None)
            port = 0
            if old is not None:
                port = old.server_address[1]
                old.shutdown()
                old.server_close()
            try:
                self._servers[site] = self._start(site, port)
            except OSError:
                self._servers[site] = self._start(site, 0)
            self._record()
            return self._url(self._servers[site])

    def _start(self, site: Site, port: int) -> ThreadingHTTPServer:
        environment, slot = site
        handler = partial(_ReleaseHandler, folders=self.folders, environment=environment,
                          slot=slot)
        server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True,
                         name=f"site-{site_key(environment, slot)}").start()
        return server

    def url(self, environment: str, slot: str = PRODUCTION_SLOT) -> str | None:
        """The URL of a site this server runs, else the one another process recorded."""
        with self._lock:
            if (environment, slot) in self._servers:
                return self._url(self._servers[(environment, slot)])
        return recorded_url(self.state_dir, environment, slot)

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
        for (environment, slot), server in self._servers.items():
            entries[site_key(environment, slot)] = {
                "url": self._url(server), "port": server.server_address[1], "pid": pid,
                "environment": environment, "slot": slot}
        write_text_atomic(self.sites_file, json.dumps(entries, indent=2, sort_keys=True) + "\n")


def _entries(state_dir: Path) -> dict[str, str]:
    try:
        entries = json.loads((state_dir / SITES_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(entries, dict):
        return {}
    return {k: v["url"] for k, v in entries.items() if isinstance(v, dict) and "url" in v}


def recorded_sites(state_dir: Path) -> dict[str, str]:
    """environment → URL of its production slot from sites.json (empty when none is
    recorded)."""
    return {k: url for k, url in _entries(state_dir).items() if "/" not in k}


def recorded_url(state_dir: Path, environment: str, slot: str = PRODUCTION_SLOT) -> str | None:
    """The URL sites.json records for `environment`'s `slot` (None: none)."""
    return _entries(state_dir).get(site_key(environment, slot))


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
