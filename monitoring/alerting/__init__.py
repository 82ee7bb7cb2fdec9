"""Readings judged: bands and early-warning rules (thresholds), the pure alert state machine, set-based
evaluation of a batch, inhibition along the risk graph, alert actions and what an alert's message says."""
