"""Models of the review app. Each area keeps its own module; import them here."""

from review.models.batches import Batch, BatchItem, BatchStatus, DeadlineReminder

__all__ = ["Batch", "BatchItem", "BatchStatus", "DeadlineReminder"]
