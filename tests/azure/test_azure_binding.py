"""`.release-manager/azure.yml`, the workspace's Azure DevOps pipeline: written atomically
and read back; no secret in it; a damaged file (random bytes, a folder, a named pipe,
missing or unknown keys, a bad URL or id) is named with its line and column and nothing is
written."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from release_manager.engine.azure.binding import (
    AzureBinding,
    BindingFileError,
    binding_path,
    load_binding,
    save_binding,
)

BINDING = AzureBinding("https://dev.azure.com/fabrikam", "Fabrikam Fiber", 12, "web-app: ci")


def write(workspace: Path, data: bytes | str) -> Path:
    path = binding_path(workspace)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def files(folder: Path) -> dict[str, bytes | None]:
    return {str(p.relative_to(folder)): p.read_bytes() if p.is_file() else None
            for p in sorted(folder.rglob("*"))}


def refused(workspace: Path) -> BindingFileError:
    before = files(workspace)
    with pytest.raises(BindingFileError) as error:
        load_binding(workspace)
    assert files(workspace) == before  # nothing written, nothing moved
    return error.value


def test_saved_binding_reads_back_and_holds_no_secret(tmp_path: Path):
    save_binding(tmp_path, BINDING)
    text = binding_path(tmp_path).read_text("utf-8")

    assert load_binding(tmp_path) == BINDING
    assert "token" not in text.split("keyring")[-1].lower()
    assert [p.name for p in binding_path(tmp_path).parent.iterdir()] == ["azure.yml"]


def test_the_organization_reads_as_signing_in_normalises_it(tmp_path: Path):
    write(tmp_path, "organization: https://Fabrikam.VisualStudio.com/\nproject: P\n"
                    "pipeline: {id: 3, name: web}\n")

    assert load_binding(tmp_path).organization_url == "https://dev.azure.com/fabrikam"


def test_saving_again_replaces_the_binding(tmp_path: Path):
    save_binding(tmp_path, BINDING)
    other = AzureBinding("https://tfs.example.com/tfs/tailspin", "Tailspin", 7, "api")

    save_binding(tmp_path, other)

    assert load_binding(tmp_path) == other


def test_a_workspace_without_the_file_is_not_connected(tmp_path: Path):
    assert load_binding(tmp_path) is None


def test_random_bytes_are_named_with_a_position(tmp_path: Path):
    path = write(tmp_path, b"organization: x\n" + bytes(random.Random(7).randrange(256)
                                                           for _ in range(300)))
    error = refused(tmp_path)

    assert error.path == path
    assert error.line >= 1 and error.column >= 1
    assert str(error).startswith(f"{path}:{error.line}:{error.column}: the file is ")


def test_a_folder_where_the_file_belongs_is_named(tmp_path: Path):
    binding_path(tmp_path).mkdir(parents=True)

    assert refused(tmp_path).message == "not a regular file: it is a folder"


def test_a_named_pipe_is_refused_without_hanging(tmp_path: Path):
    binding_path(tmp_path).parent.mkdir(parents=True)
    os.mkfifo(binding_path(tmp_path))

    assert "named pipe" in refused(tmp_path).message


@pytest.mark.parametrize(("text", "message", "line", "column"), [
    ("organization: https://dev.azure.com/fabrikam\npipeline: {id: 3, name: web}\n",
     "the file lacks 'project'", 1, 1),
    ("organization: https://dev.azure.com/fabrikam\nproject: P\npipeline:\n  name: web\n",
     "pipeline lacks 'id'", 4, 3),
    ("organization: fabrikam\nproject: P\npipeline: {id: 3, name: web}\n",
     "organization: 'fabrikam' is a name, not a URL: for an Azure DevOps organization give "
     "https://dev.azure.com/fabrikam", 1, 15),
    ("organization: http://tfs/tfs/Coll\nproject: P\npipeline: {id: 3, name: web}\n",
     None, 1, 15),
    ("organization: https://dev.azure.com/f\nproject: P\npipeline: {id: '3', name: web}\n",
     "pipeline.id must be a whole number above 0, not '3'", 3, 16),
    ("organization: https://dev.azure.com/f\nproject: ''\npipeline: {id: 3, name: web}\n",
     "the file.project must be text, not ''", 2, 10),
    ("- organization\n", "the file must be a mapping of keys to values", 1, 1),
    ("", "the file is empty: it must name organization, project and pipeline", 1, 1),
    ("version: 2\norganization: https://dev.azure.com/f\nproject: P\n"
     "pipeline: {id: 3, name: web}\n", "unsupported version 2 (this release reads 1)", 1, 10),
    ("organization: https://dev.azure.com/f\norganization: https://dev.azure.com/g\n",
     None, 2, 1),
])
def test_a_damaged_file_is_named_with_line_and_column(tmp_path: Path, text, message,
                                                      line, column):
    path = write(tmp_path, text)
    error = refused(tmp_path)

    if message is not None:
        assert error.message == message
    assert (error.line, error.column) == (line, column)
    assert str(error).startswith(f"{path}:{line}:{column}: ")


def test_a_token_in_the_file_is_refused_and_not_repeated(tmp_path: Path):
    write(tmp_path, "organization: https://dev.azure.com/f\nproject: P\n"
                    "pipeline: {id: 3, name: web}\ntoken: s3cr3t-pat-value\n")
    error = refused(tmp_path)

    assert (error.line, error.column) == (4, 1)
    assert "secrets never belong in this file" in error.message
    assert "s3cr3t" not in str(error)
