"""A position fix as every gateway hands it to tracking, already validated and in WGS-84."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from model.deviceid import MAX_DEVICE_ID


class Position(msgspec.Struct, gc=False, omit_defaults=True):
    """Treated as immutable everywhere (not `frozen`: one is built for every position the
    server takes, and the JSON gateway fixes up the id of a freshly decoded one in place).

    A msgspec Struct so that the JSON gateway decodes a message straight into Positions
    (gateway/fastpath.py), with no object per fix in between; the bounds in the annotations are
    checked by that decoding only (a Struct built in code is not checked). A longer raw id may
    still be 64 characters once normalised (NFC, spaces removed), hence 4 × the id's limit.
    gc=False: the cycle collector never looks at the millions of positions held in tracks and
    windows (a Position refers to nothing that could refer back to it). omit_defaults: the
    journal (store/journal.py) writes a position without the fields it does not have."""

    device: Annotated[str, msgspec.Meta(min_length=1, max_length=4 * MAX_DEVICE_ID)]
    ts: float  # epoch seconds, from the device
    lat: Annotated[float, msgspec.Meta(ge=-90.0, le=90.0)]  # WGS-84 degrees
    lon: Annotated[float, msgspec.Meta(ge=-180.0, le=180.0)]
    acc: Annotated[float, msgspec.Meta(ge=0.0, le=1e5)] | None = None  # metres
    speed: Annotated[float, msgspec.Meta(ge=0.0, le=500.0)] | None = None  # m/s
    # degrees clockwise from north, [0, 360) (the gateways fold 360 to 0)
    heading: Annotated[float, msgspec.Meta(ge=0.0, le=360.0)] | None = None
    # Protocol extras shown in /api/v1/devices (e.g. JT/T 808 "terminal", "alarm", "status").
    attrs: dict[str, Any] = {}

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"device": self.device, "ts": self.ts, "lat": self.lat,
                               "lon": self.lon}
        if self.acc is not None:
            out["acc"] = self.acc
        if self.speed is not None:
            out["speed"] = self.speed
        if self.heading is not None:
            out["heading"] = self.heading
        if self.attrs:
            out.update(self.attrs)
        return out
