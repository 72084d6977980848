"""Generated documents of the review pipeline: the summary tables 附件4–6."""
