"""Readings in: the sources a metric is read from, collection and pushed readings, storing them
(ingest), the sources' circuit breakers, rollups and pruning."""
