"""Typed configuration models: bounds and descriptions live next to each key."""
