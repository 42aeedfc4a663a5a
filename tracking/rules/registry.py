"""The one list of per-device rules the engine runs, in this order, on every fix and tick.

Adding a rule is one module in tracking/rules/ and one line in each list here (the rule, and
its exported state Struct in RuleData, which the typed tracker state decodes).
"""

from __future__ import annotations

from config import testfaults
from config.patrol import AlertConfig
from tracking.rules.base import DeviceRule
from tracking.rules.idle import Idle, StayData
from tracking.rules.off_grid import ExcursionData, OffGrid
from tracking.rules.signal_lost import SignalLost, SilenceData
from tracking.rules.testfault import PoisonRule
from tracking.rules.too_fast import MotionData, TooFast

# Every rule's exported slot: tagged Structs, or a bare float (signal_lost), or None.
RuleData = SilenceData | StayData | ExcursionData | MotionData | float | None


def device_rules(cfg: AlertConfig) -> list[DeviceRule]:
    rules: list[DeviceRule] = [
        SignalLost(cfg),
        Idle(cfg),
        OffGrid(cfg),
        TooFast(cfg),
    ]
    if testfaults.enabled("poison-rule"):  # tests and bench/chaos.py only
        rules.append(PoisonRule())
    return rules
