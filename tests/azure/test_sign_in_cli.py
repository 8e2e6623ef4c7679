"""`release-manager login` / `logout` as a user runs them: a real subprocess, the token on
standard input, the HTTPS emulator as Azure DevOps and the real Secret Service as the
keyring (the test command runs gnome-keyring in a private D-Bus session: dev.py test).

Each test gives the command a HOME and XDG folders of its own, so what it wrote can be
read back, and the token looked for in every file of them."""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from azure_emulator.auth import VIEW_PROJECT

from release_manager.credentials import CredentialKey

TOKEN = "pat-7f3c9a1e5b2d4c6e8a0f1b3d5c7e9a2b"
OTHER_TOKEN = "pat-0000aaaa1111bbbb2222cccc3333dddd"


@dataclass
class User:
    """The folders of one user of the machine and the environment the command sees."""

    home: Path
    env: dict[str, str]

    @property
    def config(self) -> Path:
        return self.home / ".config"

    def files(self) -> list[Path]:
        return [path for path in self.home.rglob("*") if path.is_file()]


@pytest.fixture
def user(tmp_path: Path) -> User:
    home = tmp_path / "home"
    env = {name: value for name, value in os.environ.items()
           if name not in ("AZURE_DEVOPS_EXT_PAT", "PYTHON_KEYRING_BACKEND", "CURL_CA_BUNDLE")}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"),
               XDG_DATA_HOME=str(home / ".local" / "share"),
               XDG_STATE_HOME=str(home / ".local" / "state"),
               XDG_CACHE_HOME=str(home / ".cache"))
    home.mkdir()
    return User(home, env)


def release_manager(user: User, *args: str, stdin: str = "",
                    **env: str | None) -> subprocess.CompletedProcess[str]:
    environment = dict(user.env)
    for name, value in env.items():
        if value is None:
            environment.pop(name, None)
        else:
            environment[name] = value
    return subprocess.run([sys.executable, "-m", "release_manager", *args], input=stdin,
                          capture_output=True, text=True, env=environment, timeout=120)


def pat_key(url: str) -> CredentialKey:
    return CredentialKey("azure-devops-pat", url)


def assert_token_nowhere(token: str, user: User, *outputs: str) -> None:
    """Neither the token nor the form it is sent in (HTTP Basic) is in any file of the
    user's folders or in what the commands printed."""
    forms = [token.encode(), base64.b64encode(f":{token}".encode())]
    for path in user.files():
        content = path.read_bytes()
        assert not any(form in content for form in forms), path
    for output in outputs:
        assert not any(form.decode() in output for form in forms)


def test_login_keeps_the_token_in_the_keyring_and_logout_forgets_it(
        azure_devops, user, secret_service) -> None:
    azure_devops.add_pat(TOKEN, "Jane Doe")
    url = azure_devops.organization_url

    login = release_manager(user, "login", "--organization", url, stdin=TOKEN + "\n")

    assert login.returncode == 0, login.stderr
    assert login.stdout == f"Signed in to {url} as Jane Doe\n"
    assert secret_service.get(pat_key(url)) == TOKEN
    records = json.loads((user.config / "release-manager" / "azure-sign-ins.json").read_text())
    assert records == {"organizations": {url: {"method": "pat"}}}

    logout = release_manager(user, "logout", "--organization", url)
    again = release_manager(user, "logout", "--organization", url)

    assert (logout.returncode, logout.stdout) == (0, f"Signed out of {url}\n")
    assert secret_service.get(pat_key(url)) is None
    assert (again.returncode, again.stdout) == (0, f"Not signed in to {url}: nothing to forget\n")
    assert_token_nowhere(TOKEN, user, login.stdout, login.stderr, logout.stdout)


