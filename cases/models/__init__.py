from cases.models.audit import AuditEvent, CaseTransition, DeadlineExtension
from cases.models.campaign import CAMPAIGN_TIME_ZONE, Campaign
from cases.models.case import Case
from cases.models.generated import GeneratedDocument
from cases.models.organisations import Enterprise, Membership, Organisation
from cases.models.renditions import Rendition
from cases.models.resumable import ResumableState, ResumableUpload
from cases.models.uploads import Upload, upload_storage_path

__all__ = [
    "AuditEvent", "CAMPAIGN_TIME_ZONE", "Campaign", "Case", "CaseTransition", "DeadlineExtension", "Enterprise",
    "GeneratedDocument", "Membership", "Organisation", "Rendition", "ResumableState", "ResumableUpload", "Upload", "upload_storage_path",
]
