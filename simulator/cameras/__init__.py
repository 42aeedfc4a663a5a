"""Simulated cameras: synthetic road scenes with ground truth, and a pusher that streams them."""
