"""Transcripts: reading and writing Zoom VTT files, and finding where facilitation ends."""
