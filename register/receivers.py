"""The register's rules connected to its models' events (register/signals.py) and saves."""

from __future__ import annotations

from django.db.models.signals import post_save

from register import acceptances, appetite, signals
from register.models import LevelBand, Risk


def _end_broken_acceptances(sender, risk, **kwargs) -> int:
    return acceptances.invalidate_if_worse(risk)


def _flag_moved_outside(sender, risk, **kwargs) -> int:
    appetite.moved_outside([risk])
    return 1


def _relevel_risks(sender, instance, raw=False, **kwargs) -> None:
    # A moved band moves every risk's stored level (a fixture load keeps what it loads).
    if not raw:
        Risk.objects.refresh_levels()


def connect() -> None:
    signals.score_rose.connect(_end_broken_acceptances, sender=Risk, dispatch_uid="register.acceptances")
    signals.moved_outside_appetite.connect(_flag_moved_outside, sender=Risk, dispatch_uid="register.appetite")
    post_save.connect(_relevel_risks, sender=LevelBand, dispatch_uid="register.levels")
    # Who sees what changed: what a user object keeps of it is stale (register.visibility.kept).
    from django.contrib.auth import get_user_model
    from django.db.models.signals import m2m_changed, post_delete

    from register import visibility
    from register.models import Membership, Programme

    for model in (Programme, Membership):
        post_save.connect(visibility.changed, sender=model, dispatch_uid=f"register.visibility.save.{model.__name__}")
        post_delete.connect(
            visibility.changed, sender=model, dispatch_uid=f"register.visibility.delete.{model.__name__}"
        )
    m2m_changed.connect(
        visibility.changed, sender=get_user_model().groups.through, dispatch_uid="register.visibility.groups"
    )
