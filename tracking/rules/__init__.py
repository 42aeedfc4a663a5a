"""Alert rules, one module each. The engine runs the lists in tracking/rules/registry.py."""
