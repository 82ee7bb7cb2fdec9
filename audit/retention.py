"""Retention: entries older than ``AUDIT_RETENTION_DAYS`` are written to an archive file, then pruned
in one transaction, and the chain is re-anchored by a ``prune`` entry that names the last pruned
seal and its digest (verify_audit starts from there). The archive holds each entry with its digest,
so it verifies on its own against the anchor file."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from audit import seal
from audit.models import Entry, Kind, Seal


def prune(now=None) -> int:
    """Archive and prune what retention allows; the number of entries pruned."""
    days = settings.AUDIT_RETENTION_DAYS
    if not days:
        return 0
    seal.seal()
    cutoff = (now or timezone.now()) - timedelta(days=days)
    with transaction.atomic():
        # What goes is a prefix of the chain: every seal before the first whose entry is recent.
        keep_from = (
            Seal.objects.filter(entry_id__in=Entry.objects.filter(at__gte=cutoff).values("pk")).order_by("id").first()
        )
        going = Seal.objects.order_by("id")
        if keep_from is not None:
            going = going.filter(id__lt=keep_from.id)
        going = list(going.values_list("id", "entry_id", "digest"))
        if not going:
            return 0
        anchor = _archive(going)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # the append-only trigger lets this one transaction delete
                cursor.execute("SELECT set_config('riskregister.audit_prune', 'on', true)")
        Entry.objects.filter(pk__in=[entry_id for _, entry_id, _ in going]).delete()
        Seal.objects.filter(id__lte=going[-1][0]).delete()
        reanchor(anchor)
    return len(going)


def archive_all() -> dict | None:
    """Seal and archive the whole trail (before a restore replaces the database); the anchor to hand
    to :func:`reanchor` once the new database is in place, None when the trail is empty."""
    seal.seal()
    going = list(Seal.objects.order_by("id").values_list("id", "entry_id", "digest"))
    return _archive(going) if going else None


def reanchor(anchor: dict | None) -> None:
    if anchor is not None:
        Entry.objects.create(at=timezone.now(), kind=Kind.PRUNE, actor="system", after=anchor)


def _archive(going: list[tuple[int, int, str]]) -> dict:
    entries = Entry.objects.in_bulk([entry_id for _, entry_id, _ in going])
    archive = Path(settings.AUDIT_ARCHIVE_DIR)
    archive.mkdir(parents=True, exist_ok=True)
    path = archive / f"audit-{going[0][0]}-{going[-1][0]}-{timezone.now():%Y%m%dT%H%M%S}.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for seal_id, entry_id, digest in going:
            entry = entries.get(entry_id)
            body = json.loads(seal.canonical(entry)) if entry else None
            out.write(json.dumps({"seal": seal_id, "digest": digest, "entry": body}, ensure_ascii=False) + "\n")
    return {"through_seal": going[-1][0], "digest": going[-1][2], "archive": str(path), "count": len(going)}
