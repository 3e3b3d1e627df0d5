"""Scheduled job entry points, referenced by dotted path from the persistent job store."""
