"""What the register's models announce inside the transaction that caused it.

The rules that follow a save — ending an acceptance a re-score broke, flagging a risk that moved
outside appetite, re-levelling risks when a level band moves — live in modules above the models
(``register.acceptances``, ``register.appetite``); ``register.receivers`` connects them at start-up,
so the models never import the modules that import them. Receivers run synchronously in the same
transaction, so a save's consequences are read back by the next line. A receiver returns how many
rows it wrote (the save re-reads what they changed).
"""

from __future__ import annotations

from django.dispatch import Signal

# kwargs: risk (saved; its current score is above the one stored before the save).
score_rose = Signal()
# kwargs: risk (saved; it was not outside its appetite before the save and is now).
moved_outside_appetite = Signal()


def wrote(results: list[tuple]) -> int:
    """How many rows the receivers of one ``send`` say they wrote."""
    return sum(response or 0 for _, response in results)
