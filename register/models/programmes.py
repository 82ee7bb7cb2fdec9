"""Programmes — a tree of any depth (organisation → portfolio → programme → phase) — and who holds
which role in each. Everything a plan creates belongs to one programme; a role held in a programme
holds in its descendants too. Who may see what is one rule, register.visibility, applied in SQL."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import RegexValidator
from django.db import connection, models
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext_lazy as _

from register.choices import ProgrammeStatus, Role

# The descendants of a set of programmes, themselves included, in one recursive query on SQLite and
# PostgreSQL alike (no query per level). UNION, not UNION ALL: it stops even if a cycle slipped in.
DESCENDANTS_SQL = """
WITH RECURSIVE tree(id) AS (
    SELECT id FROM register_programme WHERE id IN ({roots})
    UNION
    SELECT child.id FROM register_programme child JOIN tree ON child.parent_id = tree.id
)
SELECT id FROM tree
"""
# The programmes a user holds a role in directly (their own memberships and their groups').
MEMBER_OF_SQL = (
    "SELECT programme_id FROM register_membership"
    " WHERE (user_id = %s OR group_id IN (SELECT group_id FROM auth_user_groups WHERE user_id = %s))"
)
# ... in a role whose group holds a permission (app label, codename).
MEMBER_WITH_PERMISSION_SQL = (
    MEMBER_OF_SQL + " AND role IN (SELECT g.name FROM auth_group g"
    " JOIN auth_group_permissions gp ON gp.group_id = g.id"
    " JOIN auth_permission p ON p.id = gp.permission_id"
    " JOIN django_content_type ct ON ct.id = p.content_type_id"
    " WHERE ct.app_label = %s AND p.codename = %s)"
)
# A programme and its ancestors, up to the root.
ANCESTORS_SQL = """
WITH RECURSIVE up(id, parent_id) AS (
    SELECT id, parent_id FROM register_programme WHERE id = %s
    UNION
    SELECT p.id, p.parent_id FROM register_programme p JOIN up ON p.id = up.parent_id
)
SELECT id FROM up
"""


# The same, nearest first; bounded so that a cycle written past Programme.clean cannot loop forever.
ANCESTORS_BY_DEPTH_SQL = """
WITH RECURSIVE up(id, parent_id, depth) AS (
    SELECT id, parent_id, 0 FROM register_programme WHERE id = %s
    UNION ALL
    SELECT p.id, p.parent_id, up.depth + 1 FROM register_programme p JOIN up ON p.id = up.parent_id
    WHERE up.depth < 1000
)
SELECT id FROM up ORDER BY depth
"""


class ProgrammeQuerySet(models.QuerySet):
    def subtree(self, root_ids: list[int]):
        """These programmes and every programme under them, in one query."""
        if not root_ids:
            return self.none()
        roots = ", ".join(["%s"] * len(root_ids))
        return self.filter(pk__in=RawSQL(DESCENDANTS_SQL.format(roots=roots), list(root_ids)))

    def active(self):
        return self.filter(status=ProgrammeStatus.ACTIVE)

    def visible_to(self, user):
        """The programmes ``user`` may see: where they (or a group of theirs) hold a role, and every
        programme under those; all of them for a superuser (the organisation's administrator)."""
        if user is not None and user.is_active and user.is_superuser:
            return self.all()
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        return self.filter(pk__in=RawSQL(DESCENDANTS_SQL.format(roots=MEMBER_OF_SQL), [user.pk, user.pk]))

    def where(self, user, permission: str):
        """The programmes where ``user`` holds a role granting ``permission`` ("app.codename"), and
        every programme under those."""
        if user is not None and user.is_active and user.is_superuser:
            return self.all()
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        app_label, codename = permission.split(".", 1)
        sql = DESCENDANTS_SQL.format(roots=MEMBER_WITH_PERMISSION_SQL)
        return self.filter(pk__in=RawSQL(sql, [user.pk, user.pk, app_label, codename]))

    def default(self) -> Programme:
        """The programme a row goes to when none is named: the only one there is — created, with the
        role groups as its members, when there is none yet (a new register's first risk or plan).
        With several there is no default (Programme.Ambiguous): the caller names one."""
        found = list(self.order_by("pk")[:2])
        if len(found) == 1:
            return found[0]
        if found:
            raise Programme.Ambiguous("there are several programmes: name one")
        return create_default()


class Programme(models.Model):
    code = models.CharField(
        _("code"),
        max_length=16,
        unique=True,
        validators=[
            RegexValidator(
                r"^[A-Za-z0-9][A-Za-z0-9_-]*$",
                _("Letters, digits, - and _, starting with a letter or a digit (P2, PAY, ORG)."),
            )
        ],
        help_text=_("Short, unique; it prefixes the risk codes shown across programmes (P2 R-1)."),
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        on_delete=models.PROTECT,
        related_name="children",
        null=True,
        blank=True,
        help_text=_("The portfolio or organisation it belongs to; its roles and scales hold here too."),
    )
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lead"),
        on_delete=models.SET_NULL,
        related_name="led_programmes",
        null=True,
        blank=True,
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ProgrammeStatus.choices, default=ProgrammeStatus.ACTIVE
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ProgrammeQuerySet.as_manager()

    class Ambiguous(LookupError):
        """A row names no programme, and there is more than one."""

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_archived(self) -> bool:
        return self.status == ProgrammeStatus.ARCHIVED

    def ancestor_ids(self) -> list[int]:
        """This programme and the ones above it, nearest first (one query)."""
        if self.pk is None:
            return []
        with connection.cursor() as cursor:
            cursor.execute(ANCESTORS_BY_DEPTH_SQL, [self.pk])
            return [row[0] for row in cursor.fetchall()]

    def people_in_role(self, role: str):
        """The active people holding ``role`` here — themselves or through a group, here or in a
        programme above (one query)."""
        from django.contrib.auth import get_user_model

        ancestors = self.ancestor_ids()
        held = Q(memberships__programme_id__in=ancestors, memberships__role=role) | Q(
            groups__memberships__programme_id__in=ancestors, groups__memberships__role=role
        )
        return get_user_model().objects.filter(held, is_active=True).distinct()

    def clean(self) -> None:
        if self.parent_id is not None and self.pk is not None:
            parent = Programme.objects.filter(pk=self.parent_id).first()
            if parent is not None and self.pk in parent.ancestor_ids():
                raise ValidationError(
                    {"parent": _("A programme cannot sit under itself or one of its own programmes.")}
                )


class Membership(models.Model):
    """A person or a group holding a role in a programme, and in every programme under it."""

    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="memberships",
        null=True,
        blank=True,
    )
    group = models.ForeignKey(
        "auth.Group",
        verbose_name=_("group"),
        on_delete=models.CASCADE,
        related_name="memberships",
        null=True,
        blank=True,
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["programme", "role"]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, group__isnull=True) | Q(user__isnull=True, group__isnull=False),
                name="membership_user_or_group",
            ),
            models.UniqueConstraint(
                fields=["programme", "user", "role"], condition=Q(user__isnull=False), name="membership_unique_user"
            ),
            models.UniqueConstraint(
                fields=["programme", "group", "role"], condition=Q(group__isnull=False), name="membership_unique_group"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user or self.group} — {self.get_role_display()} — {self.programme.code}"


