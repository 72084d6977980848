"""Models of the review app. Each area keeps its own module; import them here."""

from review.models.batches import Batch, BatchItem, BatchStatus, DeadlineReminder

__all__ = ["Batch", "BatchItem", "BatchStatus", "DeadlineReminder"]
from review.models.scoring import (  # noqa: E402
    ConflictOfInterest, ConflictSource, ExpertAssignment, ExpertProfile, ExpertScore, ScoringCriterion,
)
from review.models.voting import (  # noqa: E402
    Ballot, BallotChoice, BallotLog, BallotLogOutcome, BallotStatus, FraudScan, QuarantineAction, QuarantineDecision,
    SuspicionFlag,
)
from review.models.results import (  # noqa: E402
    Certificate, OverrideField, Selection, SelectionEntry, SelectionOverride, SelectionState,
)
from review.closing.models import WorkDocument, WorkDocumentKind  # noqa: E402
from review.models.announcements import Announcement  # noqa: E402
from review.models.paper import PaperShipment, PaperState  # noqa: E402
