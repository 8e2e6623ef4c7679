"""Where sign-ins are kept, through the API the Sign-in dialog calls: secrets in the real
Secret Service, beside them a file with only what rebuilds an Entra ID credential; with
no secure keyring, in this session's memory when asked, and nowhere else."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from keyring.backends import fail

from release_manager.credentials import CredentialKey, CredentialStore, NoSecureStore
from release_manager.engine.azure.arm_sign_in import ArmSignIn
from release_manager.engine.azure.connection_check import check_and_keep
from release_manager.engine.azure.organization import parse_organization
from release_manager.engine.azure.saved_sign_ins import SavedSignIns
from release_manager.engine.azure.sign_in import EntraMethod, EntraSignIn, PatSignIn
from release_manager.engine.backend_errors import SignedOut

SECRET = "sp-secret-5e7a9c1b3d5f7a9c1e3b5d7f"
TOKEN = "pat-9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b"


@pytest.fixture
def organization():
    return parse_organization(f"https://dev.azure.com/test-{uuid.uuid4().hex[:12]}")


def test_a_service_principal_keeps_its_secret_in_the_keyring_only(
        secret_service, organization, tmp_path: Path) -> None:
    records = tmp_path / "azure-sign-ins.json"
    tenant, client = str(uuid.uuid4()), str(uuid.uuid4())
    saved = SavedSignIns(records=records)

    saved.save(organization, EntraSignIn(EntraMethod.SERVICE_PRINCIPAL, tenant, client,
                                         SECRET))

    key = CredentialKey("azure-client-secret", f"{tenant}/{client}")
    assert secret_service.get(key) == SECRET
    assert json.loads(records.read_text()) == {"organizations": {organization.url: {
        "method": "service-principal", "tenant": tenant, "client_id": client}}}
    rebuilt = SavedSignIns(records=records).load(organization)
    assert rebuilt == EntraSignIn(EntraMethod.SERVICE_PRINCIPAL, tenant, client, SECRET)
    assert SECRET not in repr(rebuilt)

    assert SavedSignIns(records=records).forget(organization) is True
    assert secret_service.get(key) is None
    with pytest.raises(SignedOut):
        SavedSignIns(records=records).load(organization)


def test_switching_a_token_for_entra_forgets_the_token(secret_service, organization,
                                                       tmp_path: Path) -> None:
    saved = SavedSignIns(records=tmp_path / "azure-sign-ins.json")
    saved.save(organization, PatSignIn(TOKEN))

    saved.save(organization, EntraSignIn(EntraMethod.DEVICE_CODE, "contoso.com"))

    assert secret_service.get(CredentialKey("azure-devops-pat", organization.url)) is None
    assert saved.load(organization) == EntraSignIn(EntraMethod.DEVICE_CODE, "contoso.com")
    assert TOKEN not in (tmp_path / "azure-sign-ins.json").read_text()


def test_without_a_secure_keyring_a_sign_in_lives_in_this_session_only(
        organization, tmp_path: Path) -> None:
    records = tmp_path / "azure-sign-ins.json"
    saved = SavedSignIns(CredentialStore(fail.Keyring()), records=records)
    assert not saved.keyring_is_secure()

    with pytest.raises(NoSecureStore) as refusal:
        saved.save(organization, PatSignIn(TOKEN))
    saved.save(organization, PatSignIn(TOKEN), this_session_only=True)

    assert "No secure credential store" in str(refusal.value)
    assert saved.load(organization) == PatSignIn(TOKEN)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(SignedOut) as next_session:
        SavedSignIns(CredentialStore(fail.Keyring()), records=records).load(organization)
    assert f"release-manager login --organization {organization.url}" in str(
        next_session.value)
    assert saved.forget(organization) is True
    with pytest.raises(SignedOut):
        saved.load(organization)


def test_the_dialog_signs_in_for_this_session_where_no_keyring_can_keep_it(
        azure_devops, tmp_path: Path) -> None:
    azure_devops.add_pat(TOKEN, "Jane Doe")
    organization = parse_organization(azure_devops.organization_url)
    saved = SavedSignIns(CredentialStore(fail.Keyring()), records=tmp_path / "records.json")

    with pytest.raises(NoSecureStore):
        check_and_keep(organization, PatSignIn(TOKEN), saved, "Fabrikam-Fiber")
    nothing_sent = azure_devops.calls("/_apis/connectionData") == []
    who = check_and_keep(organization, PatSignIn(TOKEN), saved, "Fabrikam-Fiber",
                         this_session_only=True)

    assert nothing_sent
    assert (who.display_name, who.project) == ("Jane Doe", "Fabrikam-Fiber")
    assert saved.load(organization) == PatSignIn(TOKEN)
    assert list(tmp_path.iterdir()) == []


def test_a_failed_check_keeps_nothing(azure_devops, tmp_path: Path) -> None:
    organization = parse_organization(azure_devops.organization_url)
    saved = SavedSignIns(CredentialStore(fail.Keyring()), records=tmp_path / "records.json")

    with pytest.raises(SignedOut):
        check_and_keep(organization, PatSignIn(TOKEN), saved, this_session_only=True)

    with pytest.raises(SignedOut):
        saved.load(organization)


def test_the_arm_sign_in_is_kept_beside_the_organizations_sharing_a_principals_secret(
        secret_service, organization, tmp_path: Path) -> None:
    records = tmp_path / "azure-sign-ins.json"
    tenant, client = str(uuid.uuid4()), str(uuid.uuid4())
    principal = EntraSignIn(EntraMethod.SERVICE_PRINCIPAL, tenant, client, SECRET)
    arm = ArmSignIn("https://management.azure.com", principal)
    saved = SavedSignIns(records=records)

    saved.save(organization, principal)
    saved.save_arm(arm)

    assert json.loads(records.read_text()) == {
        "organizations": {organization.url: {"method": "service-principal",
                                             "tenant": tenant, "client_id": client}},
        "arm": {"endpoint": "https://management.azure.com", "method": "service-principal",
                "tenant": tenant, "client_id": client}}
    assert SavedSignIns(records=records).load_arm() == arm
    key = CredentialKey("azure-client-secret", f"{tenant}/{client}")

    assert SavedSignIns(records=records).forget(organization) is True
    assert secret_service.get(key) == SECRET  # the ARM sign-in still uses it
    assert SavedSignIns(records=records).load_arm() == arm
    assert SavedSignIns(records=records).forget_arm() is True
    assert secret_service.get(key) is None
    with pytest.raises(SignedOut, match="release-manager login --arm"):
        SavedSignIns(records=records).load_arm()
