"""Incidents arrive with the incidents issue; the app exists now so migrations start clean."""
