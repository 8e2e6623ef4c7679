"""`release-manager connect` / `disconnect` as a user runs them: a real subprocess, signed
in first with `release-manager login` (the token in the real Secret Service: the test
command runs gnome-keyring in a private D-Bus session), the HTTPS emulator as Azure
DevOps, and the workspace's `.release-manager/azure.yml` read back."""

from __future__ import annotations

from pathlib import Path

import pytest
import test_sign_in_cli
from azure_emulator.auth import VIEW_BUILDS
from azure_emulator.state import StageSpec
from test_sign_in_cli import TOKEN, User, assert_token_nowhere, pat_key, release_manager

from release_manager.engine.azure.binding import AzureBinding, binding_path, load_binding

PROJECT = "Fabrikam-Fiber"
user = test_sign_in_cli.user  # the fixtures: a user's folders, the machine's keyring
STAGES = [StageSpec("Build"), StageSpec("Deploy", environment="production")]


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    folder = tmp_path / "clone"
    folder.mkdir()
    (folder / "azure-pipelines.yml").write_text("stages:\n- stage: Build\n")
    return folder


def signed_in(azure_devops, user: User, **denied) -> str:
    azure_devops.add_pat(TOKEN, "Jane Doe", **denied)
    url = azure_devops.organization_url
    login = release_manager(user, "login", "--organization", url, stdin=TOKEN)
    assert login.returncode == 0, login.stderr
    return url


def connect(user: User, url: str, workspace: Path, pipeline: str, project: str = PROJECT):
    return release_manager(user, "connect", "--organization", url, "--project", project,
                           "--pipeline", pipeline, "--workspace", str(workspace))


def test_connect_by_id_writes_the_binding_and_no_secret(azure_devops, user, secret_service,
                                                         workspace) -> None:
    url = signed_in(azure_devops, user)
    azure_devops.add_pipeline("web-frontend", STAGES)
    api = azure_devops.add_pipeline("orders-api", STAGES)

    result = connect(user, url, workspace, str(api.id))

    assert result.returncode == 0, result.stderr
    assert result.stdout == (f"Connected {workspace} to pipeline orders-api (id {api.id}) "
                             f"of {url}/{PROJECT}\n")
    assert load_binding(workspace) == AzureBinding(url, PROJECT, api.id, "orders-api")
    text = binding_path(workspace).read_text()
    assert f"organization: {url}\n" in text and "pipeline:\n  id: " in text
    assert TOKEN not in text
    assert_token_nowhere(TOKEN, user, result.stdout, result.stderr)


def test_connect_by_name_in_another_case_and_project_spelling(azure_devops, user,
                                                              secret_service, workspace) -> None:
    url = signed_in(azure_devops, user)
    web = azure_devops.add_pipeline("Web-Frontend", STAGES)

    result = connect(user, url, workspace, "WEB-frontend", project="fabrikam-fiber")

    assert result.returncode == 0, result.stderr
    assert load_binding(workspace) == AzureBinding(url, PROJECT, web.id, "Web-Frontend")


def test_pipelines_are_found_on_every_page(azure_devops, user, secret_service,
                                           workspace) -> None:
    url = signed_in(azure_devops, user)
    pipelines = [azure_devops.add_pipeline(f"service-{number:03}", STAGES)
                 for number in range(105)]

    result = connect(user, url, workspace, "SERVICE-104")

    assert result.returncode == 0, result.stderr
    assert load_binding(workspace).pipeline_id == pipelines[-1].id
    listed = azure_devops.calls(f"/{PROJECT}/_apis/pipelines", "GET")
    assert [("continuationToken" in call.query) for call in listed] == [False, True]


def test_an_unknown_pipeline_is_refused_with_the_known_ones(azure_devops, user,
                                                            secret_service, workspace) -> None:
    url = signed_in(azure_devops, user)
    web = azure_devops.add_pipeline("web-frontend", STAGES)
    api = azure_devops.add_pipeline("orders-api", STAGES)

    result = connect(user, url, workspace, "payments")

    assert result.returncode == 1
    assert result.stderr == (
        f"release-manager: There is no pipeline 'payments' in project {PROJECT}; its "
        f"pipelines: orders-api (id {api.id}), web-frontend (id {web.id}).\n")
    assert not binding_path(workspace).parent.exists()


def test_signed_out_is_told_to_sign_in_first(azure_devops, user, secret_service,
                                             workspace) -> None:
    azure_devops.add_pipeline("web-frontend", STAGES)
    url = azure_devops.organization_url

    result = connect(user, url, workspace, "web-frontend")

    assert result.returncode == 1
    assert result.stderr == (f"release-manager: Sign in first: release-manager login "
                             f"--organization {url}\n")
    assert azure_devops.calls("/_apis/") == []
    assert not binding_path(workspace).parent.exists()


def test_a_sign_in_without_the_permission_is_refused_naming_it(azure_devops, user,
                                                               secret_service, workspace) -> None:
    url = signed_in(azure_devops, user, denied={VIEW_BUILDS})
    azure_devops.add_pipeline("web-frontend", STAGES)

    result = connect(user, url, workspace, "web-frontend")

    assert result.returncode == 1
    assert "HTTP 403 Forbidden" in result.stderr
    assert f"You need the permission {VIEW_BUILDS}." in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert not binding_path(workspace).parent.exists()


def test_an_unknown_project_is_named(azure_devops, user, secret_service, workspace) -> None:
    url = signed_in(azure_devops, user)

    result = connect(user, url, workspace, "web-frontend", project="Tailspin")

    assert result.returncode == 1
    assert result.stderr == (f"release-manager: The project 'Tailspin' does not exist at "
                             f"{url}, or this sign-in cannot see it (HTTP 404).\n")


def test_an_unreachable_organization_is_said(azure_devops, user, secret_service,
                                             workspace) -> None:
    url = signed_in(azure_devops, user)
    azure_devops.stop()

    result = connect(user, url, workspace, "web-frontend")

    assert result.returncode == 1
    assert result.stderr == ("release-manager: Cannot reach localhost: the connection was "
                             "refused.\n")
    assert not binding_path(workspace).parent.exists()


def test_a_workspace_folder_that_does_not_exist_is_bad_input(azure_devops, user,
                                                             tmp_path) -> None:
    missing = tmp_path / "nowhere"

    result = connect(user, azure_devops.organization_url, missing, "1")
    disconnected = release_manager(user, "disconnect", "--workspace", str(missing))

    for each in (result, disconnected):
        assert each.returncode == 2
        assert each.stderr == f"release-manager: {missing}: no such workspace folder\n"
    assert not missing.exists()


def test_disconnect_removes_the_binding_and_nothing_else(azure_devops, user, secret_service,
                                                         workspace) -> None:
    url = signed_in(azure_devops, user)
    web = azure_devops.add_pipeline("web-frontend", STAGES)
    assert connect(user, url, workspace, str(web.id)).returncode == 0
    keep = workspace / ".release-manager" / "environments.yml"
    keep.write_text("environments: {}\n")

    result = release_manager(user, "disconnect", "--workspace", str(workspace))
    again = release_manager(user, "disconnect", "--workspace", str(workspace))

    assert (result.returncode, result.stdout) == (0, f"Disconnected {workspace} from "
                                                     "Azure DevOps\n")
    assert not binding_path(workspace).exists() and keep.exists()
    assert (again.returncode, again.stdout) == (
        0, f"{workspace} is not connected to Azure DevOps: nothing to remove\n")
    assert secret_service.get(pat_key(url)) == TOKEN  # still signed in
