"""The process's metrics, in a registry of its own so that tests can build many servers."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.positions_received = Counter(
            "gridwatch_positions_received", "Positions accepted by a gateway", ["transport"],
            registry=r)
        self.positions_rejected = Counter(
            "gridwatch_positions_rejected", "Positions refused with a reason", ["transport"],
            registry=r)
        self.positions_processed = Counter(
            "gridwatch_positions_processed", "Positions run through tracking", registry=r)
        self.requests_refused = Counter(
            "gridwatch_requests_refused", "Requests refused before parsing", ["reason"],
            registry=r)
        self.queue_depth = Gauge(
            "gridwatch_queue_positions", "Positions waiting for tracking", registry=r)
        self.batch_seconds = Histogram(
            "gridwatch_tracking_batch_seconds", "Time to track one batch", registry=r,
            buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0))
        self.ingest_latency = Histogram(
            "gridwatch_ingest_to_event_seconds",
            "Time from a position's arrival to its live event being published", registry=r,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5))
        self.live_clients = Gauge(
            "gridwatch_live_clients", "Connected /ws/live clients", registry=r)
        self.live_dropped = Counter(
            "gridwatch_live_clients_dropped", "Live clients dropped for falling behind",
            registry=r)
        self.device_sockets = Gauge(
            "gridwatch_device_websockets", "Connected /ws/device clients", registry=r)
        self.tracker = Gauge(
            "gridwatch_tracker", "Tracker state (devices, held_fixes, late_fixes, "
            "duplicate_fixes, open_alerts)", ["what"], registry=r)
        self.gateway_events = Counter(
            "gridwatch_gateway_events", "What each gateway (http, ws, osmand, jt808, camera) "
            "saw: positions, positions_refused, bad_requests, unknown_device, frames, ...",
            ["transport", "what"], registry=r)
        self.alerts_raised = Counter(
            "gridwatch_alerts_raised", "Alerts raised", ["type"], registry=r)
        self.dead_letters = Counter(
            "gridwatch_dead_letters", "Inputs a worker could not process, kept in the "
            "dead-letter journal", ["worker", "stage", "reason"], registry=r)
        self.worker_failures = Counter(
            "gridwatch_worker_failures", "Failures contained by a worker's failure policy",
            ["worker", "stage", "reason"], registry=r)
        self.worker_restarts = Counter(
            "gridwatch_worker_restarts", "Workers restarted after they died", ["worker"],
            registry=r)
        self.worker_up = Gauge(
            "gridwatch_worker_up", "1 while a worker runs, 0 while it is failing or dead",
            ["worker"], registry=r)
        self.deployment_dead_letters = Gauge(
            "gridwatch_deployment_dead_letters", "Dead letters in a Redis deployment's streams, "
            "by the worker, stage and reason that wrote them (read from Redis at scrape time)",
            ["worker", "stage", "reason"], registry=r)
        self.video_frames = Counter(
            "gridwatch_video_frames", "Pushed camera frames: accepted, shed (503: analysis "
            "behind), analysed, dead (dead-lettered), lost (with a worker that died)",
            ["outcome"], registry=r)
