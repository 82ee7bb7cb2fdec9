"""The seam other apps hook into: sent after commit for every announced alert transition.

The incidents app connects a receiver that opens (or attaches to) an incident when an
immediate-priority alert fires, so monitoring never imports incidents.
"""

from django.dispatch import Signal

# kwargs: alert_id (int), event (str: fired, escalated, resolved, source_unhealthy, source_recovered),
# priority (str: immediate | watch)
alert_transition = Signal()

# kwargs: notification_id (int), key (str, empty for alert transitions), status ("sent" | "retry" | "failed"),
# error (str). Sent by the delivering worker after each attempt.
notification_result = Signal()
