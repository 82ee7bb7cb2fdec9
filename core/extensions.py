"""How an app adds to a lower app's pages without the lower app importing it.

The apps are ordered (docs/architecture.md): monitoring, incidents, reviews and projections know
the register, it knows none of them; the register knows the admin site (``core.admin_site``), which
knows no app. Where a higher app adds to a lower one's pages — an inline on the risk page, a panel
or figures on the admin index, a page under the admin, a link in a change form's object tools, a
block in the risk API's detail, a duplicate check on new risks — it calls one of the ``add_*``
functions below from its ``AppConfig.ready()``.

Every contribution is stored under a name (registering the same name again replaces it, so a
re-imported module never duplicates a panel) with an ``order`` (so the page does not depend on the
order of ``INSTALLED_APPS``). The register's own pieces take orders in tens, leaving room between.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest


@dataclass(frozen=True)
class Contribution:
    name: str
    order: int
    value: Any
    # For risk-detail fields: what the risk detail's queryset must prefetch to serve the field
    # without a query per risk.
    prefetch: tuple = field(default=())


class _Registry:
    def __init__(self) -> None:
        self._items: dict[str, Contribution] = {}

    def add(self, name: str, value: Any, order: int, prefetch: Sequence = ()) -> None:
        self._items[name] = Contribution(name, order, value, tuple(prefetch))

    def __iter__(self):
        return iter(sorted(self._items.values(), key=lambda c: (c.order, c.name)))

    def values(self) -> list:
        return [c.value for c in self]

    def clear(self) -> None:  # for tests
        self._items.clear()


risk_inlines = _Registry()
index_panels = _Registry()
index_cards = _Registry()
admin_urls = _Registry()
object_tools: dict[str, _Registry] = {}
risk_detail_fields = _Registry()
duplicate_finders = _Registry()

portfolio_figures = _Registry()

# An index panel: request -> {"title", "columns", "rows"} or None (hidden for this user).
IndexPanel = Callable[[HttpRequest], dict | None]
# Object tools of a change form: (request, obj or None on the add form) -> [(url, label), ...].
ObjectTools = Callable[[HttpRequest, Any], Iterable[tuple[str, str]]]
# Possible duplicates of a new risk: (title, description, programmes=[keys] or None for all) ->
# [{"pk", "code", "title", "similarity"}], among the risks of those programmes.
DuplicateFinder = Callable[..., list[dict]]


def add_risk_inline(name: str, inline: type, order: int) -> None:
    """Show an admin inline on the risk page (the register's own use orders 10–50)."""
    risk_inlines.add(name, inline, order)


def add_index_panel(name: str, panel: IndexPanel, order: int = 100) -> None:
    """Add a summary panel to the admin index."""
    index_panels.add(name, panel, order)


@dataclass(frozen=True)
class PortfolioFigure:
    """A column of the portfolio (the register's programmes panel): ``count(request)`` gives
    {programme key: n} over what the user sees, None when they may not see it; a parent's figure is
    the sum of its own and its programmes'."""

    label: Any
    count: Callable[[HttpRequest], dict[int, int] | None]


def add_portfolio_figure(name: str, label, count, order: int = 100) -> None:
    """Add a column to the portfolio panel: open alerts, open incidents, overdue reviews …"""
    portfolio_figures.add(name, PortfolioFigure(label, count), order)


# A card of the admin index's dashboard, before the panels (the register's counts and heat map):
# request -> rendered HTML (safe), or None when this user may not see it.
IndexCard = Callable[[HttpRequest], Any]


def add_index_card(name: str, card: IndexCard, order: int = 100) -> None:
    """Add a card of the app's own markup to the admin index."""
    index_cards.add(name, card, order)


def add_admin_urls(name: str, patterns: Callable[[], list]) -> None:
    """Mount pages under /admin/. ``patterns`` is called when the admin builds its URLs, with the
    admin site as its argument, and returns URL patterns already wrapped in ``site.admin_view``."""
    admin_urls.add(name, patterns, 0)


def add_object_tools(model_label: str, name: str, tools: ObjectTools, order: int = 100) -> None:
    """Add links to the object tools of a model's change form (``model_label`` like "register.risk")."""
    object_tools.setdefault(model_label.lower(), _Registry()).add(name, tools, order)


def tools_for(request: HttpRequest, model_label: str, obj: Any) -> list[tuple[str, str]]:
    registry = object_tools.get(model_label.lower())
    if registry is None:
        return []
    return [link for tools in registry.values() for link in tools(request, obj)]


def add_risk_detail_field(name: str, make_field: Callable[[], Any], order: int, prefetch: Sequence = ()) -> None:
    """Add a read-only field to the risk API's detail (``GET /api/v1/risks/{code}/``).

    ``make_field`` returns a fresh serializer field; ``prefetch`` lists the lookups (strings or
    ``Prefetch`` objects) the field reads, so the detail stays at a fixed number of queries. The
    register's own detail fields take orders 20 (mitigations) and 40 (score history).
    """
    risk_detail_fields.add(name, make_field, order, prefetch)


def add_duplicate_finder(name: str, finder: DuplicateFinder) -> None:
    """Check a new risk for duplicates before the admin saves it."""
    duplicate_finders.add(name, finder, 0)


snapshot_parts = _Registry()
# A part of an acceptance's snapshot: risk -> JSON-able value, stored under the part's name.
SnapshotPart = Callable[[Any], Any]


def add_snapshot_part(name: str, part: SnapshotPart) -> None:
    """Add to the snapshot an approval stores (monitoring adds each indicator's state and value)."""
    snapshot_parts.add(name, part, 0)


# The evidence-based proposal of risks: [risk, ...] -> {risk pk: proposal dict or None}. Reviews
# computes it (it reads monitoring and incidents); the risk API shows it.
proposal_sources = _Registry()
ProposalSource = Callable[[list], dict]


def set_proposal_source(name: str, source: ProposalSource) -> None:
    proposal_sources.add(name, source, 0)


def proposals_for(risks: list) -> dict:
    merged: dict = {}
    for source in proposal_sources.values():
        merged.update(source(risks))
    return merged


# Models the admin index lists under *Operations*, at the end, instead of in their app's section:
# the machinery (periodic tasks, the outbox, source and indicator states, notifications, tokens)
# a programme lead does not start from. Model labels like "monitoring.sourcestate", or an app label
# for all its models.
operations_models: set[str] = {"django_celery_beat"}


def add_operations_models(*labels: str) -> None:
    operations_models.update(label.lower() for label in labels)


risk_summary_blocks = _Registry()
# A block of the read-first summary on top of a risk's page: (request, risk) -> rendered HTML
# (safe) or None when it has nothing to say.
RiskSummaryBlock = Callable[[HttpRequest, Any], Any]


def add_risk_summary_block(name: str, block: RiskSummaryBlock, order: int) -> None:
    """Add a block under the risk page's summary (live indicators, open incidents …), above its form."""
    risk_summary_blocks.add(name, block, order)


start_steps = _Registry()
# A step of the index's "start here" strip: request -> {"label", "url", "done"} or None (not for
# this user). The strip shows until every step is done.
StartStep = Callable[[HttpRequest], dict | None]


def add_start_step(name: str, step: StartStep, order: int) -> None:
    start_steps.add(name, step, order)