def test_a_wrong_token_is_refused_as_unauthorized_and_nothing_is_kept(
        azure_devops, user, secret_service) -> None:
    url = azure_devops.organization_url

    login = release_manager(user, "login", "--organization", url, stdin=TOKEN)

    assert login.returncode == 1
    assert login.stderr == (f"release-manager: {url} refused the credentials (HTTP 401 "
                            "Unauthorized): the token is wrong, revoked or expired. Sign in "
                            "again.\n")
    assert secret_service.get(pat_key(url)) is None
    assert user.files() == []


def test_a_token_without_the_permission_is_refused_naming_it(
        azure_devops, user, secret_service) -> None:
    azure_devops.add_pat(TOKEN, "Jane Doe", denied={VIEW_PROJECT})
    url = azure_devops.organization_url

    login = release_manager(user, "login", "--organization", url, "--project",
                            "Fabrikam-Fiber", stdin=TOKEN)

    assert login.returncode == 1
    assert "HTTP 403 Forbidden" in login.stderr
    assert f"You need the permission {VIEW_PROJECT}." in login.stderr
    assert len(login.stderr.splitlines()) == 1
    assert secret_service.get(pat_key(url)) is None


def test_an_unknown_project_is_named(azure_devops, user, secret_service) -> None:
    azure_devops.add_pat(TOKEN, "Jane Doe")
    url = azure_devops.organization_url

    login = release_manager(user, "login", "--organization", url, "--project", "Tailspin",
                            stdin=TOKEN)
    known = release_manager(user, "login", "--organization", url, "--project",
                            "fabrikam-fiber", stdin=TOKEN)

    assert login.returncode == 1
    assert login.stderr == (f"release-manager: The project 'Tailspin' does not exist at "
                            f"{url}, or this sign-in cannot see it (HTTP 404).\n")
    assert known.returncode == 0, known.stderr
    assert known.stdout == f"Signed in to {url} as Jane Doe (project Fabrikam-Fiber)\n"


def test_an_unknown_organization_is_named(azure_devops, user, secret_service) -> None:
    azure_devops.add_pat(TOKEN, "Jane Doe")
    url = f"{azure_devops.base_url}/tailspin"

    login = release_manager(user, "login", "--organization", url, stdin=TOKEN)

    assert login.returncode == 1
    assert login.stderr == (f"release-manager: There is no organization at {url} "
                            "(HTTP 404): check the URL.\n")
    assert secret_service.get(pat_key(url)) is None


def test_an_unreachable_host_is_said_after_the_retries(user, secret_service) -> None:
    with socket.socket() as probe:  # a port that was free, closed again: refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"https://localhost:{port}/fabrikam"

    login = release_manager(user, "login", "--organization", url, stdin=TOKEN)

    assert login.returncode == 1
    assert login.stderr == ("release-manager: Cannot reach localhost: the connection was "
                            "refused.\n")
    assert secret_service.get(pat_key(url)) is None


def test_an_untrusted_certificate_names_the_host_and_requests_ca_bundle(
        azure_devops, user, secret_service) -> None:
    azure_devops.add_pat(TOKEN, "Jane Doe")
    url = azure_devops.organization_url

    untrusted = release_manager(user, "login", "--organization", url, stdin=TOKEN,
                                REQUESTS_CA_BUNDLE=None)

    assert untrusted.returncode == 1
    assert untrusted.stderr == (
        "release-manager: The certificate of localhost is not trusted: if your network "
        "inspects TLS, set REQUESTS_CA_BUNDLE to the PEM file of its certificate "
        "authority.\n")
    assert secret_service.get(pat_key(url)) is None
    assert azure_devops.calls("connectionData") == []  # refused before anything was sent


