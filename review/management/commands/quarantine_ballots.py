"""Run the 刷票 quarantine job now: `manage.py quarantine_ballots [--year 2024]`."""

from django.core.management.base import BaseCommand, CommandError

from cases.models import Campaign
from review.voting.fraud import quarantine_suspicious_ballots


class Command(BaseCommand):
    help = "Flag suspicious ballots of a campaign (the current one by default) and put them in quarantine."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, help="campaign year (default: the current campaign)")

    def handle(self, *args, year=None, **options):
        campaign = Campaign.objects.filter(year=year).first() if year else Campaign.objects.current()
        if campaign is None:
            raise CommandError("No such campaign.")
        result = quarantine_suspicious_ballots(campaign=campaign)
        self.stdout.write(f"{campaign.year}: {result['flagged']} ballots flagged, {result['newly_quarantined']} newly quarantined")
