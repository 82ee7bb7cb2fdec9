"""Service level objectives: the error-budget arithmetic (budget), reading an SLI (sources), burn-rate
evaluation through the alert state machine (evaluation), OpenSLO import and the SLO admin pages."""
