"""Video settings (the `[video]` table of the config file). Every key has a default and a bound.

Pixel sizes are given for an analysis image 320 pixels wide and scaled with the real analysis
width, so the same settings suit a 720p and a 4K camera.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MotionConfig(Strict):
    threshold: int = Field(default=20, ge=3, le=120,
                           description="Grey levels a pixel must differ from the background by.")
    chroma_threshold: float = Field(default=8.0, ge=1.0, le=120.0,
                                    description="Or chroma units (|dCr| + |dCb|) it must "
                                    "differ by: a vehicle the grey of the road shows by colour.")
    fast_alpha: float = Field(default=0.08, gt=0.0, le=0.5,
                              description="Learning rate of the fast background per frame.")
    stopped_alpha: float = Field(default=0.03, gt=0.0, le=0.5,
                                 description="Learning rate where the pixel is foreground: a "
                                 "stopped object melts into the fast background at this rate.")
    min_area: int = Field(default=40, ge=1, le=100_000,
                          description="Pixels of motion inside the ROI that count as motion.")
    min_duration_s: float = Field(default=1.0, ge=0.0, le=600.0,
                                  description="Seconds motion must last before it is reported.")
    end_after_s: float = Field(default=3.0, gt=0.0, le=3600.0,
                               description="Seconds without motion that end a motion event.")
    light_change_share: float = Field(default=0.6, gt=0.0, le=1.0,
                                      description="Share of the ROI changing at once that is "
                                      "taken as a light change: the backgrounds re-learn.")


class VehicleConfig(Strict):
    min_area: int = Field(default=25, ge=1, le=100_000,
                          description="Smallest blob that is tracked.")
    vehicle_area: int = Field(default=250, ge=1, le=1_000_000,
                              description="Smallest tracked blob that counts as a vehicle.")
    min_travel: float = Field(default=25.0, ge=0.0, le=10_000.0,
                              description="Pixels a track must travel to count as a vehicle.")
    max_missed: int = Field(default=4, ge=0, le=100,
                            description="Frames a track may go unseen before it ends.")
    coast_s: float = Field(default=1.5, ge=0.0, le=10.0,
                           description="Seconds a vehicle on its way may go unseen (its blob "
                           "merged with another vehicle's, or hidden behind it) before its "
                           "track ends, if it may still be in the picture.")
    gate: float = Field(default=2.5, gt=0.0, le=20.0,
                        description="Association gate in multiples of the track's box size.")


class SpillConfig(Strict):
    slow_alpha: float = Field(default=0.004, gt=0.0, le=0.1,
                              description="Learning rate of the slow background (left material "
                              "stays visible against it for roughly 1/slow_alpha frames).")
    threshold: int = Field(default=18, ge=3, le=120,
                           description="Grey levels of a persistent change.")
    chroma_threshold: float = Field(default=4.0, ge=0.5, le=120.0,
                                    description="Chroma units (|dCr| + |dCb|, after the "
                                    "brightness ratio is divided out) of a persistent change, "
                                    "plus what the pixel is known to flicker in colour.")
    chroma_material: float = Field(default=9.0, ge=0.5, le=120.0,
                                   description="Mean chroma shift of a region (same units) "
                                   "that makes it material, never a shadow or light.")
    min_area: int = Field(default=20, ge=1, le=100_000,
                          description="Smallest material region (pixels).")
    max_area: int = Field(default=2500, ge=1, le=1_000_000, description="Largest material region.")
    still_s: float = Field(default=1.6, gt=0.0, le=120.0,
                          description="Seconds the material must lie still before the alert.")
    attribution_s: float = Field(default=12.0, gt=0.0, le=600.0,
                                 description="Seconds after the road was last seen clean within "
                                 "which a passing vehicle is blamed.")
    shadow_cv: float = Field(default=0.12, ge=0.0, le=1.0,
                             description="A darker or lighter region whose brightness ratio to "
                             "the background varies less than this is a shadow or light.")
    shadow_ncc: float = Field(default=0.75, ge=0.0, le=1.0,
                              description="A region whose texture still correlates this well "
                              "with the background is a shadow or light, not material.")
    warmup_s: float = Field(default=3.0, ge=0.0, le=600.0,
                            description="Seconds after start before spills are reported.")


class EvidenceConfig(Strict):
    ring_s: float = Field(default=40.0, gt=0.0, le=600.0,
                          description="Seconds of full frames each camera keeps in memory.")
    ring_bytes: int = Field(default=64 << 20, ge=1 << 20, le=4 << 30,
                            description="Byte budget of each camera's frame ring.")
    pre_s: float = Field(default=2.0, ge=0.0, le=60.0,
                         description="Seconds kept before the vehicle entered.")
    post_s: float = Field(default=0.0, ge=0.0, le=60.0,
                          description="Seconds kept after the alert (delays the files).")
    clip_codec: Literal["h264", "vp9"] = Field(
        default="h264", description="Clip format: h264 (H.264 in MP4, clip.mp4) or vp9 (VP9 in "
        "WebM, clip.webm, for browsers built without H.264); both play in the page.")
    motion_evidence: bool = Field(default=False, description="Also keep evidence of motion events.")
    max_age_days: float = Field(default=90.0, gt=0.0, le=3650.0, description="Retention by age.")
    max_total_bytes: int = Field(default=20 << 30, ge=1 << 20, le=1 << 44,
                                 description="Retention by disk budget: oldest go first.")


class VideoConfig(Strict):
    fps: float = Field(default=5.0, gt=0.0, le=60.0, description="Analysis rate per camera.")
    analysis_width: int = Field(default=320, ge=80, le=1920,
                                description="Frames are analysed at about this width.")
    workers: int = Field(default=1, ge=1, le=64, description="Analysis worker processes.")
    queue_frames: int = Field(default=64, ge=1, le=10_000,
                              description="Frames waiting per worker before new ones are "
                              "dropped (a busy worker sheds load instead of lagging).")
    max_frame_bytes: int = Field(default=20 << 20, ge=1024, le=1 << 30,
                                 description="Largest pushed JPEG accepted.")
    offline_after_s: float = Field(default=30.0, gt=0.0, le=86400.0,
                                   description="A pulled camera silent this long is offline.")
    reconnect_min_s: float = Field(default=1.0, gt=0.0, le=600.0)
    reconnect_max_s: float = Field(default=30.0, gt=0.0, le=3600.0)
    motion_alerts: bool = Field(default=True,
                                description="Raise `motion` alerts (not only events).")
    motion: MotionConfig = MotionConfig()
    vehicles: VehicleConfig = VehicleConfig()
    spill: SpillConfig = SpillConfig()
    evidence: EvidenceConfig = EvidenceConfig()
