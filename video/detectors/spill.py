"""Left material: a persistent, still change on the road where a tracked vehicle just passed.

A fast background forgets a stopped object within seconds, so this detector keeps its own slow
background (Porikli's dual backgrounds), in brightness and in chroma, that is not updated under
moving things. A pixel changes when its brightness leaves the background's 3x3 range by the
threshold plus what that pixel is known to flicker (spread.py: camera shake moves lane lines,
JPEG noise flickers grain), or when its chroma leaves the background's, scaled by the pixel's
brightness ratio (a shadow keeps its chromaticity: chroma.py), by the chroma threshold plus
that pixel's learnt chroma flicker (low light is noisy in colour). A changed pixel that is not
moving gains evidence each frame and loses it faster when it looks like the road again; one
with enough evidence is static. A static region that stays so for `still_s` is a candidate;
one that grows after it was judged is judged again. It is a spill only when (attribution.py):
- no object came and came to rest on it (a parked car, a person standing: the region is them);
- a vehicle's boxes reached the spot before the road there stopped looking clean and then went
  on past it: the last such vehicle dropped it (a car that follows over the material reaches
  it only afterwards and is not blamed);
- compared at full resolution with the road before that vehicle came, it is not the same road
  under a shadow or another light (verify.py).
"""

from __future__ import annotations

import collections
from dataclasses import dataclass, field

import cv2
import numpy as np
import numpy.typing as npt

from video.config import SpillConfig
from video.detectors import chroma, texture
from video.detectors.attribution import (
    arrived_unseen,
    brought_on_foot,
    covered_at,
    rest_box,
    sits_on,
    stands_beside,
    stopped_on,
    unoccupied_before,
)
from video.detectors.base import AnalysisFrame, Box, Detector, Gray, Mask, gain, label
from video.detectors.motion import KERNEL3, outside_band, roi_sample
from video.detectors.spill_checks import is_shadow, sample_points
from video.detectors.spread import ChromaSpread, Spread
from video.detectors.vehicles import Track
from video.detectors.verify import FrameAt, grain_changed, same_road

KERNEL5 = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
# Particles of one trail lie a few pixels apart: they are grouped into one region.
KERNEL_GROUP = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (9, 9))
GROWN = 1.5  # a judged candidate this many times larger is judged again
FORGET_S = 3.0  # a candidate hidden longer than this (e.g. under a car) is dropped
PASS_BEFORE_S = 4.0  # how long before the onset the dropper may have started to cover it
ONSET_SLACK_S = 0.5
WARM_ALPHA = 0.15
SPREAD_ALPHA = 0.03  # learning rate of the per-pixel flicker once warm
SPREAD_FACTOR = 1.5  # tolerance added per grey level of mean flicker
CHROMA_SPREAD_FACTOR = 2.0  # tolerance added per chroma unit of mean flicker
EVIDENCE_MAX = 12  # frames of evidence a changed pixel can bank
EVIDENCE_STATIC = 3  # frames of evidence that make it static
CLEAR_SHARE = 0.5  # a spill clears once its difference from the road falls under this share
GRAIN_FRAMES = 3  # consecutive frames a faint region must hide the grain on
ONE, TWO, STATIC = np.array([1.0]), np.array([2.0]), np.array([float(EVIDENCE_STATIC)])


@dataclass(slots=True)
class Candidate:
    box: Box
    first_ts: float
    last_ts: float
    onset_ts: float  # when the road was last seen clean there
    first_box: Box | None = None
    seen: int = 1
    done: bool = False
    judged_area: int = 0


@dataclass(slots=True)
class Spill:
    """A confirmed spill, with what evidence and attribution need."""

    ts: float
    box: Box  # the material, analysis pixels
    onset_ts: float
    vehicle: Track
    covered_ts: float  # when the vehicle's box first covered the spot
    mask: npt.NDArray[np.bool_] = field(repr=False)  # region inside box
    background: npt.NDArray[np.float32] = field(repr=False)  # slow background inside box
    bg_chroma: tuple[chroma.F32, chroma.F32] | None = field(default=None, repr=False)
    clean_for: float = 0.0
    contrast: float = 0.0  # mean brightness difference from the road when judged
    shift: float = 0.0  # perceptual chroma shift from the road when judged


