"""Lead intake: validation, normalization (phone, email, ZIP), insurance types, dedupe."""
