"""Seen-store backends: the memory of articles already written (SQLite, Redis)."""
