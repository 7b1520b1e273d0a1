"""Roster CSV files: the columns of each kind, reading a table, planning what to write."""
