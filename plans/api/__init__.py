"""The plans API: import a plan file (preview or apply) and the record of imports."""
