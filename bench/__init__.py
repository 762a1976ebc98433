"""Benchmarks: `uv run python -m bench [NAME…]`. Not tests; never run in CI."""
