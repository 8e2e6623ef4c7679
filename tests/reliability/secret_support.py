"""A workspace whose steps print a secret in every form Azure's agent masks, and real
`release-manager` processes that run it, each with the keyring of a real Secret Service
(gnome-keyring in a private D-Bus session over a data folder of the test's own) or with
no keyring at all."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import urllib.parse
from pathlib import Path

from release_manager.engine.demo import create_demo

ROOT = Path(__file__).resolve().parents[2]

KEY = "Zq8+s3cr3t/Valu€:&=9?"
"""The queue-time secret: characters that base64 turns into '+' and '/', that URL
encoding escapes, and a multi-byte one."""
TOKEN = KEY[::-1]
"""The secret output the Build stage mints from it (the key reversed)."""
PREFIXES = ("", "a", "ab")
"""Text before the secret inside a longer base64 string: one for each byte alignment."""

PRINT_FORMS = """\
print_forms() {
  echo "plain: $1"
  for prefix in '' a ab; do
    printf '%s' "user:${prefix}$1@tail" | base64 -w0; echo
  done
  python3 -c 'import sys, urllib.parse as u; print("url: " + u.quote(sys.argv[1], safe=""))' "$1"
}
"""

PIPELINE = """\
stages:
- stage: Build
  jobs:
  - job: Mint
    steps:
    - bash: |
{print_forms}
        print_forms "$KEY"
        token=$(printf '%s' "$KEY" | rev)
        echo "##vso[task.setvariable variable=token;isOutput=true;issecret=true]$token"
        print_forms "$token"
      name: mint
      env:
        KEY: $(DEPLOY_KEY)
- stage: Deploy
  dependsOn: Build
  jobs:
  - job: Use
    variables:
      token: $[ stageDependencies.Build.Mint.outputs['mint.token'] ]
    steps:
    - bash: |
{print_forms}
        print_forms "$TOKEN"
        print_forms "$KEY"
        test -n "$TOKEN" || {{ echo "no token"; exit 1; }}
        test "$(printf '%s' "$KEY" | rev)" = "$TOKEN" || {{ echo "wrong token"; exit 1; }}
        echo "the token matches the key"
      env:
        TOKEN: $(token)
        KEY: $(DEPLOY_KEY)
"""

KEYRING_SESSION = ('printf "test-session" | gnome-keyring-daemon --unlock --components=secrets '
                   '>/dev/null 2>&1; exec "$@"')
"""As dev.py's test command: an unlocked gnome-keyring in the D-Bus session."""


def secret_forms(value: str) -> dict[str, str]:
    """Every form of `value` a step prints, by name, as a reader of the output would
    find it: the value, its base64 digits at each alignment (those made of its bits
    alone) and its URL encoding."""
    forms = {"plain": value, "url": urllib.parse.quote(value, safe="")}
    for prefix in PREFIXES:
        head = f"user:{prefix}".encode()
        whole = base64.b64encode(head + value.encode()).decode()
        start = -(-len(head) * 8 // 6)  # the first digit with none of the prefix's bits
        end = (len(head) + len(value.encode())) * 8 // 6
        forms[f"base64 after {len(head)} bytes"] = whole[start:end]
    return forms


SECRETS = {f"key {name}": form for name, form in secret_forms(KEY).items()} | \
    {f"token {name}": form for name, form in secret_forms(TOKEN).items()}


def leaks(data: bytes | str) -> list[str]:
    """The names of the secret forms found in `data`."""
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    return [name for name, form in SECRETS.items() if form in text]


class SecretWorkspace:
    def __init__(self, folder: Path) -> None:
        self.root = create_demo(folder / "secrets").parent
        text = PIPELINE.format(print_forms="".join(
            f"        {line}\n" for line in PRINT_FORMS.splitlines()).rstrip("\n"))
        (self.root / "azure-pipelines.yml").write_text(text, encoding="utf-8")
        self.home = folder / "home"
        """The processes' data, state and cache folders (keyring, crash reports)."""

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.pop("RELEASE_MANAGER_USER", None)
        env.pop("DBUS_SESSION_BUS_ADDRESS", None)
        for name in ("DATA", "STATE", "CACHE", "CONFIG"):
            folder = self.home / name.lower()
            folder.mkdir(parents=True, exist_ok=True)  # gnome-keyring's sockets go there
            env[f"XDG_{name}_HOME"] = str(folder)
        return env

    def cli(self, *args: str, stdin: str = "", keyring: bool = True) -> subprocess.CompletedProcess:
        """`release-manager ARGS --workspace ROOT`, with the test's Secret Service or,
        with `keyring=False`, no D-Bus session (so no secure keyring)."""
        return self.python("-m", "release_manager", *args, "--workspace", str(self.root),
                           stdin=stdin, keyring=keyring)

    def python(self, *args: str, stdin: str = "",
               keyring: bool = True) -> subprocess.CompletedProcess:
        command = [sys.executable, *args]
        if keyring:
            command = ["dbus-run-session", "--", "sh", "-c", KEYRING_SESSION, "sh", *command]
        return subprocess.run(command, input=stdin, capture_output=True, text=True,
                              env=self.env(), cwd=ROOT, timeout=300)

    def state_files(self) -> dict[str, bytes]:
        """Every file the engine wrote (store with its WAL, logs, work folders)."""
        state = self.root / ".release-manager"
        return {str(path.relative_to(self.root)): path.read_bytes()
                for path in sorted(state.rglob("*")) if path.is_file()}
