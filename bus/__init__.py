"""How positions and events move between parts: in-process (default) or over Redis."""
