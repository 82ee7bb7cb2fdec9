"""Alertmanager webhook (v4) → incidents. Unknown fields are ignored; deliveries dedupe on
(fingerprint, startsAt); a resolved alert adds a timeline event but never closes the incident."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import F

from incidents import workflow
from incidents.actions import open_or_attach_by_key
from incidents.choices import EventKind, Severity, Source, Status
from incidents.models import ExternalAlert, Incident, LabelMapping
from monitoring.intake.timestamps import parse_instant
from register.models import Programme, Risk

ZERO_TIME = "0001-01-01T00:00:00Z"
SEVERITY_LABELS = {
    "critical": Severity.HIGH,
    "page": Severity.HIGH,
    "high": Severity.HIGH,
    "warning": Severity.MEDIUM,
    "medium": Severity.MEDIUM,
    "info": Severity.LOW,
    "low": Severity.LOW,
}


class PayloadError(ValueError):
    pass


def _time(raw, field: str) -> datetime | None:
    if raw in (None, "", ZERO_TIME):
        return None
    parsed = parse_instant(raw, zone_required=True)
    if parsed is None:
        raise PayloadError(f"{field}: not an RFC 3339 time with a time zone: {raw!r}")
    return parsed


def validate(payload) -> list[dict]:
    if not isinstance(payload, dict):
        raise PayloadError("the body must be a JSON object (Alertmanager webhook v4)")
    alerts = payload.get("alerts")
    if not isinstance(alerts, list):
        raise PayloadError("alerts: a list is required")
    cleaned = []
    for n, alert in enumerate(alerts):
        if not isinstance(alert, dict):
            raise PayloadError(f"alerts[{n}]: an object is required")
        labels, annotations = alert.get("labels") or {}, alert.get("annotations") or {}
        if not isinstance(labels, dict) or not isinstance(annotations, dict):
            raise PayloadError(f"alerts[{n}]: labels and annotations must be objects")
        status = alert.get("status")
        if status not in ("firing", "resolved"):
            raise PayloadError(f"alerts[{n}].status: firing or resolved, not {status!r}")
        starts_at = _time(alert.get("startsAt"), f"alerts[{n}].startsAt")
        if starts_at is None:
            raise PayloadError(f"alerts[{n}].startsAt is required")
        fingerprint = alert.get("fingerprint")
        if not isinstance(fingerprint, str) or not fingerprint:
            raise PayloadError(f"alerts[{n}].fingerprint is required")
        cleaned.append(
            {
                "status": status,
                "labels": {str(k): str(v) for k, v in labels.items()},
                "annotations": {str(k): str(v) for k, v in annotations.items()},
                "starts_at": starts_at,
                "ends_at": _time(alert.get("endsAt"), f"alerts[{n}].endsAt"),
                "fingerprint": fingerprint[:64],
            }
        )
    return cleaned


def risk_for(labels: dict, programme: Programme | None = None) -> Risk | None:
    """The risk an alert belongs to: its ``risk`` label (``R-1``, or ``PAY:R-1``), else a label
    mapping — looked up within the token's programme and those under it (the whole organisation for
    an organisation-wide token). A bare code that names risks in several programmes names none."""
    risks = Risk.objects.all()
    if programme is not None:
        risks = risks.filter(programme__in=Programme.objects.subtree([programme.pk]))
    code = labels.get("risk")
    if code:
        programme_code, separator, bare = code.rpartition(":")
        named = risks.filter(programme__code=programme_code, code=bare) if separator else risks.filter(code=code)
        found = list(named[:2])
        if len(found) == 1:
            return found[0]
    mapping = LabelMapping.objects.filter(
        label__in=list(labels), value__in=list(labels.values()), risk__in=risks
    ).select_related("risk")
    for candidate in mapping:
        if labels.get(candidate.label) == candidate.value:
            return candidate.risk
    return None


def _unmapped_programme() -> Programme:
    """Where an alert that names no risk is opened: the register's only programme, or — with
    several — the first top-level one (the organisation), where its administrators triage it."""
    try:
        return Programme.objects.default()
    except Programme.Ambiguous:
        return Programme.objects.filter(parent__isnull=True).order_by("pk").first()


def _title(alert: dict) -> str:
    labels, annotations = alert["labels"], alert["annotations"]
    name = labels.get("alertname", "alert")
    summary = annotations.get("summary") or annotations.get("description") or ""
    return f"{name}: {summary}"[:300] if summary else name[:300]


def _open_or_attach(alert: dict, programme: Programme | None) -> Incident:
    risk = risk_for(alert["labels"], programme)
    name = alert["labels"].get("alertname", alert["fingerprint"])
    key = f"risk:{risk.pk}:alertmanager:{name}" if risk else f"alertmanager:{alert['fingerprint']}"

    def attach(incident: Incident) -> None:
        workflow.record(incident, EventKind.ALERT_FIRED, _title(alert), fingerprint=alert["fingerprint"])

    def open_new() -> Incident:
        # "When unsure, pick the higher": an alert without a known severity label is high.
        severity = SEVERITY_LABELS.get(alert["labels"].get("severity", "").lower(), Severity.HIGH)
        incident = Incident.objects.create(
            programme=risk.programme if risk else (programme or _unmapped_programme()),
            title=_title(alert),
            source=Source.ALERTMANAGER,
            dedup_key=key,
            severity=severity,
            description=alert["annotations"].get("description", ""),
            detected_at=alert["starts_at"],
            impact_started_at=alert["starts_at"],
        )
        if risk:
            incident.risks.add(risk)
        workflow.record(incident, EventKind.CREATED, "opened by Alertmanager", labels=alert["labels"])
        attach(incident)
        workflow.transition(incident, Status.ASSESSED, note=f"severity {severity} from the alert's labels")
        workflow.transition(incident, workflow.BRANCH[severity])
        return incident

    return open_or_attach_by_key(key, open_new, attach)[0]


def receive(payload, programme: Programme | None = None) -> dict:
    """Apply one webhook delivery for a token of ``programme`` (None: the organisation); returns
    counts. Raises PayloadError (and writes nothing) on bad input."""
    alerts = validate(payload)
    created = duplicate = resolved = 0
    incidents = set()
    with transaction.atomic():
        # Alertmanager repeats whole groups every repeat_interval: look the group's alerts up in one
        # query and count repeats with one UPDATE, so a repeated delivery costs a few queries.
        fingerprints = {a["fingerprint"] for a in alerts}
        starts = {a["starts_at"] for a in alerts}
        known = {
            (e.fingerprint, e.starts_at): e
            for e in ExternalAlert.objects.filter(fingerprint__in=fingerprints, starts_at__in=starts).select_related(
                "incident"
            )
        }
        repeated = []
        for alert in alerts:
            external = known.get((alert["fingerprint"], alert["starts_at"]))
            new = external is None
            if new:
                external = ExternalAlert.objects.create(
                    fingerprint=alert["fingerprint"],
                    starts_at=alert["starts_at"],
                    status=alert["status"],
                    labels=alert["labels"],
                    annotations=alert["annotations"],
                    ends_at=alert["ends_at"],
                )
                known[(external.fingerprint, external.starts_at)] = external
            else:
                repeated.append(external.pk)
            if alert["status"] == "firing":
                if new or external.incident_id is None:
                    incident = _open_or_attach(alert, programme)
                    external.incident = incident
                    external.save(update_fields=["incident"])
                    created += 1
                else:
                    duplicate += 1
                incidents.add(external.incident_id)
            elif external.status != "resolved" or new:
                external.status, external.ends_at = "resolved", alert["ends_at"]
                external.save(update_fields=["status", "ends_at"])
                if external.incident_id and external.incident.is_open:
                    workflow.record(
                        external.incident,
                        EventKind.ALERT_RESOLVED,
                        f"{_title(alert)} resolved in Alertmanager",
                        fingerprint=alert["fingerprint"],
                    )
                resolved += 1
            else:
                duplicate += 1
        if repeated:
            ExternalAlert.objects.filter(pk__in=repeated).update(deliveries=F("deliveries") + 1)
        truncated = payload.get("truncatedAlerts") or 0
        if isinstance(truncated, int) and truncated > 0:
            for incident in Incident.objects.filter(pk__in=[i for i in incidents if i]):
                workflow.record(
                    incident, EventKind.NOTE, f"Alertmanager truncated {truncated} more alert(s) of this group"
                )
    return {
        "alerts": len(alerts),
        "firing": created,
        "resolved": resolved,
        "duplicates": duplicate,
        "incidents": sorted(i for i in incidents if i),
    }
