"""The routers of the web pages."""
