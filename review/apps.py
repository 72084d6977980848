from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewConfig(AppConfig):
    name = "review"
    verbose_name = _("Review")

    def ready(self):
        # cases does not import review: the experts' access (assignments, recusal applied at read
        # time) joins cases_visible_to through its registry. Imported here, once the models are loaded.
        from cases.queries import register_case_grant
        from review.experts.queries import readable_case_ids

        register_case_grant(readable_case_ids)
