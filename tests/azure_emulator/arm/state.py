"""What the App Service half remembers: subscriptions, and in them web apps with their
slots (production is one of them). A slot keeps its host name and state; what a
deployment put there (its content, its deployments, its non-sticky settings) is what a
swap exchanges. One lock guards it all (the server runs a thread per connection)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from ..state import now

PRODUCTION = "production"
RUNNING, STOPPED = "Running", "Stopped"
BUILD_SETTING = "RELEASE_MANAGER_BUILD"
SUCCEEDED = 4
"""A deployment's status code when it succeeded (Kudu's DeployStatus.Success)."""


@dataclass
class Content:
    """What the slot's site serves: the code a deployment put there. `status` is what
    its pages answer (a seeded failure: 500, 503, …)."""

    build: int | None = None
    body: str = "Your web app is running and waiting for your content."
    status: int = 200


@dataclass
class Deployment:
    id: str
    status: int
    message: str
    author: str
    deployer: str
    author_email: str
    start_time: str
    end_time: str
    active: bool = True
    details: str = ""


@dataclass
class Slot:
    name: str  # "production" or the slot's own name
    state: str = RUNNING
    settings: dict[str, str] = field(default_factory=dict)
    content: Content = field(default_factory=Content)
    deployments: list[Deployment] = field(default_factory=list)  # oldest first
    restarts: int = 0


@dataclass
class Swap:
    """A swap the service is running: it completes at the poll that finds `polls_left`
    at 0; None: it never completes (until the test finishes it)."""

    id: str
    first: str
    second: str
    polls_left: int | None
    done: bool = False
    started: str = field(default_factory=now)


@dataclass(frozen=True)
class SwapStatus:
    """The last completed swap, as the site's slotSwapStatus says it."""

    timestamp: str
    source: str
    destination: str


@dataclass
class WebApp:
    subscription: str
    resource_group: str
    name: str
    location: str = "West Europe"
    health_check_path: str = ""
    sticky: frozenset[str] = frozenset()
    """Slot-sticky app setting names (slotConfigNames): they stay with their slot."""
    slots: dict[str, Slot] = field(default_factory=dict)  # by lower-cased name
    swaps: dict[str, Swap] = field(default_factory=dict)  # by id, running or done
    last_swap: SwapStatus | None = None

    def slot(self, name: str) -> Slot | None:
        return self.slots.get(name.lower())

    def running_swap(self) -> Swap | None:
        return next((swap for swap in self.swaps.values() if not swap.done), None)

    def exchange(self, first: str, second: str) -> None:
        """Complete a swap: the two slots exchange content, deployments and every
        setting that is not slot-sticky."""
        a, b = self.slots[first.lower()], self.slots[second.lower()]
        a.content, b.content = b.content, a.content
        a.deployments, b.deployments = b.deployments, a.deployments
        a_moving = {k: v for k, v in a.settings.items() if k not in self.sticky}
        b_moving = {k: v for k, v in b.settings.items() if k not in self.sticky}
        a.settings = {k: v for k, v in a.settings.items() if k in self.sticky} | b_moving
        b.settings = {k: v for k, v in b.settings.items() if k in self.sticky} | a_moving
        self.last_swap = SwapStatus(now(), a.name, b.name)


@dataclass
class Subscription:
    id: str
    display_name: str
    tenant: str
    resource_groups: set[str] = field(default_factory=set)  # lower-cased
    apps: dict[tuple[str, str], WebApp] = field(default_factory=dict)  # (rg, name) lower


@dataclass
class Options:
    """How the service behaves; a test may change them at any time."""

    page_size: int = 2
    """Items per page of a list (slots, apps, deployments, subscriptions): small, so a
    client that ignores nextLink is caught."""
    swap_polls: int | None = 2
    """The swap completes at this poll of its Location (0: the POST answers 200 at once;
    None: it never completes)."""
    swap_retry_after: float | None = None
    """The Retry-After (seconds) a swap's 202 answers carry (None: none; the client's
    own polling interval applies; azure-core reads 0 as none)."""


@dataclass
class Cloud:
    """Everything the emulator remembers; `lock` guards it."""

    subscriptions: dict[str, Subscription] = field(default_factory=dict)  # lower-cased id
    options: Options = field(default_factory=Options)
    lock: threading.RLock = field(default_factory=threading.RLock)

    def apps(self) -> list[WebApp]:
        return [app for sub in self.subscriptions.values() for app in sub.apps.values()]

    def find_app_by_name(self, name: str) -> WebApp | None:
        """An app by its name alone (names are global on App Service: *.azurewebsites.net)."""
        return next((app for app in self.apps() if app.name.lower() == name.lower()), None)
