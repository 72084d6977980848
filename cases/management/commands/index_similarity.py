"""`manage.py index_similarity`: queue the near-duplicate indexing of whole campaigns.

Cases are indexed when they are submitted and a campaign's cases when it is closed. Run this after
cases reached the database another way (an earlier campaign imported, a restore) or after the
engine changed: `python manage.py index_similarity --year 2023`, or `--all` for every campaign.
A worker does the work (cases.index_campaign_similarity); this only queues it.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from cases.models import Campaign
from cases.tasks import index_campaign_similarity_task
from portal.queueing import enqueue


class Command(BaseCommand):
    help = "Queue the near-duplicate indexing of a campaign's submitted cases (or of every campaign)."

    def add_arguments(self, parser) -> None:
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--year", type=int, help="The campaign's year.")
        group.add_argument("--all", action="store_true", help="Every campaign.")

    def handle(self, *args, **options) -> None:
        campaigns = Campaign.objects.all() if options["all"] else Campaign.objects.filter(year=options["year"])
        if not campaigns.exists():
            raise CommandError(_("There is no campaign of %(year)s.") % {"year": options["year"]})
        for campaign in campaigns.order_by("year"):
            queued = enqueue(index_campaign_similarity_task, campaign.pk)
            self.stdout.write(f"{campaign.year}: {'queued' if queued else 'recorded, queued once the broker is back'}")