def test_requests_ca_bundle_is_what_makes_the_emulator_trusted(
        azure_devops, user, secret_service, tmp_path: Path) -> None:
    azure_devops.add_pat(TOKEN, "Jane Doe")
    wrong_bundle = tmp_path / "other-ca.pem"
    import trustme

    wrong_bundle.write_bytes(trustme.CA().cert_pem.bytes())

    login = release_manager(user, "login", "--organization", azure_devops.organization_url,
                            stdin=TOKEN, REQUESTS_CA_BUNDLE=str(wrong_bundle))

    assert login.returncode == 1
    assert (f"The certificate of localhost is not trusted: REQUESTS_CA_BUNDLE "
            f"({wrong_bundle}) does not hold its certificate authority.") in login.stderr


def test_a_requests_ca_bundle_that_does_not_exist_is_named(azure_devops, user,
                                                           secret_service, tmp_path) -> None:
    azure_devops.add_pat(TOKEN, "Jane Doe")
    missing = tmp_path / "corporate-ca.pem"

    login = release_manager(user, "login", "--organization", azure_devops.organization_url,
                            stdin=TOKEN, REQUESTS_CA_BUNDLE=str(missing))

    assert login.returncode == 1
    assert login.stderr == (f"release-manager: REQUESTS_CA_BUNDLE names {missing}, which "
                            "does not exist: point it at the PEM file of the certificate "
                            "authority localhost is signed by.\n")


@pytest.mark.parametrize("form", ["{base}/fabrikam/", "{upper}/Fabrikam",
                                  "{base}/fabrikam/_settings/"])
def test_each_url_form_signs_in_to_the_one_organization(
        azure_devops, user, secret_service, form: str) -> None:
    azure_devops.add_pat(TOKEN, "Jane Doe")
    pasted = form.format(base=azure_devops.base_url,
                         upper=azure_devops.base_url.replace("localhost", "LOCALHOST"))

    login = release_manager(user, "login", "--organization", pasted, stdin=TOKEN)

    assert login.returncode == 0, login.stderr
    assert login.stdout == f"Signed in to {azure_devops.organization_url} as Jane Doe\n"
    assert secret_service.get(pat_key(azure_devops.organization_url)) == TOKEN


def test_a_project_url_signs_in_to_its_organization_and_checks_the_project(
        azure_devops, user, secret_service) -> None:
    azure_devops.add_pat(TOKEN, "Jane Doe")
    url = azure_devops.organization_url

    login = release_manager(user, "login", "--organization", f"{url}/Fabrikam-Fiber/_build",
                            stdin=TOKEN)

    assert login.returncode == 0, login.stderr
    assert login.stderr == (f"release-manager: 'Fabrikam-Fiber' in the URL is a project: "
                            f"signing in to {url} and checking that project\n")
    assert login.stdout == f"Signed in to {url} as Jane Doe (project Fabrikam-Fiber)\n"
    assert azure_devops.calls("/_apis/projects/Fabrikam-Fiber")


@pytest.mark.parametrize(("pasted", "said"), [
    ("http://dev.azure.com/fabrikam", "is not an https URL"),
    ("https://dev.azure.com", "names no organization"),
    ("https://server.example.com:99999/tfs/x", "has a bad port"),
])
def test_a_malformed_url_is_bad_input(user, pasted: str, said: str) -> None:
    login = release_manager(user, "login", "--organization", pasted, stdin=TOKEN)
    logout = release_manager(user, "logout", "--organization", pasted)

    for result in (login, logout):
        assert result.returncode == 2
        assert said in result.stderr
        assert len(result.stderr.splitlines()) == 1
        assert result.stdout == ""


def test_no_token_on_standard_input_is_bad_input(azure_devops, user, secret_service) -> None:
    login = release_manager(user, "login", "--organization", azure_devops.organization_url,
                            stdin="")

    assert login.returncode == 2
    assert login.stderr == ("release-manager: no personal access token given: pipe it "
                            "on standard input or in AZURE_DEVOPS_EXT_PAT\n")


