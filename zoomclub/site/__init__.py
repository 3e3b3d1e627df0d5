"""The members' static site, rendered into the archive root."""