class SpillDetector(Detector[SpillConfig]):
    def __init__(self, config: SpillConfig) -> None:
        super().__init__(config)
        self.slow: npt.NDArray[np.float32] | None = None
        self.slow_cr: chroma.F32 | None = None
        self.slow_cb: chroma.F32 | None = None
        self.evidence: Mask | None = None
        self.candidates: list[Candidate] = []
        self.reported: list[Spill] = []
        self.found: list[Spill] = []  # confirmed since the pipeline last drained them
        self.cleared: list[Spill] = []
        self._clean: npt.NDArray[np.float64] | None = None
        self._since: npt.NDArray[np.float64] | None = None  # when a pixel's evidence began
        self._rest: dict[int, Box | None] = {}  # ended tracks: rest_box when they ended
        self._recent: collections.deque[tuple[Gray, Gray]] = collections.deque(maxlen=2)
        self._times: collections.deque[float] = collections.deque(maxlen=GRAIN_FRAMES)
        self._sample: npt.NDArray[np.intp] | None = None
        self._sample2: npt.NDArray[np.intp] | None = None  # the same at chroma size
        self._cast = (0.0, 0.0)
        self._spread = Spread(np.zeros((1, 1), np.uint8), SPREAD_FACTOR, config.threshold)
        self._cspread: ChromaSpread | None = None
        self._start = 0.0
        self._last_ts = 0.0
        # Set by the owner when full frames are kept: enables the full-resolution check.
        self.frame_at: FrameAt | None = None

    def detect(self, frame: AnalysisFrame) -> list[Box]:
        g = frame.gray
        colour = frame.cr is not None and frame.cb is not None
        if (self.slow is None or self.slow.shape != g.shape or frame.light_reset
                or colour != (self.slow_cr is not None)):
            self._reset(frame)
            return []
        assert self._clean is not None and self._sample is not None
        assert self.evidence is not None
        cfg, slow, ts = self.config, self.slow, frame.ts
        prev_ts = self._last_ts
        dt = max(ts - prev_ts, 1e-3)
        self._last_ts = ts
        self._times.append(ts)
        gs = gain(g, slow, self._sample)
        t = self._spread.tolerance(cfg.threshold)
        changed = outside_band(g, slow, gs, t)
        # Changed since the last frames by more than their 3x3 neighbourhood explains (camera
        # shake moves edges by a pixel; that is not motion).
        lo, hi = cv2.subtract(cv2.erode(g, KERNEL3), t), cv2.add(cv2.dilate(g, KERNEL3), t)
        moving = np.zeros_like(g)
        for old_lo, old_hi in self._recent:
            moving = cv2.bitwise_or(moving, cv2.bitwise_or(
                cv2.compare(g, old_lo, cv2.CMP_LT), cv2.compare(g, old_hi, cv2.CMP_GT)))
        self._recent.append((lo, hi))
        cr = cb = None
        if frame.cr is not None and frame.cb is not None and self._cspread is not None:
            assert self.slow_cr is not None and self.slow_cb is not None
            cr, cb = frame.cr, frame.cb
            # The global light gain scales the background's colour; a local shadow's own
            # brightness ratio is divided out when a candidate is judged (_chroma_shift).
            assert self._sample2 is not None
            self._cast = chroma.cast(cr, cb, self.slow_cr, self.slow_cb, gs, self._sample2)
            tc = self._cspread.tolerance(cfg.chroma_threshold)
            changed = cv2.bitwise_or(changed, chroma.full(chroma.above(
                chroma.distance(cr, cb, self.slow_cr, self.slow_cb, gs, self._cast), tc),
                changed.shape))
        changed = cv2.bitwise_and(changed, frame.roi)
        moving = cv2.dilate(moving, KERNEL3)
        occupied = np.zeros_like(g)
        for track in frame.tracks:
            if not track.ended and track.missed == 0 and track.recent_travel(1.0) > 3 * frame.scale:
                b = track.box
                occupied[b.y:b.y + b.h, b.x:b.x + b.w] = 255
        busy = cv2.bitwise_or(moving, occupied)
        quiet = cv2.bitwise_not(busy)
        warm = ts - self._start < cfg.warmup_s
        still = occupied if frame.motion is None else cv2.bitwise_or(
            occupied, cv2.dilate(frame.motion, KERNEL5))
        alpha = WARM_ALPHA if warm else cfg.slow_alpha
        learn = cv2.bitwise_not(still)
        self._spread.update(g, learn, WARM_ALPHA if warm else SPREAD_ALPHA)
        cv2.accumulateWeighted(g, slow, alpha, mask=quiet)
        if cr is not None and cb is not None and self._cspread is not None:
            assert self.slow_cr is not None and self.slow_cb is not None
            self._cspread.update(cr, cb, chroma.half(learn), WARM_ALPHA if warm else SPREAD_ALPHA)
            # Not where anything moved in colour either: a vehicle the grey of the road passes
            # unseen by the brightness tests, and its colour must not become the road's. (Not
            # while warming up: the motion detector's own first background holds the vehicles
            # of the first frame, and their ghosts must not keep the road from being learnt.)
            quiet2 = chroma.half(quiet if warm else cv2.bitwise_and(quiet, learn))
            cv2.accumulateWeighted(cr, self.slow_cr, alpha, mask=quiet2)
            cv2.accumulateWeighted(cb, self.slow_cb, alpha, mask=quiet2)
        clean = changed == 0
        if not warm:
            # Under something moving that has left no evidence (the dropper's headlight pool
            # sweeping ahead of it, the vehicle itself) the road counts as clean as long as it
            # was clean the frame before: otherwise the drop would seem to date from when the
            # light first reached the spot, before the dropper did, and the dropper would not
            # be blamed. Material that already gathered evidence keeps its drop time.
            clean |= (busy > 0) & (self.evidence == 0) & (self._clean == prev_ts)
        np.putmask(self._clean, clean, ts)
        # Evidence: +1 a frame changed and quiet, -2 a frame quiet and like the road again,
        # kept while something moves over the pixel (a car passing over material hides it).
        ev = self.evidence
        hit = cv2.bitwise_and(changed, quiet)
        assert self._since is not None
        np.putmask(self._since, ev == 0, ts)
        cv2.add(ev, ONE, dst=ev, mask=hit)
        cv2.subtract(ev, TWO, dst=ev, mask=cv2.bitwise_and(cv2.bitwise_not(changed), quiet))
        cv2.min(ev, EVIDENCE_MAX, dst=ev)
        self._check_cleared(frame, gs, quiet, dt)
        if warm:
            return []
        static = cv2.bitwise_and(cv2.compare(ev, STATIC, cv2.CMP_GE), quiet)
        static = cv2.morphologyEx(static, cv2.MORPH_CLOSE, KERNEL5)
        return self._update_candidates(frame, static, gs)

    def _reset(self, frame: AnalysisFrame) -> None:
        self.slow = frame.gray.astype(np.float32)
        self._clean = np.full(frame.gray.shape, frame.ts, dtype=np.float64)
        self._since = self._clean.copy()
        self._spread = Spread(frame.gray, SPREAD_FACTOR, 4 * self.config.threshold)
        self.evidence = np.zeros(frame.gray.shape, np.uint8)
        if frame.cr is not None and frame.cb is not None:
            self.slow_cr, self.slow_cb = frame.cr.copy(), frame.cb.copy()
            self._cspread = ChromaSpread(self.slow_cr, self.slow_cb, CHROMA_SPREAD_FACTOR,
                                         4 * self.config.chroma_threshold)
        else:
            self.slow_cr = self.slow_cb = self._cspread = None
        self._sample = roi_sample(frame.roi)
        self._sample2 = roi_sample(chroma.half(frame.roi), 1024)
        self._cast = (0.0, 0.0)
        self._recent.clear()
        self._times.clear()
        self.candidates.clear()
        self._start = self._last_ts = frame.ts

    def _update_candidates(self, frame: AnalysisFrame, static: Gray, gs: float) -> list[Box]:
        cfg, ts, s2 = self.config, frame.ts, frame.scale ** 2
        # What parked or stands is that object, for as long as it stays: cut it out, so
        # material beside a parked car is not judged together with the car (and rejected with
        # it), and a piece of the car is not judged on its own later.
        for track in frame.tracks:
            if self._rest_box(track, frame) is not None:
                b = track.box
                static[max(0, b.y - 1):b.y + b.h + 1, max(0, b.x - 1):b.x + b.w + 1] = 0
        n, labels, stats = label(cv2.dilate(static, KERNEL_GROUP))
        labels[static == 0] = 0  # regions are the static pixels of each group
        out: list[Box] = []
        for i in range(1, n):
            x, y, w, h, _ = (int(v) for v in stats[i])
            area = int(np.count_nonzero(labels[y:y + h, x:x + w] == i))
            if area < cfg.min_area * s2:
                continue
            box = Box(x, y, w, h, area)
            if any(box.intersection(r.box) for r in self.reported):
                continue
            region = labels[y:y + h, x:x + w] == i
            cand = self._match(box)
            if cand is None:
                self.candidates.append(Candidate(box, ts, ts, self._onset(box, region), box))
                continue
            cand.box, cand.last_ts, cand.seen = box, ts, cand.seen + 1
            first = cand.first_box or box
            drifts = first.intersection(box) < 0.5 * max(first.w * first.h, box.w * box.h)
            # It drifts (the flat roof of a slow vehicle, not something lying still), or it
            # grew since it was judged (more material landed beside a rejected mark): start
            # afresh from what is there now.
            if drifts or (cand.done and area > GROWN * cand.judged_area):
                cand.first_box, cand.first_ts, cand.done = box, ts, False
                cand.onset_ts = self._onset(box, region)
                continue
            if cand.done or ts - cand.first_ts < cfg.still_s:
                continue
            cand.done, cand.judged_area = True, area
            spill = self._judge(frame, cand, region, gs)
            if spill is not None:
                self.reported.append(spill)
                if not any(r.vehicle.id == spill.vehicle.id for r in self.reported[:-1]):
                    self.found.append(spill)  # more pieces of one drop: one alert
                out.append(Box(x, y, w, h, area, spill.vehicle.id, "spill"))
        self.candidates = [c for c in self.candidates if ts - c.last_ts <= FORGET_S]
        return out

    def _onset(self, box: Box, region: npt.NDArray[np.bool_]) -> float:
        """When the road was last seen clean under most of the region, or when the region
        began to gather evidence if that was earlier (grainy material whose pixels now and
        then match the road would otherwise seem to land later and later)."""
        assert self._clean is not None and self._since is not None
        sl = np.s_[box.y:box.y + box.h, box.x:box.x + box.w]
        return float(min(np.median(self._clean[sl][region]), np.median(self._since[sl][region])))

    def _rest_box(self, track: Track, frame: AnalysisFrame) -> Box | None:
        if not track.ended:
            return rest_box(track, frame)
        if track.id not in self._rest:
            if len(self._rest) > 1000:  # forget tracks the tracker has forgotten
                known = {t.id for t in frame.tracks}
                self._rest = {k: v for k, v in self._rest.items() if k in known}
            self._rest[track.id] = rest_box(track, frame)
        return self._rest[track.id]

    def _match(self, box: Box) -> Candidate | None:
        grown = Box(box.x - 2, box.y - 2, box.w + 4, box.h + 4)
        best = max(self.candidates, key=lambda c: c.box.intersection(grown), default=None)
        if best is None or best.box.intersection(grown) == 0:
            return None
        return best

    def _judge(self, frame: AnalysisFrame, cand: Candidate, region: npt.NDArray[np.bool_],
               gs: float) -> Spill | None:
        cfg, box = self.config, cand.box
        assert self.slow is not None
        if box.area > cfg.max_area * frame.scale ** 2:
            return None
        patch = frame.gray[box.y:box.y + box.h, box.x:box.x + box.w]
        bg = self.slow[box.y:box.y + box.h, box.x:box.x + box.w]
        # Material stands out as a whole, in brightness or in colour: a few pixels over their
        # thresholds in a region that on average matches the road are noise or compression
        # (a stream's codec leaves traces of a passing car until its next key frame).
        shift = self._chroma_shift(frame, box, region, gs)
        contrast = float(np.mean(np.abs(patch[region].astype(np.float32) - bg[region] * gs)))
        weak = contrast < cfg.threshold and (shift is None or shift < cfg.chroma_material)
        if weak and not self._resolves_grain(frame):
            return None
        points = sample_points(region, box)
        if any(stopped_on(track, points, frame) or arrived_unseen(track, points, frame)
               for track in frame.tracks):
            return None  # a vehicle parked or a person standing: the region is the object
        # The dropper reached the spot before the material showed; a car that follows, or one
        # that passes beside a person standing, reaches it only afterwards. Of the vehicles
        # that did, the last one is blamed (an earlier one left the road clean).
        onset = cand.onset_ts
        blamed: tuple[float, Track] | None = None
        for track in frame.tracks:
            if not track.vehicle or sits_on(track, points, frame) \
                    or stands_beside(track, box, frame):
                continue
            at = covered_at(track, points, box, frame, onset - PASS_BEFORE_S,
                             onset + cfg.attribution_s)
            if at is not None and at <= onset + ONSET_SLACK_S and (
                    blamed is None or at > blamed[0]):
                blamed = (at, track)
        if blamed is None:
            return None
        if min(onset, blamed[0]) < self._start + cfg.warmup_s:
            # The spot was covered before the background had learnt the road there: what
            # shows now may be the road the first frames never saw (a queued car moved off).
            return None
        if any(brought_on_foot(track, points, frame, blamed[0]) for track in frame.tracks):
            return None
        # Compared with the road as it was before that vehicle came (the onset alone can fall
        # after the drop when grey stones only now and then differ enough from the road).
        before = min(onset, blamed[0] - 0.2)
        if weak and not self._grain_changed(frame, cand, region, before):
            return None  # faint in brightness and colour, and the road's grain is still there
        if self._shadow(frame, cand, region, patch, bg * gs, before, shift):
            return None
        bg_chroma = None
        if self.slow_cr is not None and self.slow_cb is not None:
            bg_chroma = (chroma.at_box(self.slow_cr, box.x, box.y, box.w, box.h),
                         chroma.at_box(self.slow_cb, box.x, box.y, box.w, box.h))
        return Spill(frame.ts, box, cand.onset_ts, blamed[1], blamed[0], region.copy(), bg.copy(),
                     bg_chroma, contrast=contrast, shift=shift or 0.0)

    def _resolves_grain(self, frame: AnalysisFrame) -> bool:
        """Full frames are kept and wide enough to show the road's grain (texture.py)."""
        return self.frame_at is not None and \
            frame.gray.shape[1] * frame.factor >= texture.MIN_WIDTH

    def _grain_changed(self, frame: AnalysisFrame, cand: Candidate,
                       region: npt.NDArray[np.bool_], before: float) -> bool:
        """A region too faint in brightness and colour is material only if it hides the
        road's grain (or brings a stronger one) on GRAIN_FRAMES consecutive frames: once could
        be a codec's smoothing or a passing blur."""
        assert self.frame_at is not None
        clean = self.frame_at(unoccupied_before(frame.tracks, cand.box, before))
        now = [self.frame_at(ts) for ts in self._times]
        if clean is None or len(now) < GRAIN_FRAMES or any(f is None for f in now):
            return False
        box = cand.box.scaled(frame.factor)
        return grain_changed([f for f in now if f is not None], clean, box, region)

    def _chroma_shift(self, frame: AnalysisFrame, box: Box, region: npt.NDArray[np.bool_],
                      gs: float) -> float | None:
        """How far the region's colour moved from the slow background's, on a perceptual
        scale (None: grey only)."""
        if frame.cr is None or frame.cb is None or self.slow_cr is None or self.slow_cb is None:
            return None
        assert self.slow is not None
        sl = np.s_[box.y:box.y + box.h, box.x:box.x + box.w]
        ratio = chroma.brightness_ratio(frame.gray[sl], self.slow[sl], gs)
        xywh = (box.x, box.y, box.w, box.h)
        shift = chroma.region_shift(chroma.at_box(frame.cr, *xywh),
                                    chroma.at_box(frame.cb, *xywh),
                                    chroma.at_box(self.slow_cr, *xywh),
                                    chroma.at_box(self.slow_cb, *xywh), ratio, region, self._cast)
        return shift * chroma.perceptual(float(np.mean(self.slow[sl][region])) * gs)

    def _shadow(self, frame: AnalysisFrame, cand: Candidate, region: npt.NDArray[np.bool_],
                patch: Gray, bg: npt.NDArray[np.float32], before: float,
                shift: float | None) -> bool:
        """A shadow or a change of light: brightness moved, colour and texture kept. A change
        of colour is material whatever the brightness did."""
        if shift is not None and shift > self.config.chroma_material:
            return False
        now = clean = None
        if self.frame_at is not None:
            now = self.frame_at(frame.ts)
            clean = self.frame_at(unoccupied_before(frame.tracks, cand.box, before))
        if now is None or clean is None:
            return is_shadow(patch[region], bg[region], self.config)
        b = cand.box
        f = frame.factor
        box = [round(b.x * f), round(b.y * f), round(b.w * f), round(b.h * f)]
        return same_road(now, clean, box, region, self.config.chroma_material)

    def _check_cleared(self, frame: AnalysisFrame, gs: float, quiet: Gray, dt: float) -> None:
        """A reported spill clears once its spot is clearly the old road again for still_s:
        its brightness and colour back within CLEAR_SHARE of what they were off the road when
        it was judged (hysteresis: faint material hovering near the thresholds that made it
        material stays reported)."""
        g = frame.gray
        keep = []
        for spill in self.reported:
            b = spill.box
            if not quiet[b.y:b.y + b.h, b.x:b.x + b.w][spill.mask].all():
                keep.append(spill)  # hidden by traffic: no verdict
                continue
            now = g[b.y:b.y + b.h, b.x:b.x + b.w][spill.mask].astype(np.float32)
            old = spill.background[spill.mask] * gs
            diff = np.abs(now - old)
            # What the pixels flicker anyway is no evidence of anything lying there.
            flicker = float(np.mean(self._spread.mean[b.y:b.y + b.h, b.x:b.x + b.w][spill.mask]))
            still_there = bool(np.mean(diff > self.config.threshold) > 0.25) \
                or float(np.mean(diff)) > max(CLEAR_SHARE * spill.contrast, flicker)
            if not still_there and spill.bg_chroma is not None and frame.cr is not None \
                    and frame.cb is not None:
                sl = np.s_[b.y:b.y + b.h, b.x:b.x + b.w]
                ratio = chroma.brightness_ratio(g[sl], spill.background, gs)
                shift = chroma.region_shift(
                    chroma.at_box(frame.cr, b.x, b.y, b.w, b.h),
                    chroma.at_box(frame.cb, b.x, b.y, b.w, b.h),
                    spill.bg_chroma[0], spill.bg_chroma[1], ratio,
                    spill.mask, self._cast) * chroma.perceptual(float(np.mean(old)))
                still_there = shift > min(self.config.chroma_material, max(
                    CLEAR_SHARE * spill.shift, self.config.chroma_threshold))
            spill.clean_for = 0.0 if still_there else spill.clean_for + dt
            if spill.clean_for >= self.config.still_s:
                assert self.slow is not None
                self.slow[b.y:b.y + b.h, b.x:b.x + b.w][spill.mask] = now
                self.cleared.append(spill)
            else:
                keep.append(spill)
        self.reported = keep
