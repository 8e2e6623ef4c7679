"""Verbs that sign in to Azure DevOps and connect a workspace to it: login, logout,
connect, disconnect.

`login` reads a personal access token from standard input, as `az devops login` does
(or from AZURE_DEVOPS_EXT_PAT), checks it against the organization (and project), then
keeps it in the OS keyring; `--entra METHOD` signs in with Microsoft Entra ID instead.
`login --arm --entra METHOD` signs in to Azure Resource Manager (App Service targets):
checked by listing the subscriptions it sees, kept with its endpoint; `logout --arm`.
`connect` binds a workspace to a pipeline of a project (`.release-manager/azure.yml`,
no secret in it) with the saved sign-in; `disconnect` removes that file.
Exit codes: 0 done, 1 refused or failed (the reason: signed out, forbidden, unreachable,
TLS, no secure keyring, an unknown pipeline with the known ones), 2 bad input (a
malformed URL, no token given, a workspace folder that does not exist).
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from datetime import datetime
from pathlib import Path

from release_manager.credentials import NoSecureStore
from release_manager.engine.azure.arm_sign_in import (
    ARM_ENDPOINT,
    ArmSignIn,
    BadArmEndpoint,
    parse_arm_endpoint,
)
from release_manager.engine.azure.organization import (
    BadOrganizationUrl,
    Organization,
    parse_organization,
)
from release_manager.engine.azure.saved_sign_ins import SavedSignIns
from release_manager.engine.azure.sign_in import EntraMethod, EntraSignIn, PatSignIn, SignIn
from release_manager.engine.backend_errors import BackendError
from release_manager.error_messages import user_message

PAT_VARIABLE = "AZURE_DEVOPS_EXT_PAT"


class BadInput(Exception):
    """Exit 2: what was given cannot be used; the message says what to give."""


def register(subparsers: argparse._SubParsersAction) -> None:  # noqa: SLF001
    login = subparsers.add_parser(
        "login", help="sign in to an Azure DevOps organization",
        description="Sign in to an Azure DevOps organization: reads a personal access "
        f"token from standard input (or {PAT_VARIABLE}), checks it, then keeps it in the "
        "OS keyring. With --entra, signs in with Microsoft Entra ID instead (a service "
        "principal's secret is read from standard input). With --arm, signs in to Azure "
        "Resource Manager (App Service targets) with --entra METHOD, checked by listing "
        "its subscriptions. Exit 0 signed in, 1 refused or failed (the reason is "
        "printed), 2 bad input.",
    )
    login.add_argument("--organization", metavar="URL",
                       help="https://dev.azure.com/ORG, https://ORG.visualstudio.com or "
                       "an Azure DevOps Server collection URL")
    login.add_argument("--arm", action="store_true",
                       help="sign in to Azure Resource Manager instead of an organization")
    login.add_argument("--endpoint", metavar="URL",
                       help=f"with --arm: the Resource Manager endpoint (default: "
                       f"{ARM_ENDPOINT})")
    login.add_argument("--project", help="also check that this project can be reached")
    login.add_argument("--entra", choices=[method.value for method in EntraMethod],
                       help="sign in with Microsoft Entra ID by this method")
    login.add_argument("--tenant", help="the Entra ID tenant (required for a service "
                       "principal)")
    login.add_argument("--client-id", help="the application (client) id (required for a "
                       "service principal)")
    login.set_defaults(func=cmd_login)

    logout = subparsers.add_parser(
        "logout", help="forget the sign-in to an Azure DevOps organization",
        description="Forget the token (or Entra ID sign-in) kept for an organization, or "
        "with --arm the Azure Resource Manager sign-in.",
    )
    logout.add_argument("--organization", metavar="URL")
    logout.add_argument("--arm", action="store_true",
                        help="forget the Azure Resource Manager sign-in")
    logout.set_defaults(func=cmd_logout)

    connect = subparsers.add_parser(
        "connect", help="connect a workspace to an Azure DevOps pipeline",
        description="Connect the workspace (the clone holding the pipeline's YAML) to a "
        "pipeline of an Azure DevOps project, with the sign-in kept by `release-manager "
        "login`: writes .release-manager/azure.yml (no secret in it). Exit 0 connected, "
        "1 refused or failed (signed out, forbidden, unreachable, an unknown pipeline: "
        "the known ones are listed), 2 bad input.",
    )
    connect.add_argument("--organization", required=True, metavar="URL")
    connect.add_argument("--project", required=True, metavar="P")
    connect.add_argument("--pipeline", required=True, metavar="NAME_OR_ID",
                         help="the pipeline's id, or its name in any case")
    connect.add_argument("--workspace", default=".", metavar="DIR",
                         help="the workspace folder (default: .)")
    connect.set_defaults(func=cmd_connect)

    disconnect = subparsers.add_parser(
        "disconnect", help="disconnect a workspace from Azure DevOps",
        description="Remove the workspace's .release-manager/azure.yml (the sign-in "
        "stays; `release-manager logout` forgets it).",
    )
    disconnect.add_argument("--workspace", default=".", metavar="DIR",
                            help="the workspace folder (default: .)")
    disconnect.set_defaults(func=cmd_disconnect)


def cmd_login(args: argparse.Namespace) -> int:
    from release_manager.engine.azure.connection_check import check_and_keep  # the SDK

    # azure-identity logs each failure as a warning, which Python would print on stderr
    # beside the one line this command says about it.
    logging.getLogger("azure").addHandler(logging.NullHandler())
    if args.arm:
        return _login_arm(args)
    saved = SavedSignIns()
    try:
        if args.endpoint:
            raise BadInput("--endpoint goes with --arm")
        organization = _organization(args.organization)
        project = args.project or organization.project
        if organization.project and not args.project:
            print(f"release-manager: {organization.project!r} in the URL is a project: "
                  f"signing in to {organization.url} and checking that project",
                  file=sys.stderr)
        saved.require_secure()  # before asking for a token it could not keep
        who = check_and_keep(organization, _sign_in(args), saved, project,
                             device_code_prompt=_device_code_prompt)
    except BadInput as problem:
        print(f"release-manager: {problem}", file=sys.stderr)
        return 2
    except (BackendError, NoSecureStore) as refusal:
        print(f"release-manager: {refusal}", file=sys.stderr)
        return 1
    in_project = f" (project {who.project})" if who.project else ""
    print(f"Signed in to {organization.url} as {who.display_name}{in_project}")
    return 0


def _login_arm(args: argparse.Namespace) -> int:
    from release_manager.engine.azure.arm import check_and_keep_arm  # the SDK

    saved = SavedSignIns()
    try:
        if args.organization or args.project:
            raise BadInput("--arm signs in to Azure Resource Manager: --organization and "
                           "--project go without it")
        if args.entra is None:
            raise BadInput("--arm signs in with Microsoft Entra ID: give --entra METHOD")
        try:
            endpoint = parse_arm_endpoint(args.endpoint or ARM_ENDPOINT)
        except BadArmEndpoint as problem:
            raise BadInput(str(problem)) from None
        _check_entra_arguments(args)
        saved.require_secure()  # before asking for a secret it could not keep
        signed_in = check_and_keep_arm(ArmSignIn(endpoint, _entra_sign_in(args)), saved,
                                       device_code_prompt=_device_code_prompt)
    except BadInput as problem:
        print(f"release-manager: {problem}", file=sys.stderr)
        return 2
    except (BackendError, NoSecureStore) as refusal:
        print(f"release-manager: {user_message(refusal)}", file=sys.stderr)
        return 1
    if signed_in.token_cache_note:
        print(f"release-manager: {signed_in.token_cache_note}", file=sys.stderr)
    names = ", ".join(f"{sub.name} ({sub.id})" for sub in signed_in.subscriptions)
    count = len(signed_in.subscriptions)
    sees = (f"{count} subscription{'s' if count != 1 else ''}: {names}" if count
            else "no subscription yet")
    print(f"Signed in to Azure Resource Manager at {endpoint}; it sees {sees}")
    return 0


def cmd_logout(args: argparse.Namespace) -> int:
    if args.arm:
        if args.organization:
            print("release-manager: --arm and --organization go apart", file=sys.stderr)
            return 2
        try:
            forgotten = SavedSignIns().forget_arm()
        except NoSecureStore as refusal:
            print(f"release-manager: {refusal}", file=sys.stderr)
            return 1
        print("Signed out of Azure Resource Manager" if forgotten
              else "Not signed in to Azure Resource Manager: nothing to forget")
        return 0
    try:
        organization = _organization(args.organization)
        forgotten = SavedSignIns().forget(organization)
    except BadInput as problem:
        print(f"release-manager: {problem}", file=sys.stderr)
        return 2
    except NoSecureStore as refusal:
        print(f"release-manager: {refusal}", file=sys.stderr)
        return 1
    if forgotten:
        print(f"Signed out of {organization.url}")
    else:
        print(f"Not signed in to {organization.url}: nothing to forget")
    return 0


def cmd_connect(args: argparse.Namespace) -> int:
    from release_manager.engine.azure.connect import connect_workspace  # the SDK

    logging.getLogger("azure").addHandler(logging.NullHandler())
    try:
        organization = _organization(args.organization)
        workspace = _workspace(args.workspace)
        binding = connect_workspace(workspace, organization, args.project, args.pipeline,
                                    SavedSignIns())
    except BadInput as problem:
        print(f"release-manager: {problem}", file=sys.stderr)
        return 2
    except (BackendError, NoSecureStore, OSError) as refusal:
        print(f"release-manager: {user_message(refusal)}", file=sys.stderr)
        return 1
    print(f"Connected {workspace} to pipeline {binding.pipeline_name} (id "
          f"{binding.pipeline_id}) of {binding.organization_url}/{binding.project}")
    return 0


def cmd_disconnect(args: argparse.Namespace) -> int:
    from release_manager.engine.azure.connect import disconnect_workspace

    try:
        workspace = _workspace(args.workspace)
        removed = disconnect_workspace(workspace)
    except BadInput as problem:
        print(f"release-manager: {problem}", file=sys.stderr)
        return 2
    except OSError as refusal:
        print(f"release-manager: {user_message(refusal)}", file=sys.stderr)
        return 1
    if removed:
        print(f"Disconnected {workspace} from Azure DevOps")
    else:
        print(f"{workspace} is not connected to Azure DevOps: nothing to remove")
    return 0


def _workspace(text: str) -> Path:
    folder = Path(text).resolve()
    if not folder.is_dir():
        raise BadInput(f"{text}: no such workspace folder")
    return folder


def _organization(text: str | None) -> Organization:
    if not text:
        raise BadInput("give --organization URL (or --arm for Azure Resource Manager)")
    try:
        return parse_organization(text)
    except BadOrganizationUrl as problem:
        raise BadInput(str(problem)) from None


def _sign_in(args: argparse.Namespace) -> SignIn:
    if args.entra is None:
        if args.tenant or args.client_id:
            raise BadInput("--tenant and --client-id go with --entra")
        return PatSignIn(_secret_input(PAT_VARIABLE, "Personal access token: ",
                                       "personal access token"))
    return _entra_sign_in(args)


def _check_entra_arguments(args: argparse.Namespace) -> None:
    if EntraMethod(args.entra) is EntraMethod.SERVICE_PRINCIPAL and not (
            args.tenant and args.client_id):
        raise BadInput("--entra service-principal needs --tenant and --client-id")


def _entra_sign_in(args: argparse.Namespace) -> EntraSignIn:
    method = EntraMethod(args.entra)
    _check_entra_arguments(args)
    if method is not EntraMethod.SERVICE_PRINCIPAL:
        return EntraSignIn(method, args.tenant, args.client_id)
    secret = _secret_input(None, "Client secret: ", "client secret")
    return EntraSignIn(method, args.tenant, args.client_id, secret)


def _secret_input(variable: str | None, prompt: str, what: str) -> str:
    """A secret from `variable`, else a prompt that does not echo at a terminal, else the
    first line of standard input: never from the command line."""
    if variable and os.environ.get(variable):
        return os.environ[variable].strip()
    if sys.stdin.isatty():
        value = getpass.getpass(prompt)
    else:
        value = sys.stdin.readline()
    value = value.strip()
    if not value:
        also = f" or in {variable}" if variable else ""
        raise BadInput(f"no {what} given: pipe it on standard input{also}")
    return value


def _device_code_prompt(url: str, code: str, expires_on: datetime) -> None:
    print(f"To sign in, open {url} and enter the code {code} "
          f"(before {expires_on:%H:%M})", file=sys.stderr, flush=True)
