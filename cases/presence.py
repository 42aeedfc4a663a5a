"""核查 with proof of presence: did the checking inspector's GPS track pass close to the case
and stay long enough, and was the check photo (where its EXIF says) taken there and then?

A check without that proof still lands (the flow does not wait on GPS), flagged "desk":
done from the desk, as the evaluation counts it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cases.place import metres

PHOTO_SLACK_S = 120.0  # a handset clock a little off is not a desk check


@dataclass(frozen=True, slots=True)
class PresenceRule:
    distance_m: float
    dwell_s: float
    window_s: float


def stays(times: list[float], coords: list[list[float]], lon: float, lat: float,
          rule: PresenceRule, since: float, until: float) -> list[tuple[float, float, float]]:
    """Spans (first, last, closest metres) of consecutive fixes within the distance."""
    spans: list[tuple[float, float, float]] = []
    start: float | None = None
    last = closest = 0.0
    for ts, (x, y) in zip(times, coords, strict=True):
        if ts < since or ts > until:
            continue
        d = metres(lon, lat, x, y)
        if d <= rule.distance_m:
            if start is None:
                start, closest = ts, d
            last, closest = ts, min(closest, d)
        elif start is not None:
            spans.append((start, last, closest))
            start = None
    if start is not None:
        spans.append((start, last, closest))
    return spans


def prove(tracks: list[dict[str, Any]], lon: float, lat: float, check_ts: float,
          photos: list[dict[str, Any]], rule: PresenceRule) -> dict[str, Any]:
    """tracks: GeoJSON Features of the inspector's days (tracking's track()), photos: the
    check's photo facts (taken_ts, exif_lon, exif_lat). The answer goes in the flow log."""
    times: list[float] = []
    coords: list[list[float]] = []
    for feature in tracks:
        geom = feature.get("geometry")
        if not geom:
            continue
        pts = geom["coordinates"] if geom["type"] == "LineString" else [geom["coordinates"]]
        times += feature["properties"]["times"]
        coords += pts
    order = sorted(range(len(times)), key=times.__getitem__)
    times = [times[i] for i in order]
    coords = [coords[i] for i in order]
    spans = stays(times, coords, lon, lat, rule, check_ts - rule.window_s, check_ts)
    good = [s for s in spans if s[1] - s[0] >= rule.dwell_s]
    out: dict[str, Any] = {
        "fixes": len(times), "distance_m": rule.distance_m, "dwell_s": rule.dwell_s,
        "closest_m": round(min((s[2] for s in spans), default=float("nan")), 1)
        if spans else None,
        "stayed_s": round(max((s[1] - s[0] for s in spans), default=0.0), 1),
    }
    if not good:
        out.update(presence="desk", why="no stay near the case in the track"
                   if spans or times else "no track of the inspector")
        return out
    out["span"] = [good[-1][0], good[-1][1]]
    for p in photos:
        taken = p.get("taken_ts")
        if taken is not None and not any(a - PHOTO_SLACK_S <= taken <= b + PHOTO_SLACK_S
                                         for a, b, _ in good):
            out.update(presence="desk", why="the photo was taken outside the stay")
            return out
        plon, plat = p.get("exif_lon"), p.get("exif_lat")
        if plon is not None and plat is not None and \
                metres(lon, lat, plon, plat) > 2 * rule.distance_m:
            out.update(presence="desk", why="the photo was taken elsewhere")
            return out
    out["presence"] = "present"
    return out
