"""Leads: intake, behaviour events, status, activities, outcomes, opt-out, intake settings."""