DEFAULT_CODE = "DEFAULT"


def create_default(code: str = DEFAULT_CODE, name: str = "") -> Programme:
    """A register's first programme, every role group a member of it in its own role: what a register
    of one team is, so a new install (or a register from before programmes) works as it did. Also
    the organisation at the top of a tree (the demo's), whose roles hold in every programme under it."""
    from django.contrib.auth.models import Group

    programme, created = Programme.objects.get_or_create(code=code, defaults={"name": name or str(_("Default"))})
    if created:
        for group in Group.objects.filter(name__in=Role.values):
            Membership.objects.get_or_create(programme=programme, group=group, role=group.name)
    return programme


class InProgramme(models.Model):
    """A row of one programme's register (a category, a strategy, a metric, an SLO, a review …).

    Left blank, the programme comes from what the row hangs on (``programme_from_relations``: an
    SLO's risk, an alert rule's metric …) or, when there is only one programme, it is that one;
    with several and nothing to go by the row must name it. Uniqueness that used to hold across the
    register (a metric's key, a category's name) holds within a programme.
    """

    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="+", blank=True
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        self.fill_programme()
        super().save(*args, **kwargs)

    def programme_from_relations(self) -> Programme | None:
        """The programme the row's own relations put it in (none by default)."""
        return None

    def fill_programme(self) -> None:
        """Give a row that names no programme the one it belongs to; ``Programme.Ambiguous`` when
        nothing says which of several."""
        if self.programme_id is None:
            self.programme = self.programme_from_relations() or Programme.objects.default()

    def clean_fields(self, exclude=None) -> None:
        # Before the fields are checked, so that clean() and the per-programme uniqueness see it. A
        # form without the field (it names no programme) gets the message as its own, not the field's.
        errors = {}
        where = NON_FIELD_ERRORS if exclude and "programme" in exclude else "programme"
        try:
            self.fill_programme()
        except Programme.Ambiguous:
            errors[where] = [_("Choose the programme this belongs to.")]
        else:
            if self.programme.is_archived:
                errors[where] = [_("This programme is archived: its register is read-only.")]
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as exc:
            errors = {**exc.message_dict, **errors}
        if errors:
            raise ValidationError(errors)