def test_without_a_secure_keyring_login_is_refused_and_writes_nothing(
        azure_devops, user) -> None:
    azure_devops.add_pat(TOKEN, "Jane Doe")

    login = release_manager(user, "login", "--organization", azure_devops.organization_url,
                            stdin=TOKEN, PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")

    assert login.returncode == 1
    assert login.stderr.startswith("release-manager: No secure credential store was found")
    assert "never stores secrets in plain files" in login.stderr
    assert user.files() == []
    assert azure_devops.calls("connectionData") == []


def test_the_token_may_come_from_azure_devops_ext_pat(azure_devops, user,
                                                      secret_service) -> None:
    azure_devops.add_pat(OTHER_TOKEN, "Jane Doe")
    url = azure_devops.organization_url

    login = release_manager(user, "login", "--organization", url, stdin="",
                            AZURE_DEVOPS_EXT_PAT=OTHER_TOKEN)

    assert login.returncode == 0, login.stderr
    assert secret_service.get(pat_key(url)) == OTHER_TOKEN
    assert_token_nowhere(OTHER_TOKEN, user, login.stdout, login.stderr)


def test_throttled_sign_in_waits_retry_after_then_succeeds(azure_devops, user,
                                                           secret_service) -> None:
    azure_devops.add_pat(TOKEN, "Jane Doe")
    azure_devops.faults.fail("/_apis/connectionData", 429, retry_after=1)
    url = azure_devops.organization_url

    login = release_manager(user, "login", "--organization", url, stdin=TOKEN)

    assert login.returncode == 0, login.stderr
    assert login.stdout == f"Signed in to {url} as Jane Doe\n"
    assert len(azure_devops.calls("/_apis/connectionData")) == 2


def test_the_token_is_in_no_file_and_no_output_after_every_outcome(
        azure_devops, user, secret_service) -> None:
    azure_devops.add_pat(TOKEN, "Jane Doe", denied={VIEW_PROJECT})
    url = azure_devops.organization_url
    azure_devops.faults.fail("/_apis/connectionData", 500)
    outputs: list[str] = []
    for args in (["--project", "Fabrikam-Fiber"], ["--project", "Tailspin"], []):
        result = release_manager(user, "login", "--organization", url, *args, stdin=TOKEN)
        outputs += [result.stdout, result.stderr]
    azure_devops.revoke(TOKEN)
    for command in (["login", "--organization", url], ["logout", "--organization", url]):
        result = release_manager(user, *command, stdin=TOKEN)
        outputs += [result.stdout, result.stderr]

    assert user.files(), "the commands wrote their sign-in records"
    assert_token_nowhere(TOKEN, user, *outputs)


ENTRA_TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.entra-test-access-token"


def fake_az(folder: Path, script: str) -> str:
    """A PATH whose `az` runs `script` (the Azure CLI that azure-identity asks for a
    token with `az account get-access-token`)."""
    folder.mkdir()
    az = folder / "az"
    az.write_text(f"#!/bin/sh\n{script}\n")
    az.chmod(0o755)
    return f"{folder}{os.pathsep}{os.environ['PATH']}"


def test_entra_through_the_azure_cli_keeps_only_the_method(
        azure_devops, user, secret_service, tmp_path: Path) -> None:
    azure_devops.add_bearer(ENTRA_TOKEN, "Jane Entra")
    url = azure_devops.organization_url
    path = fake_az(tmp_path / "bin", (
        'case "$*" in *"--resource 499b84ac-1321-427f-aa17-267ca6975798"*) ;; '
        '*) echo "unexpected resource: $*" >&2; exit 1;; esac\n'
        f'echo \'{{"accessToken": "{ENTRA_TOKEN}", "expires_on": 4102444800, '
        '"tokenType": "Bearer"}\''))

    login = release_manager(user, "login", "--organization", url, "--entra", "azure-cli",
                            PATH=path)

    assert login.returncode == 0, login.stderr
    assert login.stdout == f"Signed in to {url} as Jane Entra\n"
    records = json.loads((user.config / "release-manager" / "azure-sign-ins.json").read_text())
    assert records == {"organizations": {url: {"method": "azure-cli", "tenant": "",
                                               "client_id": ""}}}
    assert secret_service.get(pat_key(url)) is None
    assert_token_nowhere(ENTRA_TOKEN, user, login.stdout, login.stderr)


def test_entra_through_a_signed_out_azure_cli_is_refused(azure_devops, user, secret_service,
                                                         tmp_path: Path) -> None:
    path = fake_az(tmp_path / "bin",
                   'echo "ERROR: Please run \'az login\' to setup account." >&2; exit 1')

    login = release_manager(user, "login", "--organization", azure_devops.organization_url,
                            "--entra", "azure-cli", PATH=path)

    assert login.returncode == 1
    assert login.stderr.startswith(
        f"release-manager: Microsoft Entra ID sign-in for {azure_devops.organization_url} "
        "failed: ")
    assert "az login" in login.stderr
    assert len(login.stderr.splitlines()) == 1
    assert user.files() == []


def test_a_service_principal_needs_its_tenant_and_client_id(azure_devops, user) -> None:
    login = release_manager(user, "login", "--organization", azure_devops.organization_url,
                            "--entra", "service-principal", "--tenant", "contoso.com",
                            stdin="secret")

    assert login.returncode == 2
    assert login.stderr == ("release-manager: --entra service-principal needs --tenant and "
                            "--client-id\n")


TENANT = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
CLIENT_ID = "release-bot-app"
CLIENT_SECRET = "sp-secret-4c6e8a0b2d4f6a8c0e2b4d6f"


def test_a_service_principal_signs_in_and_its_secret_goes_to_the_keyring(
        azure_devops, user, secret_service) -> None:
    azure_devops.add_service_principal(TENANT, CLIENT_ID, CLIENT_SECRET, "release-bot")
    url = azure_devops.organization_url

    login = release_manager(user, "login", "--organization", url, "--entra",
                            "service-principal", "--tenant", TENANT, "--client-id", CLIENT_ID,
                            stdin=CLIENT_SECRET + "\n", AZURE_AUTHORITY_HOST=azure_devops.base_url)

    assert login.returncode == 0, login.stderr
    assert login.stdout == f"Signed in to {url} as release-bot\n"
    secret_key = CredentialKey("azure-client-secret", f"{TENANT}/{CLIENT_ID}")
    assert secret_service.get(secret_key) == CLIENT_SECRET
    records = json.loads((user.config / "release-manager" / "azure-sign-ins.json").read_text())
    assert records == {"organizations": {url: {"method": "service-principal",
                                               "tenant": TENANT, "client_id": CLIENT_ID}}}
    assert_token_nowhere(CLIENT_SECRET, user, login.stdout, login.stderr)

    logout = release_manager(user, "logout", "--organization", url)

    assert logout.stdout == f"Signed out of {url}\n"
    assert secret_service.get(secret_key) is None


def test_a_service_principal_with_a_wrong_secret_is_refused(azure_devops, user,
                                                            secret_service) -> None:
    azure_devops.add_service_principal(TENANT, CLIENT_ID, CLIENT_SECRET)
    url = azure_devops.organization_url

    login = release_manager(user, "login", "--organization", url, "--entra",
                            "service-principal", "--tenant", TENANT, "--client-id", CLIENT_ID,
                            stdin="not-the-secret-0123456789\n",
                            AZURE_AUTHORITY_HOST=azure_devops.base_url)

    assert login.returncode == 1
    assert login.stderr.startswith(
        f"release-manager: Microsoft Entra ID sign-in for {url} failed: ")
    assert "AADSTS7000215" in login.stderr
    assert len(login.stderr.splitlines()) == 1
    assert "not-the-secret-0123456789" not in login.stderr
    assert secret_service.get(CredentialKey("azure-client-secret",
                                            f"{TENANT}/{CLIENT_ID}")) is None
    assert user.files() == []
