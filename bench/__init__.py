"""Benchmarks: run each as a script from the repo root, e.g. python bench/tracker.py."""
