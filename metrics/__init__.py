"""Prometheus metrics of one server process (served at /metrics)."""
