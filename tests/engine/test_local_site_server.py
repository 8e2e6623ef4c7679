"""The site server: each environment's current release over HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from release_manager.engine.local.backend import LocalBackend
from release_manager.engine.local.site_server import recorded_sites


def install(backend: LocalBackend, tmp_path, run_id: int, environment: str = "dev") -> None:
    package = tmp_path / f"package-{environment}-{run_id}"
    package.mkdir()
    (package / "index.html").write_text(f"<h1>Space Game build {run_id}</h1>\n")
    backend.environments.install(environment, run_id, package, {"commit": "abc"})
    backend.environments.switch(environment, run_id)


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, ""


@pytest.fixture
def backend(tmp_path):
    workspace = tmp_path / "ws"
    workspace.mkdir()
    backend = LocalBackend(workspace)
    yield backend
    backend.close()


def test_serves_whatever_is_current_now(backend, tmp_path):
    install(backend, tmp_path, 1)
    url = backend.sites.serve("dev")
    assert url.startswith("http://127.0.0.1:")
    assert get(url) == (200, "<h1>Space Game build 1</h1>\n")
    install(backend, tmp_path, 2)
    assert get(url) == (200, "<h1>Space Game build 2</h1>\n")
    backend.activate("dev", 1, type("Quiet", (), {"write": lambda self, line: None})())
    assert get(url + "index.html") == (200, "<h1>Space Game build 1</h1>\n")


def test_health_check_sees_the_current_release(backend, tmp_path):
    assert backend.health_check("dev") == (False, "dev has no release in service")
    install(backend, tmp_path, 4)
    healthy, seen = backend.health_check("dev")
    url = backend.sites.url("dev")
    assert healthy
    assert seen == f"HTTP 200 from {url}, serving release 4"


def test_health_check_of_a_deployment_verifies_its_own_release(backend, tmp_path):
    install(backend, tmp_path, 4)
    install(backend, tmp_path, 5)
    backend.activate("dev", 4, type("Quiet", (), {"write": lambda self, line: None})())
    assert backend.health_check("dev", run_id=4)[0]
    assert backend.health_check("dev", run_id=5) == (
        False, "dev has release 4 in service, not release 5 that was deployed")


def test_an_environment_without_a_release_answers_503(backend):
    status, _ = get(backend.sites.serve("qa"))
    assert status == 503


def test_urls_are_recorded_for_other_processes_and_removed_on_stop(backend, tmp_path):
    install(backend, tmp_path, 1, "dev")
    install(backend, tmp_path, 1, "test")
    urls = backend.sites.start()
    assert sorted(urls) == ["dev", "test"]
    assert recorded_sites(backend.state_dir) == urls
    entries = json.loads((backend.state_dir / "sites.json").read_text())
    assert {entry["port"] for entry in entries.values()} == {
        int(url.rsplit(":", 1)[1].strip("/")) for url in urls.values()}
    backend.sites.stop()
    assert recorded_sites(backend.state_dir) == {}
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(urls["dev"], timeout=5)
