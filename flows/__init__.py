"""Prefect 3 flows. Orchestration only: each task wraps one core call. Importing this package imports Prefect."""
