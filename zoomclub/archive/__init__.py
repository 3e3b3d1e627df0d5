"""Archive a session: pull the recording, cut it where facilitation ends, store it, publish it.

Public entry point: :func:`zoomclub.archive.pipeline.archive_meeting`.
"""
