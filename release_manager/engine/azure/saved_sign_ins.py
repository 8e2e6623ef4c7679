"""Where sign-ins are kept: secrets in the OS keyring only, and beside them, in a small
JSON file in the user's config folder, just what rebuilds an Entra ID credential (the
method, tenant and client id: never a secret). Without a secure keyring a sign-in may be
kept in this process's memory for the session, when the user chose so; never in a file.
The one Azure Resource Manager sign-in (App Service) is kept the same way, with its
endpoint, under `arm` in the same file.
"""

from __future__ import annotations

import json
from pathlib import Path

from platformdirs import user_config_dir

from release_manager.about import APP_ID
from release_manager.core.atomic_file import write_text_atomic
from release_manager.credentials import CredentialKey, CredentialStore
from release_manager.engine.azure.arm_sign_in import ARM_LOGIN, ArmSignIn
from release_manager.engine.azure.organization import Organization
from release_manager.engine.azure.sign_in import (
    CLIENT_SECRET_KIND,
    PAT_KIND,
    EntraMethod,
    EntraSignIn,
    PatSignIn,
    SignIn,
)
from release_manager.engine.backend_errors import SignedOut

RECORDS_NAME = "azure-sign-ins.json"
PAT_METHOD = "pat"


def records_path() -> Path:
    """The non-secret file of sign-in methods, in the user's config folder."""
    return Path(user_config_dir(APP_ID, appauthor=False)) / RECORDS_NAME


def pat_key(organization: Organization) -> CredentialKey:
    return CredentialKey(PAT_KIND, organization.url)


def client_secret_key(tenant: str, client_id: str) -> CredentialKey:
    """Where a service principal's secret is kept: scope tenant/client id."""
    return CredentialKey(CLIENT_SECRET_KIND, f"{tenant}/{client_id}")


