"""The register: risks scored impact × likelihood, their mitigations, links and history (the core)."""
