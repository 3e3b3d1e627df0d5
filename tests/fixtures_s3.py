"""Fixtures (placeholder until their issue lands)."""
