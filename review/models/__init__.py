"""Models of the review app. Each area keeps its own module; import them here."""
