"""The agency's roster: producers, licenses, territories, clients, lead sources, and CSV import."""
