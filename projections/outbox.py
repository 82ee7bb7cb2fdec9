"""Outbox rows for every change the projections care about, and the drain that applies them.

Rows are written by signal receivers inside the transaction of the change (design.md §2), then a
task is queued after commit; a beat sweep drains whatever a lost task or a store outage left.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import timedelta

from django.db.models import Q
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone

from core import commits, queue
from projections import documents, graph, vectors
from projections.documents import GRAPH_ENTITIES, LABELS, VECTOR_ENTITIES
from projections.models import OutboxEntry

CLAIM_SECONDS = 300
MAX_BACKOFF_SECONDS = 600
KEEP_DONE_DAYS = 7


def _write(entity: str, object_ids) -> None:
    # A store the entity is not projected into is done from the start.
    OutboxEntry.objects.bulk_create(
        OutboxEntry(
            entity=entity,
            object_id=pk,
            graph_done=entity not in GRAPH_ENTITIES,
            vector_done=entity not in VECTOR_ENTITIES,
        )
        for pk in object_ids
    )


def enqueue(entity: str, *object_ids: int) -> None:
    ids = {pk for pk in object_ids if pk is not None}
    if not ids:
        return
    _write(entity, sorted(ids))
    # One drain per transaction, however many rows it wrote (an import writes hundreds). Robust: the
    # rows are committed with the change; a broker outage only delays the drain (beat sweeps).
    commits.on_commit_once(_drain_soon, robust=True)


# Rows that migrations create (the starter components, the categories and metrics some of them add)
# are written before any receiver could see them.
CREATED_BY_MIGRATIONS = ("component", "category", "metric")


def enqueue_unseen(sender=None, **kwargs) -> int:
    """After migrate: an outbox row for every such entity the outbox has never had, so a fresh
    install's graph holds them from the first drain rather than after the half-hourly repair.

    No drain is queued here (``migrate`` runs before the broker under `make run`); the beat sweep or
    the next change drains them. Re-projecting an entity is harmless, so a row pruned long ago
    being written again costs one projection.
    """
    from django.apps import apps

    written = 0
    for entity in CREATED_BY_MIGRATIONS:
        model = apps.get_model(*ENTITY_MODELS[entity].split("."))
        seen = OutboxEntry.objects.filter(entity=entity).values("object_id")
        unseen = list(model.objects.exclude(pk__in=seen).values_list("pk", flat=True))
        _write(entity, unseen)
        written += len(unseen)
    return written


ENTITY_MODELS = {"component": "register.Component", "category": "register.Category", "metric": "monitoring.Metric"}


def _drain_soon() -> None:
    queue.send("projections.tasks.project_outbox")


# --- signal receivers -------------------------------------------------------------------------


# Fixture loading (a restore) saves with raw=True: the restore rebuilds the projections whole.


def _risk(sender, instance, raw=False, **kwargs):
    if not raw:
        enqueue("risk", instance.pk)


def _child_of_risk(sender, instance, raw=False, **kwargs):
    if not raw:
        enqueue("risk", instance.risk_id)


def _mitigation(sender, instance, raw=False, **kwargs):
    if not raw:
        enqueue("mitigation", instance.pk)
        enqueue("risk", instance.risk_id)


def _link(sender, instance, raw=False, **kwargs):
    if not raw:
        enqueue("risk", instance.cause_id)


def _simple(entity, projected: frozenset[str] | None = None):
    """``projected``: the fields the stores hold. A save limited to other fields (a metric's last
    value on every reading, an incident's escalation bookkeeping) changes nothing projected."""

    def receiver(sender, instance, raw=False, update_fields=None, **kwargs):
        if raw or (projected and update_fields is not None and not projected & set(update_fields)):
            return
        enqueue(entity, instance.pk)

    return receiver


def _postmortem(sender, instance, raw=False, **kwargs):
    if not raw:
        enqueue("incident", instance.incident_id)


def _m2m(source_entity, target_entity):
    def receiver(sender, instance, action, pk_set, reverse, **kwargs):
        if action not in ("post_add", "post_remove", "post_clear"):
            return
        if not reverse:
            enqueue(source_entity, instance.pk)
        elif pk_set:
            enqueue(source_entity, *pk_set)
        elif action == "post_clear":
            # A cleared reverse side does not say which rows lost the link: project them all.
            through = sender.objects.filter(**{f"{target_entity}_id": instance.pk})
            enqueue(source_entity, *through.values_list(f"{source_entity}_id", flat=True))

    return receiver


def connect_signals() -> None:
    from incidents.models import Incident, Postmortem
    from monitoring.models import Indicator, Metric
    from register.models import Category, Component, Mitigation, Risk, RiskLink

    pairs = [
        (Risk, _risk),
        (Mitigation, _mitigation),
        (Indicator, _child_of_risk),
        (RiskLink, _link),
        (Metric, _simple("metric", frozenset({"name", "key", "unit"}))),
        (Component, _simple("component")),
        (Category, _simple("category")),
        (
            Incident,
            _simple(
                "incident",
                frozenset(
                    {"title", "description", "status", "severity", "detected_at", "root_cause", "contributing_factors"}
                ),
            ),
        ),
        (Postmortem, _postmortem),
    ]
    for model, receiver in pairs:
        uid = f"projections.{model._meta.label_lower}"
        post_save.connect(receiver, sender=model, weak=False, dispatch_uid=f"{uid}.save")
        post_delete.connect(receiver, sender=model, weak=False, dispatch_uid=f"{uid}.delete")
    m2m_changed.connect(
        _m2m("risk", "component"),
        sender=Risk.components.through,
        weak=False,
        dispatch_uid="projections.risk_components",
    )
    m2m_changed.connect(
        _m2m("incident", "risk"), sender=Incident.risks.through, weak=False, dispatch_uid="projections.incident_risks"
    )


# --- applying ---------------------------------------------------------------------------------


def current_version() -> int:
    """The version a rebuild or repair writes: as new as every change recorded so far."""
    return OutboxEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _stamp(items, versions: dict[int, int] | None, default: int) -> None:
    """Give each node or document the version of the outbox row it answers; a risk's mitigation nodes
    (built right after it) take the risk's."""
    version = default
    for item in items:
        if not item.key.startswith("mitigation:") or isinstance(item, documents.Document):
            version = (versions or {}).get(documents.split_key(item.key)[1], default)
        item.version = version


def apply_graph(entity: str, ids: set[int] | None, versions: dict[int, int] | None = None) -> None:
    """Project these entities' current state (all of them when ``ids`` is None); gone ones are deleted.

    ``versions`` maps ids to the outbox rows being answered; without, the state counts as the newest.
    """
    nodes = documents.GRAPH_BUILDERS[entity](ids)
    _stamp(nodes, versions, current_version())
    label = LABELS[entity]
    present = {n.key for n in nodes if n.label == label}
    gone = [documents.key(entity, pk) for pk in ids or () if documents.key(entity, pk) not in present]
    graph.delete(label, gone)
    if entity == "risk" and present:
        graph.delete_missing_mitigations(sorted(present), [n.key for n in nodes if n.label == "Mitigation"])
    graph.upsert(nodes)


def apply_vectors(entity: str, ids: set[int] | None, versions: dict[int, int] | None = None) -> None:
    docs = documents.VECTOR_BUILDERS[entity](ids)
    _stamp(docs, versions, current_version())
    present = {d.key for d in docs}
    vectors.delete(entity, [documents.key(entity, pk) for pk in ids or () if documents.key(entity, pk) not in present])
    vectors.upsert(docs)


STORES = {
    "graph": ("graph_done", apply_graph, graph.GraphUnavailable),
    "vector": ("vector_done", apply_vectors, vectors.VectorUnavailable),
}


def drain(now=None, batch: int = 2000) -> dict:
    """Claim due rows, project each entity's current state into the stores that still lack it."""
    now = now or timezone.now()
    token = uuid.uuid4().hex
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    due = OutboxEntry.objects.filter(done_at__isnull=True, next_attempt_at__lte=now).filter(free)
    candidates = list(due.order_by("pk").values_list("pk", flat=True)[:batch])
    # Claimed by a conditional UPDATE: two drains never take the same row.
    OutboxEntry.objects.filter(pk__in=candidates).filter(free).update(
        claim=token, claimed_until=now + timedelta(seconds=CLAIM_SECONDS)
    )
    rows = list(OutboxEntry.objects.filter(claim=token))
    result = {"rows": len(rows), "projected": 0, "failed": 0}
    for store, (flag, apply, unavailable) in STORES.items():
        pending: dict[str, list[OutboxEntry]] = defaultdict(list)
        for row in rows:
            if not getattr(row, flag):
                pending[row.entity].append(row)
        for entity, entity_rows in pending.items():
            versions: dict[int, int] = {}
            for row in entity_rows:
                versions[row.object_id] = max(versions.get(row.object_id, 0), row.pk)
            pks = [row.pk for row in entity_rows]
            try:
                apply(entity, set(versions), versions)
            except unavailable as exc:
                result["failed"] += len(pks)
                by_attempts: dict[int, list[int]] = defaultdict(list)
                for row in entity_rows:
                    by_attempts[row.attempts].append(row.pk)
                # One UPDATE per backoff step, not per row: an outage must not cost a query per change.
                for attempts, group in by_attempts.items():
                    OutboxEntry.objects.filter(pk__in=group).update(
                        attempts=attempts + 1,
                        next_attempt_at=now + timedelta(seconds=min(10 * 2**attempts, MAX_BACKOFF_SECONDS)),
                        last_error=f"{store}: {exc}"[:500],
                    )
                continue
            OutboxEntry.objects.filter(pk__in=pks).update(**{flag: True})
            for row in entity_rows:
                setattr(row, flag, True)
            result["projected"] += len(pks)
    OutboxEntry.objects.filter(claim=token, graph_done=True, vector_done=True).update(done_at=timezone.now())
    OutboxEntry.objects.filter(claim=token).update(claim="", claimed_until=None)
    OutboxEntry.objects.filter(done_at__lt=now - timedelta(days=KEEP_DONE_DAYS)).delete()
    return result


def backlog() -> int:
    return OutboxEntry.objects.filter(done_at__isnull=True).count()
