from cases.models.audit import AuditEvent, CaseTransition, DeadlineExtension
from cases.models.campaign import CAMPAIGN_TIME_ZONE, Campaign, CoOrganiser
from cases.models.case import Case
from cases.models.fixes import FixDecision, NarrativeFix
from cases.models.generated import GeneratedDocument
from cases.models.notice import CampaignContact, CampaignNotice
from cases.models.organisations import Enterprise, Membership, Organisation
from cases.models.renditions import Rendition
from cases.models.resumable import ResumablePart, ResumableState, ResumableUpload
from cases.models.similarity import (
    MatchKind, PhotoFingerprint, SimilarityKey, SimilarityKeyKind, SimilarityMatch, TextFingerprint,
)
from cases.models.uploads import Upload, upload_storage_path

__all__ = [
    "AuditEvent", "CAMPAIGN_TIME_ZONE", "Campaign", "CampaignContact", "CampaignNotice", "Case", "CaseTransition", "CoOrganiser", "DeadlineExtension", "Enterprise", "FixDecision",
    "GeneratedDocument", "Membership", "NarrativeFix", "Organisation", "Rendition", "ResumablePart", "ResumableState", "ResumableUpload", "Upload", "upload_storage_path",
    "MatchKind", "PhotoFingerprint", "SimilarityKey", "SimilarityKeyKind", "SimilarityMatch", "TextFingerprint",
]
