"""`python -m video.analyze CLIP [--roi x,y;x,y;...] [--out DIR]`: a video file, offline.

Prints one JSON event per line (kinds motion, vehicle, spill) and, with --out, writes each
spill's evidence folder under DIR, signed with the key beside DIR (video/signing.py; --key
names another). The clip's own frame times are used (from --start).

The clip is decoded with PyAV packet by packet: a corrupt packet is skipped, counted and
reported, and analysis goes on with the next frame that decodes (OpenCV's reader stops at the
first one). Evidence is written by a thread, so encoding a clip never holds up the analysis.
Exit status: 0 done; 1 done, but some packets could not be decoded or some evidence could not
be written (stderr names them); 2 nothing analysed (no such file, not a video, a codec FFmpeg
cannot decode, no frame decodable, a bad option or key).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import av
import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from video import evidence, signing
from video.clips import background_thread
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


@dataclass
class DecodeReport:
    """What went wrong while decoding a clip (filled in as the frames are read)."""

    frames: int = 0
    bad_packets: int = 0
    first_bad_s: float | None = None

    def warning(self, path: Path) -> str | None:
        if not self.bad_packets:
            return None
        return (f"{path}: {self.bad_packets} packets could not be decoded (the first at "
                f"{self.first_bad_s or 0.0:.2f} s); the other {self.frames} frames were analysed")


def video_frames(path: Path, start: float = 0.0,
                 report: DecodeReport | None = None) -> Iterator[tuple[float, Gray]]:
    """(time, BGR frame) of every decodable frame; ValueError naming the file when it cannot
    be read at all (no such file, not a video, an unknown codec, no decodable frame)."""
    report = report if report is not None else DecodeReport()
    try:
        container = av.open(str(path))
    except FileNotFoundError:
        raise ValueError(f"cannot open video {path}: no such file") from None
    except (av.error.FFmpegError, OSError) as exc:
        raise ValueError(f"cannot open video {path}: not a video file FFmpeg can read "
                         f"({getattr(exc, 'strerror', None) or exc})") from None
    with container:
        if not container.streams.video:
            raise ValueError(f"cannot open video {path}: it has no video stream")
        stream = container.streams.video[0]
        if stream.codec_context is None:
            raise ValueError(f"cannot decode video {path}: its video stream is in a codec "
                             "FFmpeg does not know")
        fps = float(stream.average_rate or 25.0)
        first: float | None = None
        for packet in container.demux(stream):
            try:
                decoded = packet.decode()
            except av.error.FFmpegError:
                report.bad_packets += 1
                if report.first_bad_s is None:
                    report.first_bad_s = float(packet.pts * stream.time_base) \
                        if packet.pts is not None and stream.time_base else None
                continue
            for frame in decoded:
                t = frame.time if frame.time is not None else report.frames / fps
                first = t if first is None else first
                report.frames += 1
                yield start + t - first, frame.to_ndarray(format="bgr24")
    if report.frames == 0:
        raise ValueError(f"cannot decode video {path}: no frame of its "
                         f"{stream.codec_context.name} stream could be decoded")


def run(frames: Iterable[tuple[float, Any]], runner: CameraRunner,
        out: Path | EvidenceWriter | None) -> Iterator[dict[str, Any]]:
    """Events of a stream of (ts, BGR frame or JPEG bytes). Evidence goes to `out`: a writer,
    or a folder (signed with the key beside it, all written before the last event returns)."""
    writer = EvidenceWriter(out, signing.load_or_create(signing.key_path(out))) \
        if isinstance(out, Path) else out
    for ts, frame in frames:
        try:
            events = (runner.feed_jpeg(ts, frame) if isinstance(frame, bytes)
                      else runner.feed_bgr(ts, frame))
        except ValueError as exc:
            log.warning("frame at %.3f skipped: %s", ts, exc)
            continue
        yield from (e.to_json() for e in events)
        if writer is not None:
            writer.submit(runner.ready_evidence(ts))
    final = [e.to_json() for e in runner.finish()]
    if writer is not None:
        writer.submit(runner.ready_evidence(None))
        if writer is not out:
            errors = writer.finish()
            if errors:
                raise OSError(errors[0])
    yield from final


@dataclass
class EvidenceWriter:
    """Writes evidence folders on one background thread (clips are encoded there)."""

    root: Path
    key: Ed25519PrivateKey | None
    codec: str | None = "h264"
    pool: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(
        1, "evidence", initializer=background_thread))
    pending: list[tuple[str, Future[Path]]] = field(default_factory=list)

    def submit(self, ready: list[tuple[str, evidence.EvidenceRequest]]) -> None:
        for evidence_id, request in ready:
            self.pending.append((evidence_id, self.pool.submit(
                evidence.write, self.root, evidence_id, request, self.codec, self.key)))

    def finish(self) -> list[str]:
        """Wait for every folder; the errors, one line each (empty: all written)."""
        self.pool.shutdown(wait=True)
        errors = []
        for evidence_id, done in self.pending:
            exc = done.exception()
            if exc is not None:
                errors.append(f"evidence {evidence_id} could not be written: {exc}")
        return errors


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m video.analyze", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("clip", type=Path)
    ap.add_argument("--roi", help="region of interest in image pixels: x,y;x,y;...")
    ap.add_argument("--out", type=Path, help="folder for evidence (none written without it)")
    ap.add_argument("--key", type=Path, help="signing key (default: evidence-signing.key in "
                    "the folder that holds DIR; made if missing)")
    ap.add_argument("--clip-codec", choices=("h264", "vp9"), default="h264",
                    help="evidence clip format (default h264)")
    ap.add_argument("--camera", default="clip", help="camera id used in events and evidence")
    ap.add_argument("--fps", type=float, default=None, help="analysis rate (default 5)")
    ap.add_argument("--start", type=float, default=0.0, help="epoch time of the first frame")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    report = DecodeReport()
    writer: EvidenceWriter | None = None
    try:
        roi = parse_roi(args.roi) if args.roi else None
        config = VideoConfig() if args.fps is None else VideoConfig(fps=args.fps)
        if args.out is not None:
            key = signing.load_or_create(args.key or signing.key_path(args.out))
            writer = EvidenceWriter(args.out, key, args.clip_codec)
        runner = CameraRunner(args.camera, roi, config, keep_frames=args.out is not None)
        for event in run(video_frames(args.clip, args.start, report), runner, writer):
            sys.stdout.buffer.write(orjson.dumps(event) + b"\n")
            sys.stdout.flush()
    except (ValueError, signing.SigningKeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        if writer is not None:
            writer.finish()  # what was captured before the error is still written
        return 2
    problems = ([] if writer is None else writer.finish()) + [
        w for w in [report.warning(args.clip)] if w]
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
