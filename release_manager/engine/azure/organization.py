"""An Azure DevOps organization (or Azure DevOps Server collection) from the URL a user
pastes: `https://dev.azure.com/ORG`, `https://ORG.visualstudio.com` (the old form of the
same organization) or `https://host[:port]/tfs/Collection` / `https://host/Collection`.

The normalised URL is what the SDK connects to and the keyring scope of its token, so
`https://Dev.Azure.com/Contoso/` and `https://contoso.visualstudio.com` sign in once.
A project pasted with it (`https://dev.azure.com/ORG/PROJECT/_build`) is kept apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

CLOUD_HOST = "dev.azure.com"
LEGACY_SUFFIX = ".visualstudio.com"
LEGACY_COLLECTION = "defaultcollection"
"""The one collection of a `*.visualstudio.com` organization, sometimes in its URLs."""


class BadOrganizationUrl(ValueError):
    """Not an organization URL; the message says what one looks like."""


@dataclass(frozen=True)
class Organization:
    url: str
    """Normalised: https, lower case, no trailing slash, e.g. https://dev.azure.com/contoso."""
    name: str
    """The organization, or the collection of an Azure DevOps Server."""
    project: str | None = None
    """A project named in the pasted URL after the organization, if any."""

    @property
    def is_server(self) -> bool:
        """An Azure DevOps Server collection rather than an Azure DevOps Services org."""
        return not self.url.startswith(f"https://{CLOUD_HOST}/")


EXAMPLES = ("https://dev.azure.com/ORGANIZATION, https://ORGANIZATION.visualstudio.com "
            "or https://SERVER/tfs/COLLECTION")


def parse_organization(text: str) -> Organization:
    """The organization `text` names; `BadOrganizationUrl` with the reason otherwise."""
    raw = text.strip()
    if not raw:
        raise BadOrganizationUrl(f"no organization URL given: use {EXAMPLES}")
    if "://" not in raw:
        if not any(mark in raw for mark in "./:"):
            raise BadOrganizationUrl(
                f"{_shown(text)} is a name, not a URL: for an Azure DevOps organization "
                f"give https://dev.azure.com/{raw}")
        raw = f"https://{raw}"
    try:
        parts = urlsplit(raw)
    except ValueError:
        raise BadOrganizationUrl(f"{_shown(text)} is not a URL: use {EXAMPLES}") from None
    if "@" in parts.netloc:
        raise BadOrganizationUrl(
            "the organization URL carries a user name or password: give the URL without "
            "it and the token on standard input")
    try:
        port = parts.port
    except ValueError:
        raise BadOrganizationUrl(f"{_shown(text)} has a bad port: use {EXAMPLES}") from None
    if parts.scheme.lower() != "https":
        raise BadOrganizationUrl(
            f"{_shown(text)} is not an https URL: Release Manager sends tokens over https "
            f"only ({EXAMPLES})")
    host = (parts.hostname or "").lower()
    if not host:
        raise BadOrganizationUrl(f"{_shown(text)} names no server: use {EXAMPLES}")
    segments = [unquote(s) for s in parts.path.split("/") if s]
    if host == CLOUD_HOST:
        return _cloud(text, segments)
    if host.endswith(LEGACY_SUFFIX):
        name = host.removesuffix(LEGACY_SUFFIX)
        if not name or "." in name:
            raise BadOrganizationUrl(f"{_shown(text)} names no organization: use {EXAMPLES}")
        if segments and segments[0].lower() == LEGACY_COLLECTION:
            segments = segments[1:]
        return _organization(f"https://{CLOUD_HOST}/{name}", name, segments)
    return _server(text, host, port, segments)


def _cloud(text: str, segments: list[str]) -> Organization:
    if not segments or segments[0].startswith("_"):
        raise BadOrganizationUrl(
            f"{_shown(text)} names no organization: use https://dev.azure.com/ORGANIZATION")
    name = segments[0].lower()
    return _organization(f"https://{CLOUD_HOST}/{name}", name, segments[1:])


def _server(text: str, host: str, port: int | None, segments: list[str]) -> Organization:
    authority = host if port in (None, 443) else f"{host}:{port}"
    if segments and segments[0].lower() == "tfs":
        prefix, segments = "tfs/", segments[1:]
    else:
        prefix = ""
    if not segments or segments[0].startswith("_"):
        raise BadOrganizationUrl(
            f"{_shown(text)} names no collection: an Azure DevOps Server URL ends with its "
            f"collection, e.g. https://{authority}/tfs/DefaultCollection")
    name = segments[0].lower()
    return _organization(f"https://{authority}/{prefix}{name}", name, segments[1:])


def _organization(url: str, name: str, rest: list[str]) -> Organization:
    project = rest[0] if rest and not rest[0].startswith("_") else None
    return Organization(url=url, name=name, project=project)


def _shown(text: str) -> str:
    """The URL as given, for a message (one with a user or password in it is refused
    before any message shows it)."""
    shown = text.strip()
    return repr(shown) if shown else "''"
