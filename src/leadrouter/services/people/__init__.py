"""The agency's people: users and their roles, sign-in and sessions, who may act as whom."""
