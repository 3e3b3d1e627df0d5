"""Shared fixtures live in tests/fixtures_*.py modules, one per area, registered here."""

pytest_plugins = ["tests.fixtures_zoom", "tests.fixtures_s3"]