class SavedSignIns:
    """The sign-ins of this user. One instance lives as long as the window (or the
    command): the sign-ins kept for this session only live in it."""

    def __init__(self, store: CredentialStore | None = None,
                 records: Path | None = None) -> None:
        self._store = store or CredentialStore()
        self._records = records or records_path()
        self._session: dict[str, SignIn] = {}

    def keyring_is_secure(self) -> bool:
        """False where a sign-in can only be kept for this session (`this_session_only`)."""
        return self._store.is_secure()

    def require_secure(self) -> None:
        """NoSecureStore, saying what to do, when only `this_session_only` is possible."""
        self._store.require_secure()

    def save(self, organization: Organization, sign_in: SignIn, *,
             this_session_only: bool = False) -> None:
        """Keep `sign_in` for `organization`: in the keyring (NoSecureStore when there is
        no secure one), or in memory until this process ends."""
        if this_session_only:
            self._session[organization.url] = sign_in
            return
        self._store.require_secure()
        if isinstance(sign_in, PatSignIn):
            self._store.set(pat_key(organization), sign_in.token)
            record: dict[str, str] = {"method": PAT_METHOD}
        else:
            if sign_in.client_secret is not None:
                self._store.set(client_secret_key(sign_in.tenant or "", sign_in.client_id or ""),
                                sign_in.client_secret)
            self._store.delete(pat_key(organization))
            record = {"method": sign_in.method.value, "tenant": sign_in.tenant or "",
                      "client_id": sign_in.client_id or ""}
        records = self._read()
        records[organization.url] = record
        self._write(records)
        self._session.pop(organization.url, None)

    def load(self, organization: Organization) -> SignIn:
        """The sign-in kept for `organization`; SignedOut when there is none."""
        if organization.url in self._session:
            return self._session[organization.url]
        record = self._read().get(organization.url, {"method": PAT_METHOD})
        if record["method"] == PAT_METHOD:
            token = self._store.get(pat_key(organization)) if self._store.is_secure() else None
            if token is None:
                raise SignedOut(f"Not signed in to {organization.url}: run "
                                f"`release-manager login --organization {organization.url}`.",
                                organization.url)
            return PatSignIn(token)
        method, tenant, client_id = (EntraMethod(record["method"]), record["tenant"],
                                     record["client_id"])
        if method is not EntraMethod.SERVICE_PRINCIPAL:
            return EntraSignIn(method, tenant or None, client_id or None)
        secret = self._store.get(client_secret_key(tenant, client_id))
        if secret is None:
            raise SignedOut(f"The secret of service principal {client_id} is no longer in "
                            f"the keyring: sign in to {organization.url} again.",
                            organization.url)
        return EntraSignIn(method, tenant, client_id, secret)

    def organizations(self) -> list[str]:
        """The URLs of the organizations signed in to (kept, or for this session), sorted."""
        return sorted(set(self._read()) | set(self._session))

    def forget(self, organization: Organization) -> bool:
        """Forget the sign-in to `organization` (its token, or its service principal's
        secret when no other organization uses it); False when there was none."""
        found = self._session.pop(organization.url, None) is not None
        records = self._read()
        record = records.pop(organization.url, None)
        if record is not None:
            found = True
            self._write(records)
        if not self._store.is_secure():
            return found
        found |= self._store.delete(pat_key(organization))
        if record is not None:
            self._forget_secret_unless_used(record, self._document())
        return found

    def save_arm(self, sign_in: ArmSignIn) -> None:
        """Keep the Azure Resource Manager sign-in (one per user: a new one replaces it):
        its service principal's secret in the keyring, its endpoint, method, tenant and
        client id in the file (NoSecureStore when there is no secure keyring)."""
        self._store.require_secure()
        entra = sign_in.entra
        if entra.client_secret is not None:
            self._store.set(client_secret_key(entra.tenant or "", entra.client_id or ""),
                            entra.client_secret)
        document = self._document()
        previous = document.get("arm")
        document["arm"] = {"endpoint": sign_in.endpoint, "method": entra.method.value,
                           "tenant": entra.tenant or "", "client_id": entra.client_id or ""}
        self._write_document(document)
        if isinstance(previous, dict):
            self._forget_secret_unless_used(previous, document)

    def arm_record(self) -> dict[str, str] | None:
        """What the file keeps of the Azure Resource Manager sign-in (endpoint, method,
        tenant, client id: never a secret), None when there is none; the keyring is not
        asked (the window shows it before signing in again or out)."""
        record = self._document().get("arm")
        return dict(record) if isinstance(record, dict) and record.get("endpoint") else None

    def load_arm(self) -> ArmSignIn:
        """The Azure Resource Manager sign-in; SignedOut saying how to sign in when there
        is none (or its service principal's secret left the keyring)."""
        record = self._document().get("arm")
        if not isinstance(record, dict) or not record.get("endpoint"):
            raise SignedOut(f"Not signed in to Azure Resource Manager: run `{ARM_LOGIN}`.",
                            "")
        endpoint = record["endpoint"]
        method = EntraMethod(record["method"])
        tenant, client_id = record.get("tenant", ""), record.get("client_id", "")
        if method is not EntraMethod.SERVICE_PRINCIPAL:
            return ArmSignIn(endpoint, EntraSignIn(method, tenant or None, client_id or None))
        secret = self._store.get(client_secret_key(tenant, client_id)) \
            if self._store.is_secure() else None
        if secret is None:
            raise SignedOut(f"The secret of service principal {client_id} is no longer in "
                            f"the keyring: run `{ARM_LOGIN}` again.", endpoint)
        return ArmSignIn(endpoint, EntraSignIn(method, tenant, client_id, secret))

    def forget_arm(self) -> bool:
        """Forget the Azure Resource Manager sign-in (and its service principal's secret
        when no organization's sign-in uses it); False when there was none."""
        document = self._document()
        record = document.pop("arm", None)
        if not isinstance(record, dict):
            return False
        self._write_document(document)
        if self._store.is_secure():
            self._forget_secret_unless_used(record, document)
        return True

    def _forget_secret_unless_used(self, record: dict[str, str],
                                   document: dict[str, object]) -> None:
        """Delete a service principal's secret that no sign-in in `document` still uses."""
        if record.get("method") != EntraMethod.SERVICE_PRINCIPAL.value:
            return
        organizations = document.get("organizations")
        users = [*(organizations.values() if isinstance(organizations, dict) else ()),
                 document.get("arm")]
        if not any(isinstance(other, dict) and other.get("tenant") == record["tenant"]
                   and other.get("client_id") == record["client_id"] for other in users):
            self._store.delete(client_secret_key(record["tenant"], record["client_id"]))

    def _document(self) -> dict[str, object]:
        try:
            data = json.loads(self._records.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            return {}  # unreadable: signing in again rewrites it
        return data if isinstance(data, dict) else {}

    def _write_document(self, document: dict[str, object]) -> None:
        text = json.dumps(document, indent=2, sort_keys=True) + "\n"
        write_text_atomic(self._records, text)

    def _read(self) -> dict[str, dict[str, str]]:
        organizations = self._document().get("organizations")
        return organizations if isinstance(organizations, dict) else {}

    def _write(self, records: dict[str, dict[str, str]]) -> None:
        document = self._document()
        document["organizations"] = records
        self._write_document(document)
