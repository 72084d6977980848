"""The vote's report for the 公示 file: an Excel workbook of the totals per case (counted, in
quarantine, excluded) and of every flagged ballot with its reasons and the staff's decisions.
Nothing personal: receipts, times, address blocks, never phones or device hashes."""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from cases.documents.spreadsheets import xlsx_row
from cases.models import Campaign, Case
from review.models.voting import Ballot
from review.voting.fraud import RULE_LABELS, case_vote_report, describe_flag


def vote_report_xlsx(campaign: Campaign) -> bytes:
    workbook = Workbook(write_only=True)
    totals = workbook.create_sheet(_("Votes per case"))
    totals.append(xlsx_row(totals, [_("Case"), _("Counted votes"), _("In quarantine"), _("Excluded")]))
    for row in case_vote_report(campaign):
        totals.append(xlsx_row(totals, [row["title"], row["valid"], row["quarantined"], row["excluded"]]))
    flagged = workbook.create_sheet(_("Quarantine report"))
    flagged.append(xlsx_row(flagged, [_("Receipt number"), _("Cast at"), _("Address block"), _("Status"),
                                      _("Why it was quarantined"), _("Decisions and reasons")]))
    titles = dict(Case.objects.filter(campaign=campaign).values_list("pk", "title"))
    ballots = (Ballot.objects.filter(campaign=campaign, flags__isnull=False).distinct()
               .prefetch_related("flags", "decisions").order_by("cast_at", "pk"))
    for ballot in ballots.iterator(chunk_size=2000):
        reasons = "\n".join(f"{RULE_LABELS.get(flag.rule, flag.rule)}：{describe_flag(flag.rule, flag.detail, titles)}"
                            for flag in ballot.flags.all())
        decisions = "\n".join(f"{timezone.localtime(d.at):%Y-%m-%d %H:%M} {d.get_action_display()}：{d.reason}"
                              for d in ballot.decisions.all())
        flagged.append(xlsx_row(flagged, [ballot.receipt, timezone.localtime(ballot.cast_at).strftime("%Y-%m-%d %H:%M:%S"),
                                          ballot.address_block, ballot.get_status_display(), reasons, decisions]))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
