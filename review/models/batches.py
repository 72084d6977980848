"""Batches: one organisation's ranked list forwarded at once (附件4/5/6)."""
