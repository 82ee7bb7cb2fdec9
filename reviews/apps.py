"""Reviews: templates, weekly and monthly reviews with evidence from readings, alerts and incidents,
the admin workbench and the HTML/PDF reports."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = _("Reviews")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core import extensions
        from register import roles, visibility
        from reviews import proposals

        for label, path in {
            "reviews.reviewtemplate": "programme",
            "reviews.reviewtemplateitem": "template__programme",
            "reviews.review": "programme",
            "reviews.reviewitem": "review__programme",
            "reviews.reassessment": "review__programme",
            "reviews.mitigationevaluation": "review__programme",
            "reviews.reviewaction": "review__programme",
            "reviews.reviewreport": "review__programme",
        }.items():
            visibility.add_path(label, path)

        every = ("add", "change", "delete")
        roles.grant(
            roles.REVIEWER,
            "reviews",
            [
                *(f"{a}_{m}" for a in every for m in ("reviewtemplate", "reviewtemplateitem", "reviewaction")),
                *(f"{a}_reportsubscription" for a in every),
                *(f"{a}_{m}" for a in ("add", "change") for m in ("review", "reviewitem", "reassessment")),
                *(f"{a}_mitigationevaluation" for a in ("add", "change")),
                "complete_review",
            ],
        )
        # The risk API shows each risk's evidence-based proposal; reviews gathers the evidence.
        extensions.set_proposal_source("reviews", proposals.proposals_for)
