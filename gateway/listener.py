"""What the device protocol listeners (OsmAnd, JT/T 808) are handed by the composition root."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from model.position import Position

# Takes decoded, validated positions of known devices; may wait (back-pressure). A raise means
# "not taken": the listener then answers the device so that it sends them again.
Sink = Callable[[list[Position]], Awaitable[object]]
# Is this device id known to the tracker (the registry of inspectors and vehicles)?
Known = Callable[[str], bool]
