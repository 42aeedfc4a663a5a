"""The server's configuration file (docs/contract.md §6): typed, bounded, unknown keys refused."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from config.cases import CasesSection
from config.patrol import AlertConfig, PatrolConfig, Strict
from config.protocols import Jt808Config, OsmandConfig
from config.roles import check_role
from video.config import VideoConfig


class ServerSection(Strict):
    host: str = Field("127.0.0.1", description="Address the HTTP/WebSocket server binds.")
    port: int = Field(8080, ge=0, le=65535, description="HTTP + WebSocket port (0: any free).")
    clock: Literal["wall", "data"] = Field(
        "wall", description="wall: real time; data: the newest position time seen (replays).")
    data_dir: str = Field("var", description="Where the position journal and evidence live.")
    journal: bool = Field(True, description="Journal accepted positions so a restart resumes "
                          "the day's figures (memory backend).")
    keep_days: int = Field(7, ge=1, le=366, description="Days of positions, tracks, passes and "
                           "alerts kept (journal files included).")
    health_hold_s: float = Field(60.0, ge=0, le=86400, description="How long /healthz stays "
                                 "degraded after a contained failure (an input dead-lettered, "
                                 "a worker restarted), so that a probe polling now and then "
                                 "sees it.")


class AuthSection(Strict):
    tokens: dict[str, str] = Field(default_factory=dict,
                                   description="token -> role (config/roles.py: device, "
                                   "supervisor, admin, inspector:ID, operator, dispatcher, "
                                   "department:ID, public); merged with GRIDWATCH_TOKENS.")

    @field_validator("tokens")
    @classmethod
    def _long_enough(cls, tokens: dict[str, str]) -> dict[str, str]:
        for token, role in tokens.items():
            if len(token) < 12:
                raise ValueError("every token needs at least 12 characters")
            check_role(role)
        return tokens


class DevicesSection(Strict):
    inspectors: list[str] = Field(default_factory=list,
                                  description="Inspector ids besides those listed in grids.")
    vehicles: list[str] = Field(default_factory=list, description="Vehicle ids (never count).")
    auto_register: bool = Field(False, description="Accept positions of unknown devices.")
    auto_kind: Literal["inspector", "vehicle"] = Field(
        "inspector", description="Kind given to auto-registered devices.")


class GatewaySection(Strict):
    max_body_bytes: int = Field(4 * 1024 * 1024, ge=1024, le=256 * 1024 * 1024,
                                description="Largest HTTP body or WebSocket message (413/1009).")
    body_timeout_s: float = Field(30.0, gt=0, le=600,
                                  description="A body not received within this time gets 408.")
    max_positions_per_message: int = Field(10_000, ge=1, le=1_000_000,
                                           description="Positions in one HTTP body or message.")
    rate_messages_per_s: float = Field(2_000.0, gt=0, le=1e7,
                                       description="Per client (token or WebSocket) message rate.")
    rate_burst: float = Field(4_000.0, gt=0, le=1e7,
                              description="Messages a client may send at once above the rate.")
    flood_close_after: int = Field(200, ge=1, le=1_000_000,
                                   description="Consecutive rate-limited WebSocket messages after "
                                   "which the connection is closed (1008).")
    queue_max_positions: int = Field(200_000, ge=1_000, le=100_000_000,
                                     description="Positions waiting for tracking before ingest "
                                     "waits (back-pressure, never a drop).")


class LimitsSection(Strict):
    """Connection limits of every listener of the process: HTTP and WebSockets, OsmAnd, JT/T 808."""

    header_timeout_s: float = Field(10.0, gt=0, le=600, description="A new connection that has "
                                    "not sent a whole request head (HTTP) or a first frame "
                                    "(JT/T 808) within this time is closed.")
    idle_timeout_s: float = Field(75.0, gt=0, le=86400, description="An HTTP keep-alive "
                                  "connection idle this long between requests is closed.")
    max_connections_per_address: int = Field(
        2_000, ge=0, le=10_000_000, description="Connections one client address may hold at "
        "once (0: no cap); raise it when many devices share an address (NAT, a proxy).")
    max_connections: int = Field(
        0, ge=0, le=10_000_000, description="Connections the process holds at once (0: its "
        "open-file limit less 64); at the cap a new connection evicts the oldest one that "
        "has not sent a request yet.")


class LiveSection(Strict):
    client_queue: int = Field(20_000, ge=10, le=10_000_000,
                              description="Events a live client may fall behind (in every mode, "
                              "batch included) before it is told and dropped.")
    client_queue_bytes: int = Field(16 * 1024 * 1024, ge=64 * 1024, le=1 << 34,
                                    description="Bytes of events a live client may fall behind "
                                    "before it is told and dropped.")
    tick_s: float = Field(1.0, gt=0, le=60, description="Period of the time-based rules.")


class WebSection(Strict):
    tile_url: str | None = Field(None, description="Optional base-map tile URL template "
                                 "({z}/{x}/{y}); the page works without one.")


class RedisSection(Strict):
    """Scale-out over Redis (`--redis URL`); ignored by the one-process memory backend."""

    partitions: int = Field(8, ge=1, le=1024, description="Position streams, by device hash. "
                            "Fixed for a deployment: every process must use the same number.")
    commit_interval_s: float = Field(0.5, gt=0, le=60, description="Shortest time between a "
                                     "tracker's commits (its partitions' state and outputs, "
                                     "then acknowledgements); longer while commits are costly.")
    lease_s: float = Field(5.0, ge=1, le=300, description="A partition (or the road rules) "
                           "whose owner stopped renewing for this long is taken over.")
    read_count: int = Field(200, ge=1, le=100_000, description="Stream entries a tracker "
                            "reads per partition at once.")
    live_maxlen: int = Field(100_000, ge=1_000, le=100_000_000, description="Live events kept "
                             "in the live stream for web processes that fall behind.")
    timeout_s: float = Field(2.0, gt=0, le=60, description="Redis command timeout: past it a "
                             "gateway answers 503 and a worker reconnects.")


class Config(Strict):
    server: ServerSection = ServerSection()
    auth: AuthSection = AuthSection()
    patrol: PatrolConfig = PatrolConfig()
    alerts: AlertConfig = AlertConfig()
    devices: DevicesSection = DevicesSection()
    gateway: GatewaySection = GatewaySection()
    limits: LimitsSection = LimitsSection()
    live: LiveSection = LiveSection()
    web: WebSection = WebSection()
    osmand: OsmandConfig = OsmandConfig()
    jt808: Jt808Config = Jt808Config()
    video: VideoConfig = VideoConfig()
    redis: RedisSection = RedisSection()
    cases: CasesSection = CasesSection()

    @model_validator(mode="after")
    def _consistent(self) -> Config:
        """A protocol that takes unknown devices needs a tracker that keeps them: otherwise
        terminals would be told "registered" and every report acknowledged, then dropped."""
        if not self.devices.auto_register:
            for section in ("osmand", "jt808"):
                if getattr(self, section).auto_register:
                    raise ValueError(
                        f"[{section}] auto_register = true needs [devices] auto_register = true "
                        f"(the tracker would drop every unknown device's positions); set both, "
                        f"or list the devices")
        return self
