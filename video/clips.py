"""Evidence clips that browsers play: H.264 in MP4 or VP9 in WebM, encoded through PyAV.

PyAV's wheels carry FFmpeg with libx264 and libvpx, so nothing beyond `pip install av` is needed
(OpenCV's pip build has no H.264 encoder). Each clip is encoded on one thread (`threads=1`) by
the evidence writer, never by the analysis loop, at a lower CPU priority (background_thread);
PyAV releases the GIL while the encoder runs, so analysis in the same process goes on beside
it (bench/evidence_speed.py measures both).

Frames keep their recorded times (millisecond time base, variable frame rate), so the clip
plays at the pace the camera delivered; frames larger than 1080 lines are scaled down (the
original JPEGs stay in the folder at full resolution).
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

from video.frames import Gray, decode_full

log = logging.getLogger(__name__)
MAX_LINES = 1080
WRITER_NICE = 10
TIME_BASE = Fraction(1, 1000)


@dataclass(frozen=True, slots=True)
class ClipFormat:
    codec: str  # the manifest's name for it
    file: str
    container: str
    encoder: str
    mime: str
    options: dict[str, str] = field(default_factory=dict)
    container_options: dict[str, str] = field(default_factory=dict)


FORMATS = {
    # moov atom first (+faststart): a browser starts playing before the whole file arrives.
    # ultrafast: Constrained Baseline (no CABAC, no B-frames), which every H.264 decoder plays,
    # at a third of veryfast's cost for the same PSNR (bench/evidence_speed.py, README).
    "h264": ClipFormat("h264", "clip.mp4", "mp4", "libx264", 'video/mp4; codecs="avc1.42E01E"',
                       {"preset": "ultrafast", "crf": "26", "threads": "1"},
                       {"movflags": "+faststart"}),
    "vp9": ClipFormat("vp9", "clip.webm", "webm", "libvpx-vp9", 'video/webm; codecs="vp9"',
                      {"deadline": "realtime", "cpu-used": "8", "crf": "32", "b": "0",
                       "threads": "1"}),
}
CLIP_FILES = frozenset(f.file for f in FORMATS.values())


def background_thread() -> None:
    """Lower the calling thread's CPU priority (Linux: nice 10 for this thread alone), so the
    evidence writer takes the cores' spare time and analysis keeps its share when they are
    busy; the writer is delayed under load, never stopped."""
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), WRITER_NICE)


def clip_size(width: int, height: int) -> tuple[int, int]:
    """Even sides (4:2:0 chroma needs them), at most MAX_LINES lines."""
    if height > MAX_LINES:
        width, height = round(width * MAX_LINES / height), MAX_LINES
    return max(2, width - width % 2), max(2, height - height % 2)


def write_clip(path: Path, frames: list[tuple[float, bytes]], fmt: ClipFormat) -> int:
    """Encode the decodable frames into `path`; the number of frames in the clip (0: no file).

    Frames are decoded one at a time (a 40 s 1080p clip decoded at once would be a gigabyte).
    Frames the JPEG decoder refuses are left out (they stay in the folder as they arrived).
    """
    images = _decodable(frames)
    first = next(images, None)
    if first is None or len(frames) < 2:
        return 0
    width, height = clip_size(first[1].shape[1], first[1].shape[0])
    t0 = first[0]
    written, last_pts = 0, -1
    try:
        with av.open(str(path), "w", format=fmt.container,
                     options=dict(fmt.container_options)) as container:
            stream = container.add_stream(fmt.encoder, rate=_rate(frames))
            assert isinstance(stream, av.VideoStream)
            stream.width, stream.height = width, height
            stream.pix_fmt = "yuv420p"
            stream.time_base = TIME_BASE
            stream.codec_context.time_base = TIME_BASE
            stream.options = dict(fmt.options)
            for ts, img in itertools.chain([first], images):
                pts = round((ts - t0) * 1000)
                if pts <= last_pts:
                    continue  # two frames in one millisecond: the container cannot hold both
                if img.shape[:2] != (height, width):
                    img = cv2.resize(img, (width, height), interpolation=cv2.INTER_AREA)
                frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(img), format="bgr24")
                frame.pts, frame.time_base = pts, TIME_BASE
                container.mux(stream.encode(frame))
                last_pts, written = pts, written + 1
            container.mux(stream.encode(None))
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    if written < 2:
        path.unlink(missing_ok=True)
        return 0
    return written


def _decodable(frames: list[tuple[float, bytes]]) -> Iterator[tuple[float, Gray]]:
    for ts, data in frames:
        try:
            yield ts, decode_full(data)
        except ValueError:
            log.info("frame at %.3f is not decodable: left out of the clip", ts)


def _rate(frames: list[tuple[float, bytes]]) -> Fraction:
    """Average frame rate (the encoder's rate control wants one; the times are kept exactly)."""
    span = frames[-1][0] - frames[0][0]
    fps = (len(frames) - 1) / span if span > 0 else 5.0
    return Fraction(round(float(np.clip(fps, 1.0, 60.0)) * 1000), 1000)
