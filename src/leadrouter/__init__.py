"""leadrouter: route inbound insurance leads to the right licensed producer."""

__version__ = "0.1.0"
