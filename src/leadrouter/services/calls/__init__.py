"""Live calls: inbound calls and live transfers, dialed through the same license gate."""
