"""Learning use cases: intent scoring of stored leads, the propensity model, the monitor."""
