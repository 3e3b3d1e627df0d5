"""zoomclub: run a weekly Zoom paper club unattended."""

__version__ = "0.1.0"
