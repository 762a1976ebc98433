"""Intake: a submitted notice becomes a stored document version with segments."""
