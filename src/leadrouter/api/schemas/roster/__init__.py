"""Request and response bodies of the roster endpoints, one module per resource.

Values are checked by the same parsers as the CSV importer (``leadrouter.roster.fields``),
so the API and a CSV file accept and refuse the same things.
"""
