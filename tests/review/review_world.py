"""Builders shared by the review tests (experts, vote, selection)."""

import datetime

from cases.enums import CaseStatus, Role, Tier
from cases.models import Campaign
from review.models import ExpertProfile
from tests import factories


def campaign() -> Campaign:
    return Campaign.objects.current()


def city_case(region: str, status=CaseStatus.PROVINCE_REVIEW, **fields):
    county = factories.county(factories.city(region))
    enterprise = factories.enterprise(factories.park(county))
    return factories.case(enterprise, status=status, **fields)


def provincial_expert(home_region: str | None, *, employer=None, username=None, name="专家"):
    user = factories.user(Role.PROVINCE_EXPERT, organisation_=factories.province(), username=username)
    user.first_name = name
    user.save(update_fields=["first_name"])
    ExpertProfile.objects.create(
        user=user, home_city=factories.city(home_region) if home_region else None, employer=employer, expertise="智能制造"
    )
    return user


def city_expert(region: str, *, employer=None):
    user = factories.user(Role.CITY_EXPERT, organisation_=factories.city(region))
    if employer is not None:
        ExpertProfile.objects.create(user=user, employer=employer)
    return user


def province_staff():
    return factories.user(Role.PROVINCE_STAFF, organisation_=factories.province())


def open_scoring(days: int = 10):
    current = campaign()
    current.scoring_closes_at = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=days)
    current.save(update_fields=["scoring_closes_at"])
    return current


PROVINCE = Tier.PROVINCE
CITY = Tier.CITY


def score_case(case, totals, *, staff=None):
    """Assign one fresh provincial expert per total (from 晋城, never the case's city in these
    tests) and record scores giving exactly those totals (all criteria alike)."""
    from review.experts.services import assign_expert, criteria_of, submit_score

    staff = staff or province_staff()
    open_scoring()
    criteria = criteria_of(case.campaign)
    for total in totals:
        expert = provincial_expert("晋城市")
        assignment = assign_expert(case=case, expert=expert, tier=PROVINCE, actor=staff)
        submit_score(assignment=assignment, actor=expert, points={c.pk: total for c in criteria}, comment="意见")


def add_votes(case, count, *, status="valid", start=0):
    """`count` ballots that each pick `case` (distinct voters)."""
    import uuid

    from django.utils import timezone

    from review.models import Ballot, BallotChoice

    for _ in range(count):
        ballot = Ballot.objects.create(
            campaign=case.campaign, voter_hash=uuid.uuid4().hex, receipt=uuid.uuid4().hex[:12].upper(),
            cast_at=timezone.now(), address_block="203.0.113.0/24", status=status,
        )
        BallotChoice.objects.create(ballot=ballot, case=case)


def enterprise_association_case(region: str, **fields):
    from cases.enums import OrganisationKind

    county = factories.county(factories.city(region))
    association = factories.organisation(OrganisationKind.ENTERPRISE_ASSOCIATION, county)
    return factories.case(factories.enterprise(association), status=CaseStatus.PROVINCE_REVIEW, **fields)


def open_vote_window(hours: int = 24):
    import datetime as _dt

    from django.utils import timezone

    current = campaign()
    current.vote_opens_at = timezone.now() - _dt.timedelta(hours=1)
    current.vote_closes_at = timezone.now() + _dt.timedelta(hours=hours)
    current.vote_min_picks, current.vote_max_picks = 2, 3
    current.save()
    return current


def close_vote_window():
    import datetime as _dt

    from django.utils import timezone

    current = campaign()
    current.vote_opens_at = timezone.now() - _dt.timedelta(days=2)
    current.vote_closes_at = timezone.now() - _dt.timedelta(minutes=1)
    current.save()
    return current


def jpeg_bytes(size=(1200, 800), colour=(180, 40, 40)) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG")
    return out.getvalue()


def add_upload(case, slot, data: bytes, name="photo.jpg", *, state="done"):
    """A file of the case; checked (and found openable) by default, as a candidate's files are by
    the vote: nothing opens an upload before its check passed (cases.documents.confined)."""
    import hashlib

    from django.core.files.base import ContentFile

    from cases.models import Upload

    upload = Upload(case=case, slot=slot, original_name=name, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                    validation_state=state)
    upload.file.save(name, ContentFile(data), save=False)
    upload.save()
    if state == "done":  # what the check queues once it passed: the public copies of photos and videos
        from cases.renditions import make_renditions

        make_renditions(upload.pk)
    return upload
