"""License compliance that needs no database: reading a state registry's license report."""
