"""Reads of the near-duplicate findings: a case's similar cases as one viewer may see them, and the
province's clusters.

Visibility: a similar case is shown (title, passages side by side, photo pairs) only when the
viewer may open it (cases.queries.cases_visible_to, the one query of who sees what); the others
are counted in one line, 与其他地区的N个案例相似，省级可见, which names nothing of them. Nothing
here is shown to an enterprise, an expert or an observer (cases.rules.may_see_similar_cases).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import gettext as _

from cases.documents.naming import case_region
from cases.enums import CaseStatus
from cases.models import Campaign, Case, MatchKind, SimilarityMatch, Upload
from cases.queries import cases_visible_to
from cases.rules import may_see_similar_cases

# The order findings are listed in, strongest evidence of a duplicate case first.
KIND_ORDER = {MatchKind.TEXT: 0, MatchKind.IDENTITY: 1, MatchKind.PHOTO: 2, MatchKind.INTRODUCTION: 3}


@dataclass
class Finding:
    kind: str
    score: float
    text: str  # the finding in Chinese, e.g. 疑似重复：与2023年第12号案例文字相似度 0.91
    passages: list[dict] = field(default_factory=list)  # {"mine", "theirs", "part", "how"}
    photos: list[dict] = field(default_factory=list)  # {"mine": Upload, "theirs": Upload, "distance"}


@dataclass
class SimilarCase:
    case: Case
    findings: list[Finding]

    @property
    def is_duplicate(self) -> bool:
        return any(finding.kind in (MatchKind.TEXT, MatchKind.PHOTO, MatchKind.IDENTITY) for finding in self.findings)


@dataclass
class SimilarPanel:
    shown: list[SimilarCase]
    hidden: int

    @property
    def hidden_text(self) -> str:
        return _("Similar to %(count)d case(s) of other regions, visible at the province") % {"count": self.hidden}

    def __bool__(self) -> bool:
        return bool(self.shown or self.hidden)


def case_reference(case: Case) -> dict:
    return {"year": case.campaign.year, "number": case.pk}


def finding_text(kind: str, score: float, other: Case, details: dict) -> str:
    """The finding on the case for reviewers (issue 19: 疑似重复：与2023年第12号案例文字相似度 0.91)."""
    values = {**case_reference(other), "score": f"{score:.2f}"}
    if kind == MatchKind.TEXT:
        return _("Suspected duplicate: text similarity %(score)s with case No. %(number)d of %(year)d") % values
    if kind == MatchKind.INTRODUCTION:
        return _("Same company introduction as case No. %(number)d of %(year)d (a different story: not a duplicate case)") % values
    if kind == MatchKind.PHOTO:
        return _("Same photo as case No. %(number)d of %(year)d (%(count)d pair(s))") % {**values, "count": len(details.get("photos", []))}
    if details.get("reason") == "credit_code":
        return _("Same enterprise (same unified social credit code) as case No. %(number)d of %(year)d: one case per enterprise") % values
    return _("An enterprise of the same name as in case No. %(number)d of %(year)d: one case per enterprise") % values


def _oriented(match: SimilarityMatch, case_id: int) -> tuple[int, list[dict], list[tuple[int, int, int]]]:
    """(other case id, passages as mine/theirs, photo pairs as (mine, theirs, distance))."""
    mine_is_a = match.case_id == case_id
    other = match.other_id if mine_is_a else match.case_id
    passages = [{"mine": p["a"] if mine_is_a else p["b"], "theirs": p["b"] if mine_is_a else p["a"],
                 "part": p.get("part", ""), "how": p.get("how", "")} for p in match.details.get("passages", [])]
    photos = [(p["a"], p["b"], p["distance"]) if mine_is_a else (p["b"], p["a"], p["distance"])
              for p in match.details.get("photos", [])]
    return other, passages, photos


def similar_cases(case: Case, viewer) -> SimilarPanel:
    """What `viewer` is shown of the cases similar to `case` (see the module docstring)."""
    if not may_see_similar_cases(viewer):
        return SimilarPanel(shown=[], hidden=0)
    matches = list(SimilarityMatch.objects.filter(Q(case=case) | Q(other=case)))
    by_other: dict[int, list] = defaultdict(list)
    for match in matches:
        other, passages, photos = _oriented(match, case.pk)
        by_other[other].append((match, passages, photos))
    visible = {other.pk: other for other in cases_visible_to(viewer).filter(pk__in=list(by_other))
               .exclude(status=CaseStatus.DRAFT).select_related("campaign", "enterprise")}
    uploads = Upload.objects.in_bulk([upload_id for other in visible for _m, _p, photos in by_other[other]
                                      for pair in photos for upload_id in pair[:2]])
    shown = []
    for other_id, found in by_other.items():
        other = visible.get(other_id)
        if other is None:
            continue
        findings = []
        for match, passages, photos in sorted(found, key=lambda item: KIND_ORDER[item[0].kind]):
            findings.append(Finding(
                kind=match.kind, score=match.score, text=finding_text(match.kind, match.score, other, match.details),
                passages=passages,
                photos=[{"mine": uploads.get(mine), "theirs": uploads.get(theirs), "distance": distance}
                        for mine, theirs, distance in photos if mine in uploads and theirs in uploads],
            ))
        shown.append(SimilarCase(case=other, findings=findings))
    shown.sort(key=lambda item: (KIND_ORDER[item.findings[0].kind], -item.findings[0].score, -item.case.campaign.year, item.case.pk))
    return SimilarPanel(shown=shown, hidden=len(by_other) - len(shown))


@dataclass
class Cluster:
    number: int
    cases: list[Case]
    links: list[SimilarityMatch]

    def findings_of(self, case: Case) -> list[str]:
        """One line per match of `case` inside the cluster, naming the other case."""
        by_id = {member.pk: member for member in self.cases}
        lines = []
        for match in self.links:
            if case.pk in (match.case_id, match.other_id):
                other = by_id[match.other_id if match.case_id == case.pk else match.case_id]
                lines.append(finding_text(match.kind, match.score, other, match.details))
        return lines


def clusters(campaign: Campaign) -> list[Cluster]:
    """Groups of cases linked by any finding, each holding at least one submitted case of
    `campaign` (earlier years' cases appear in them). Provincial staff only (the caller checks)."""
    matches = list(SimilarityMatch.objects.exclude(case__status=CaseStatus.DRAFT).exclude(other__status=CaseStatus.DRAFT)
                   .order_by("case_id", "other_id", "kind"))
    parent: dict[int, int] = {}

    def root(node: int) -> int:
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for match in matches:
        parent[root(match.case_id)] = root(match.other_id)
    groups: dict[int, list[int]] = defaultdict(list)
    for node in list(parent):
        groups[root(node)].append(node)
    members = Case.objects.filter(pk__in=list(parent)).select_related(
        "campaign", "enterprise__association__parent__parent").in_bulk()
    result = []
    for ids in groups.values():
        cases = sorted((members[i] for i in ids if i in members), key=lambda c: (-c.campaign.year, c.pk))
        if not any(member.campaign_id == campaign.pk for member in cases):
            continue
        members_here = set(ids)
        links = [match for match in matches if match.case_id in members_here]
        result.append(Cluster(number=0, cases=cases, links=links))
    result.sort(key=lambda cluster: (-len(cluster.cases), cluster.cases[0].pk))
    for number, cluster in enumerate(result, start=1):
        cluster.number = number
    return result


CLUSTER_HEADER = ("群组", "年份", "案例编号", "案例名称", "企业", "统一社会信用代码", "地区", "状态", "相似情况")


def cluster_rows(campaign: Campaign) -> list[list]:
    """The province's report as rows (the page and its Excel export)."""
    rows = []
    for cluster in clusters(campaign):
        for case in cluster.cases:
            rows.append([cluster.number, case.campaign.year, case.pk, case.title, case.enterprise.name,
                         case.enterprise.credit_code, case_region(case), case.status_label,
                         "\n".join(cluster.findings_of(case))])
    return rows
