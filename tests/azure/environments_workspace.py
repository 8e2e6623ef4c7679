"""A workspace connected to the emulator's project (its azure.yml written as `connect`
writes it) with a hand-written environments.yml, and a sign-in kept for this session only
(no keyring: the keyring is not what these tests are about)."""

from __future__ import annotations

from pathlib import Path

from keyring.backends import fail

from release_manager.credentials import CredentialStore
from release_manager.engine.azure.binding import AzureBinding, save_binding
from release_manager.engine.azure.organization import parse_organization
from release_manager.engine.azure.saved_sign_ins import SavedSignIns
from release_manager.engine.azure.sign_in import PatSignIn

PROJECT = "Fabrikam-Fiber"
TOKEN = "pat-envsync-3c5e7a9b1d2f4a6c8e0b"

PIPELINE = """\
trigger: none
stages:
  - stage: Build
    jobs:
      - job: Compile
        steps:
          - script: echo build
  - stage: Test
    dependsOn: Build
    jobs:
      - deployment: DeployTest
        environment: test
        strategy:
          runOnce:
            deploy:
              steps:
                - script: echo test
  - stage: Prod
    dependsOn: Test
    jobs:
      - deployment: DeployProd
        environment: prod
        strategy:
          runOnce:
            deploy:
              steps:
                - script: echo prod
"""

ENVIRONMENTS = """\
# Reviewed by the release team: keep these comments.
version: 1
environments:
  # production: two people sign off
  prod:
    approval:
      approvers:
        - Ada Lovelace   # release lead
      minimumApprovers: 1
    businessHours:
      days: [Monday, Tuesday]
      start: "08:00"
      end: "17:00"
      timeZone: Europe/Paris
    exclusiveLock: true   # one at a time
  test:
    exclusiveLock: false
"""


def connected_workspace(folder: Path, emulator, environments: str | None = ENVIRONMENTS,
                        pipeline: str = PIPELINE) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "azure-pipelines.yml").write_text(pipeline, encoding="utf-8")
    if environments is not None:
        (folder / ".release-manager").mkdir(exist_ok=True)
        (folder / ".release-manager" / "environments.yml").write_bytes(
            environments.encode("utf-8"))
    save_binding(folder, AzureBinding(emulator.organization_url, PROJECT, 1, "web-app"))
    return folder


def session_sign_in(emulator, folder: Path, token: str = TOKEN) -> SavedSignIns:
    """A sign-in to the emulator kept in this process's memory only."""
    saved = SavedSignIns(CredentialStore(fail.Keyring()), records=folder / "sign-ins.json")
    saved.save(parse_organization(emulator.organization_url), PatSignIn(token),
               this_session_only=True)
    return saved


def environments_file(folder: Path) -> bytes:
    return (folder / ".release-manager" / "environments.yml").read_bytes()
