"""`python -m video.analyze CLIP [--roi x,y;x,y;...] [--out DIR]`: a video file, offline.

Prints one JSON event per line (kinds motion, vehicle, spill) and, with --out, writes each
spill's evidence folder under DIR. The clip's own frame times are used (from --start).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import cv2
import orjson

from video import evidence
from video.config import VideoConfig
from video.frames import Gray
from video.runner import CameraRunner

log = logging.getLogger(__name__)


def parse_roi(text: str) -> list[tuple[float, float]]:
    """"x,y;x,y;..." -> [(x, y), ...]; ValueError naming the bad part."""
    points = []
    for part in text.split(";"):
        if not part.strip():
            continue
        try:
            x, y = (float(v) for v in part.split(","))
        except ValueError:
            raise ValueError(f"bad ROI point {part!r}: expected x,y") from None
        points.append((x, y))
    if len(points) < 3:
        raise ValueError("an ROI needs at least 3 points")
    return points


def video_frames(path: Path, start: float = 0.0) -> Iterator[tuple[float, Gray]]:
    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        raise ValueError(f"cannot open video {path}")
    fps = cap.get(cv2.CAP_PROP_FPS) or 25.0
    i = 0
    try:
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            yield start + i / fps, frame
            i += 1
    finally:
        cap.release()


def run(frames: Iterable[tuple[float, Any]], runner: CameraRunner,
        out: Path | None) -> Iterator[dict[str, Any]]:
    """Events of a stream of (ts, BGR frame or JPEG bytes); evidence written to `out`."""
    for ts, frame in frames:
        try:
            events = (runner.feed_jpeg(ts, frame) if isinstance(frame, bytes)
                      else runner.feed_bgr(ts, frame))
        except ValueError as exc:
            log.warning("frame at %.3f skipped: %s", ts, exc)
            continue
        yield from (e.to_json() for e in events)
        _write(runner.ready_evidence(ts), out)
    yield from (e.to_json() for e in runner.finish())
    _write(runner.ready_evidence(None), out)


def _write(ready: list[tuple[str, evidence.EvidenceRequest]], out: Path | None) -> None:
    if out is None:
        return
    for evidence_id, request in ready:
        evidence.write(out, evidence_id, request, "mp4v")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m video.analyze", description=__doc__)
    ap.add_argument("clip", type=Path)
    ap.add_argument("--roi", help="region of interest in image pixels: x,y;x,y;...")
    ap.add_argument("--out", type=Path, help="folder for evidence (none written without it)")
    ap.add_argument("--camera", default="clip", help="camera id used in events and evidence")
    ap.add_argument("--fps", type=float, default=None, help="analysis rate (default 5)")
    ap.add_argument("--start", type=float, default=0.0, help="epoch time of the first frame")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        roi = parse_roi(args.roi) if args.roi else None
        config = VideoConfig() if args.fps is None else VideoConfig(fps=args.fps)
        runner = CameraRunner(args.camera, roi, config, keep_frames=args.out is not None)
        for event in run(video_frames(args.clip, args.start), runner, args.out):
            sys.stdout.buffer.write(orjson.dumps(event) + b"\n")
            sys.stdout.flush()
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
