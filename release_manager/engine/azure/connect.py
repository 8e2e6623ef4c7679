"""Connecting a workspace to an Azure DevOps pipeline: the project's pipelines (every page,
across continuation tokens), the one a user names (its id, or its name in any case, as
Azure matches names), and `.release-manager/azure.yml` written for it. `release-manager
connect` and the window's Connect dialog (in a worker) call the same functions."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from release_manager.core.identity_names import identity_key
from release_manager.engine.azure.binding import (
    AzureBinding,
    remove_binding,
    save_binding,
)
from release_manager.engine.azure.connection import AzureConnection
from release_manager.engine.azure.connection_check import PROJECTS_VERSION
from release_manager.engine.azure.failures import Lookup
from release_manager.engine.azure.organization import Organization
from release_manager.engine.azure.saved_sign_ins import SavedSignIns
from release_manager.engine.backend_errors import NotFound, SignedOut

PIPELINES_VERSION = "7.1"
PAGE_SIZE = 100
"""Pipelines asked per page (the service pages with X-MS-ContinuationToken)."""


@dataclass(frozen=True)
class PipelineChoice:
    """A pipeline of a project, as the list to pick from shows it."""

    id: int
    name: str
    folder: str = "\\"

    @property
    def label(self) -> str:
        """Its folder and name, as Azure DevOps shows them ("\\Releases\\web")."""
        folder = self.folder.strip("\\")
        return f"\\{folder}\\{self.name}" if folder else self.name


@dataclass(frozen=True)
class ProjectPipelines:
    project: str
    """The project's name as the service spells it."""
    pipelines: list[PipelineChoice]


def signed_in_connection(organization: Organization, saved: SavedSignIns) -> AzureConnection:
    """A connection with the sign-in kept for `organization`; SignedOut telling how to
    sign in when there is none."""
    try:
        sign_in = saved.load(organization)
    except SignedOut as error:
        raise SignedOut(f"Sign in first: release-manager login --organization "
                        f"{organization.url}", organization.url) from error
    return AzureConnection(organization, sign_in)


def list_pipelines(connection: AzureConnection, project: str) -> ProjectPipelines:
    """The project's pipelines by name, every page of them; NotFound for an unknown
    project, Forbidden naming the permission a sign-in lacks."""
    found = connection.rest("GET", f"/_apis/projects/{quote(project, safe='')}",
                            PROJECTS_VERSION, lookup=Lookup("project", project)) or {}
    name = found.get("name") or project
    items = connection.pages(f"/{quote(name, safe='')}/_apis/pipelines", PIPELINES_VERSION,
                             query={"$top": str(PAGE_SIZE), "orderBy": "name asc"},
                             lookup=Lookup("project", project))
    pipelines = [PipelineChoice(int(item["id"]), str(item["name"]),
                                str(item.get("folder") or "\\")) for item in items]
    pipelines.sort(key=lambda choice: (identity_key(choice.name), choice.id))
    return ProjectPipelines(name, pipelines)


def find_pipeline(listed: ProjectPipelines, name_or_id: str) -> PipelineChoice:
    """The pipeline `name_or_id` names: its id, else its name in any case (a folder
    path "\\Releases\\web" too); NotFound listing the known ones otherwise."""
    wanted = name_or_id.strip()
    if wanted.isdigit():
        by_id = [choice for choice in listed.pipelines if choice.id == int(wanted)]
        if by_id:
            return by_id[0]
    key = identity_key(wanted)
    for attribute in ("name", "label"):
        matches = [choice for choice in listed.pipelines
                   if identity_key(getattr(choice, attribute)) == key]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise NotFound(
                f"{len(matches)} pipelines of project {listed.project} are named "
                f"{wanted!r}: name one by its id ({_known(matches)}).", "pipeline", wanted)
    known = (f"; its pipelines: {_known(listed.pipelines)}" if listed.pipelines
             else ": it has no pipelines")
    raise NotFound(f"There is no pipeline {wanted!r} in project {listed.project}{known}.",
                   "pipeline", wanted)


def connect_workspace(workspace_dir: Path, organization: Organization, project: str,
                      name_or_id: str, saved: SavedSignIns) -> AzureBinding:
    """Bind the workspace to the pipeline: `.release-manager/azure.yml` written (no
    secret in it); nothing written when any step fails."""
    listed = list_pipelines(signed_in_connection(organization, saved), project)
    chosen = find_pipeline(listed, name_or_id)
    binding = AzureBinding(organization.url, listed.project, chosen.id, chosen.name)
    save_binding(workspace_dir, binding)
    return binding


def disconnect_workspace(workspace_dir: Path) -> bool:
    """Remove the workspace's binding, nothing else (the sign-in stays; a damaged
    azure.yml goes too); False when it was not connected."""
    return remove_binding(workspace_dir)


def _known(pipelines: list[PipelineChoice]) -> str:
    return ", ".join(f"{choice.label} (id {choice.id})" for choice in pipelines)
