"""`.release-manager/azure.yml`: the Azure DevOps pipeline a workspace is connected to
(organization URL, project, pipeline id and name). It never holds a secret: the token is
in the OS keyring, keyed by the organization. Read like the other files beside a pipeline
(a regular file only, size, encoding, depth guarded); a bad file is named with its line
and column; written atomically."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from release_manager.core.atomic_file import write_bytes_atomic
from release_manager.core.yaml_guard import PipelineLoadError, Problem, parse_settings, read_file
from release_manager.engine.azure.organization import BadOrganizationUrl, parse_organization

FOLDER = ".release-manager"
FILE_NAME = "azure.yml"
VERSION = 1
HEADER = """\
# The Azure DevOps pipeline this workspace is connected to, kept by Release Manager.
# No secrets here: sign in with `release-manager login`, which keeps the token in the
# OS keyring.
"""
_KEYS = {"version", "organization", "project", "pipeline"}
_PIPELINE_KEYS = {"id", "name"}


class BindingFileError(PipelineLoadError):
    """A bad azure.yml; `str()` is `file:line:col: message` (1-based)."""

    def __init__(self, message: str, path: Path, line: int = 1, column: int = 1) -> None:
        super().__init__([Problem(message, line, column)], path)
        self.message = message
        self.path = path
        self.line = line
        self.column = column


@dataclass(frozen=True)
class AzureBinding:
    organization_url: str
    """Normalised as signing in normalises it (engine/azure/organization.py): the
    keyring scope of its token."""
    project: str
    pipeline_id: int
    pipeline_name: str


def binding_path(workspace_dir: Path) -> Path:
    return Path(workspace_dir) / FOLDER / FILE_NAME


def dumps(binding: AzureBinding) -> str:
    yaml = YAML()
    yaml.default_flow_style = False
    stream = io.StringIO()
    yaml.dump({"version": VERSION, "organization": binding.organization_url,
               "project": binding.project,
               "pipeline": {"id": binding.pipeline_id, "name": binding.pipeline_name}}, stream)
    return HEADER + stream.getvalue()


def save_binding(workspace_dir: Path, binding: AzureBinding) -> None:
    """Write the file atomically (temp file in the folder, fsync, rename)."""
    write_bytes_atomic(binding_path(workspace_dir), dumps(binding).encode("utf-8"))


def remove_binding(workspace_dir: Path) -> bool:
    """Remove the file (disconnect); False when there was none."""
    try:
        binding_path(workspace_dir).unlink()
    except FileNotFoundError:
        return False
    return True


def load_binding(workspace_dir: Path) -> AzureBinding | None:
    """The workspace's binding; None when it has no azure.yml (a local workspace). A bad
    file raises BindingFileError (file, line, column)."""
    path = binding_path(workspace_dir)
    if not path.exists() and not path.is_symlink():
        return None
    try:
        text, _ = read_file(path)
    except PipelineLoadError as error:
        problem = error.problems[0]
        raise BindingFileError(problem.message, path, problem.line or 1,
                               problem.column or 1) from None
    return loads(text, path)


def loads(text: str, path: Path) -> AzureBinding:
    try:
        root = parse_settings(text, path)
    except PipelineLoadError as error:
        problem = error.problems[0]
        raise BindingFileError(problem.message, path, problem.line or 1,
                               problem.column or 1) from None
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise BindingFileError(error.problem or str(error), path, line, column) from None
    except YAMLError as error:
        raise BindingFileError(str(error), path) from None
    return _Reader(path).binding(root)


class _Reader:
    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, message: str, mapping: Any = None, key: Any = None) -> None:
        line, column = 1, 1
        if isinstance(mapping, CommentedMap):
            if key is not None and key in mapping:
                line, column = (n + 1 for n in mapping.lc.value(key))
            else:
                line, column = mapping.lc.line + 1, mapping.lc.col + 1
        raise BindingFileError(message, self.path, line, column)

    def mapping(self, value: Any, what: str, parent: Any = None, key: Any = None) -> CommentedMap:
        if not isinstance(value, CommentedMap):
            self.fail(f"{what} must be a mapping of keys to values", parent, key)
        return value

    def known(self, mapping: CommentedMap, keys: set[str], what: str) -> None:
        for key in mapping:
            if key not in keys:
                line, column = mapping.lc.key(key)
                hint = ("; secrets never belong in this file (the token is kept in the OS "
                        "keyring)") if str(key).lower() in _SECRET_WORDS else ""
                raise BindingFileError(
                    f"unknown key {key!r} in {what} (expected one of: "
                    f"{', '.join(sorted(keys))}){hint}", self.path, line + 1, column + 1)
        for key in sorted(keys - {"version"}):
            if key not in mapping:
                self.fail(f"{what} lacks {key!r}", mapping)

    def text(self, mapping: CommentedMap, key: str, what: str) -> str:
        value = mapping[key]
        if not isinstance(value, str) or not value.strip():
            self.fail(f"{what}.{key} must be text, not {value!r}", mapping, key)
        return value.strip()

    def binding(self, root: Any) -> AzureBinding:
        if root is None:
            self.fail("the file is empty: it must name organization, project and pipeline")
        top = self.mapping(root, "the file")
        self.known(top, _KEYS, "the file")
        version = top.get("version", VERSION)
        if version != VERSION:
            self.fail(f"unsupported version {version!r} (this release reads {VERSION})",
                      top, "version")
        try:  # the normalised URL: the one the token is kept under in the keyring
            organization = parse_organization(self.text(top, "organization", "the file")).url
        except BadOrganizationUrl as error:
            self.fail(f"organization: {error}", top, "organization")
        pipeline = self.mapping(top["pipeline"], "pipeline", top, "pipeline")
        self.known(pipeline, _PIPELINE_KEYS, "pipeline")
        pipeline_id = pipeline["id"]
        if isinstance(pipeline_id, bool) or not isinstance(pipeline_id, int) or pipeline_id < 1:
            self.fail(f"pipeline.id must be a whole number above 0, not {pipeline_id!r}",
                      pipeline, "id")
        return AzureBinding(organization, self.text(top, "project", "the file"),
                            pipeline_id, self.text(pipeline, "name", "pipeline"))


_SECRET_WORDS = {"token", "pat", "password", "secret", "clientsecret", "client_secret"}
