"""The hash chain over the trail, made by a sealing step rather than inside every writer's trigger
(writers would serialise on the chain's head), and the checks ``verify_audit`` runs.

Each seal is ``sha256(previous digest + the entry's canonical JSON)``, made in the order entries
become visible: an entry committed after a later one (a long transaction) is sealed by the next run,
so nothing is skipped. The newest digest is also appended to an anchor file outside the database
(``AUDIT_ANCHOR_FILE``): a trail emptied or rebuilt from the start no longer ends where the file says.

``verify`` finds a changed byte (a digest that no longer matches), a removed row (a seal whose entry
is gone), a gap (a seal missing from the chain) and entries left unsealed longer than
``AUDIT_SEAL_GRACE_SECONDS``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from audit.models import Entry, Kind, Seal

GENESIS = "0" * 64
BATCH = 2000


def canonical(entry: Entry) -> bytes:
    data = {
        "id": entry.pk,
        "at": entry.at.isoformat(timespec="microseconds") if entry.at else None,
        "kind": entry.kind,
        "table": entry.table,
        "object_pk": entry.object_pk,
        "before": entry.before,
        "after": entry.after,
        "actor": entry.actor,
        "actor_id": entry.actor_id,
        "ip": entry.ip,
        "user_agent": entry.user_agent,
        "request_id": entry.request_id,
        "reason": entry.reason,
    }
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def link(previous: str, entry: Entry) -> str:
    return hashlib.sha256(previous.encode() + canonical(entry)).hexdigest()


def _anchor_file() -> Path:
    return Path(settings.AUDIT_ANCHOR_FILE)


def _anchor(seal: Seal) -> None:
    path = _anchor_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as out:
        out.write(f"{seal.pk} {seal.entry_id} {seal.digest}\n")


def last_anchor() -> tuple[int, int, str] | None:
    path = _anchor_file()
    if not path.exists():
        return None
    lines = [line.split() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if not lines:
        return None
    seal_id, entry_id, digest = lines[-1]
    return int(seal_id), int(entry_id), digest


def seal() -> int:
    """Seal every entry not sealed yet, oldest first; the number sealed."""
    sealed = 0
    while True:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:  # one sealer at a time; writers never wait
                    cursor.execute("SELECT pg_advisory_xact_lock(hashtext('riskregister.audit.seal'))")
            head = Seal.objects.order_by("-id").first()
            previous = head.digest if head else _restart()
            entries = list(Entry.objects.exclude(pk__in=Seal.objects.values("entry_id")).order_by("pk")[:BATCH])
            if not entries:
                return sealed
            seals = []
            for entry in entries:
                previous = link(previous, entry)
                seals.append(Seal(entry_id=entry.pk, digest=previous))
            Seal.objects.bulk_create(seals)
            newest = Seal.objects.order_by("-id").first()
            transaction.on_commit(lambda newest=newest: _anchor(newest))
            sealed += len(seals)


@dataclass
class Report:
    checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _restart() -> str:
    """Where a chain pruned to nothing goes on from: the digest the last prune kept."""
    anchor = Entry.objects.filter(kind=Kind.PRUNE).order_by("-id").values("after").first()
    return anchor["after"]["digest"] if anchor else GENESIS


def _start(first: tuple[int, int, str] | None) -> str:
    """Where the chain starts: the beginning, or where a prune (or a restore) re-anchored it — the
    prune entry naming the seal before the first, or else the newest prune entry made before the
    first sealed entry (a restore starts the seals' numbering again)."""
    if first is None:
        return GENESIS
    seal_id, entry_id, _digest = first
    prunes = Entry.objects.filter(kind=Kind.PRUNE).order_by("-id").values("after")
    anchor = prunes.filter(after__through_seal=seal_id - 1).first() or prunes.filter(id__lte=entry_id).first()
    return anchor["after"]["digest"] if anchor else GENESIS


def verify(grace_seconds: int | None = None) -> Report:
    report = Report()
    grace = settings.AUDIT_SEAL_GRACE_SECONDS if grace_seconds is None else grace_seconds
    seals = Seal.objects.order_by("id").values_list("id", "entry_id", "digest")
    previous = _start(seals.first())
    previous_id = None

    def check(chunk):
        nonlocal previous, previous_id
        entries = Entry.objects.in_bulk([entry_id for _, entry_id, _ in chunk])
        for seal_id, entry_id, digest in chunk:
            entry = entries.get(entry_id)
            if entry is None:
                report.problems.append(f"removed: entry {entry_id} (seal {seal_id}) is gone")
            elif link(previous, entry) != digest:
                if previous_id is None:
                    report.problems.append(f"gap: the chain does not start at its beginning (before seal {seal_id})")
                elif seal_id != previous_id + 1:
                    report.problems.append(f"gap: seals {previous_id + 1}–{seal_id - 1} are missing from the chain")
                else:
                    report.problems.append(f"changed: entry {entry_id} (seal {seal_id}) is not what was sealed")
            else:
                report.checked += 1
            # Carry on from the stored link, so one problem does not hide the others.
            previous, previous_id = digest, seal_id

    chunk: list[tuple[int, int, str]] = []
    for row in seals.iterator(chunk_size=BATCH):
        chunk.append(row)
        if len(chunk) >= BATCH:
            check(chunk)
            chunk = []
    if chunk:
        check(chunk)

    anchor = last_anchor()
    if anchor is not None and not Seal.objects.filter(pk=anchor[0], entry_id=anchor[1], digest=anchor[2]).exists():
        pruned = Entry.objects.filter(kind=Kind.PRUNE, after__through_seal__gte=anchor[0]).exists()
        if not pruned:
            report.problems.append(
                f"anchor: the anchor file's last seal {anchor[0]} (entry {anchor[1]}) is not in the chain as recorded"
            )
    cutoff = timezone.now() - timedelta(seconds=grace)
    unsealed = Entry.objects.exclude(pk__in=Seal.objects.values("entry_id")).filter(at__lt=cutoff).count()
    if unsealed:
        report.problems.append(f"unsealed: {unsealed} entries older than {grace} s have no seal")
    return report
