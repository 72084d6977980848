"""Review stages, transitions, scoring and voting live here (see the pipeline issues)."""
