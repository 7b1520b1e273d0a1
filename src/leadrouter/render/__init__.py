"""Reports rendered for people: HTML (Jinja2), CSV, PDF (WeasyPrint), charts as inline SVG."""
