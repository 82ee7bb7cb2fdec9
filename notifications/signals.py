"""What the notifications app tells the apps above it (incidents puts its messages on its timeline)."""

from django.dispatch import Signal

# kwargs: notification_id (int), key (str), status ("sent" | "retry" | "failed"), error (str). Sent
# by the delivering worker after each attempt.
notification_result = Signal()
