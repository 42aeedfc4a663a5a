"""The one list of per-device rules the engine runs, in this order, on every fix and tick.

Adding a rule is one module in tracking/rules/ and one line here.
"""

from __future__ import annotations

from config.patrol import AlertConfig
from tracking.rules.base import DeviceRule
from tracking.rules.idle import Idle
from tracking.rules.off_grid import OffGrid
from tracking.rules.signal_lost import SignalLost
from tracking.rules.too_fast import TooFast


def device_rules(cfg: AlertConfig) -> list[DeviceRule]:
    return [
        SignalLost(cfg),
        Idle(cfg),
        OffGrid(cfg),
        TooFast(cfg),
    ]
