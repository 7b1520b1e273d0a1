"""Routing: route a lead, its context, decisions and the queue, offers, assignment announcements."""
