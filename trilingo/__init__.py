"""Trilingo core: configuration, errors, workspace and the local Prefect server."""
