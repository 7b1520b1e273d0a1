"""Use cases: one keyword-only function each; each owns its transaction."""
