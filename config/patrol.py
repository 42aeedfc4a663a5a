"""Patrol and alert-rule settings (docs/contract.md §2-3). Every key has a default and a bound."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PatrolConfig(Strict):
    pass_coverage: float = Field(0.8, gt=0.0, le=1.0,
                                 description="Share of a road's length one pass must cover.")
    match_tolerance: float = Field(25.0, gt=0.0, le=200.0,
                                   description="Metres from a road within which a fix is on it.")
    break_s: float = Field(60.0, gt=0.0, le=3600.0,
                           description="Seconds off a road that end the traversal in progress.")
    reorder_window_s: float = Field(10.0, ge=0.0, le=600.0,
                                    description="Seconds a device's fixes are held back so that "
                                    "late, out-of-order ones are put back in time order.")
    max_future_s: float = Field(300.0, ge=0.0, le=86400.0,
                                description="Fixes further than this in the future are rejected.")
    max_accuracy_m: float = Field(100.0, gt=0.0, le=10000.0,
                                  description="Fixes reporting a worse accuracy count for nothing.")


class AlertConfig(Strict):
    behind_by: float = Field(1.0, gt=0.0, le=20.0,
                             description="coverage_behind: passes behind the pro-rata schedule.")
    unvisited_factor: float = Field(1.5, gt=0.0, le=10.0,
                                    description="road_unvisited: multiple of window/required.")
    signal_lost_s: float = Field(300.0, gt=0.0, le=86400.0,
                                 description="signal_lost: seconds an on-duty device is silent.")
    idle_radius_m: float = Field(20.0, gt=0.0, le=1000.0,
                                 description="idle: radius (m) the device stays within.")
    idle_s: float = Field(900.0, gt=0.0, le=86400.0,
                          description="idle: seconds it stays there.")
    off_grid_s: float = Field(600.0, gt=0.0, le=86400.0,
                              description="off_grid: seconds outside every assigned grid.")
    too_fast_kmh: float = Field(25.0, gt=0.0, le=300.0,
                                description="too_fast: speed (km/h) of riding, not walking; "
                                "passes faster than this are suspect.")
    too_fast_s: float = Field(60.0, gt=0.0, le=3600.0,
                              description="too_fast: seconds above that speed.")
