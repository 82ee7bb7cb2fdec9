"""Shared by the migrations that put the rows of a register from before programmes (or of one
programme's making) into a programme: which programme a row with nothing to go by goes to.

Not a migration itself (the loader skips modules whose name starts with "_"); it works on the
historical models the migration passes in, so it stays valid as the models change."""

ROLES = ["viewer", "risk owner", "reviewer", "incident responder", "administrator", "integration"]


def default_programme(apps):
    """The programme register 0006 made ("DEFAULT"), else the oldest top-level one, else a new
    "DEFAULT" with the role groups as its members (as 0006 makes it)."""
    Programme = apps.get_model("register", "Programme")
    found = (
        Programme.objects.filter(code="DEFAULT").first()
        or Programme.objects.filter(parent__isnull=True).order_by("pk").first()
    )
    if found is not None:
        return found
    Membership = apps.get_model("register", "Membership")
    Group = apps.get_model("auth", "Group")
    programme = Programme.objects.create(code="DEFAULT", name="Default")
    for group in Group.objects.filter(name__in=ROLES):
        Membership.objects.create(programme=programme, group=group, role=group.name)
    return programme


class Default:
    """The default programme, made only when a row needs it (an empty register gets none)."""

    def __init__(self, apps):
        self.apps = apps
        self._programme = None

    @property
    def pk(self) -> int:
        if self._programme is None:
            self._programme = default_programme(self.apps)
        return self._programme.pk
