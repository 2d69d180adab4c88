"""Prometheus metrics of one bot process, in a registry of its own (several apps per test)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class Metrics:
    """The counters and gauges /metrics shows."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.updates = Counter(
            "coach_updates_handled_total", "Updates handled", ["kind"], registry=self.registry
        )
        self.latency = Histogram(
            "coach_handler_latency_seconds",
            "Time to handle one update, from arrival to the last reply",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry,
        )
        self.reminders = Counter(
            "coach_reminders_total",
            "Reminders and weekly summaries by outcome",
            ["status"],
            registry=self.registry,
        )
        self.team_posts = Counter(
            "coach_team_posts_total",
            "Team break posts and weekly team summaries by outcome",
            ["status"],
            registry=self.registry,
        )
        self.telegram = Counter(
            "coach_telegram_responses_total",
            "Bot API responses by HTTP status (429: too many requests)",
            ["status"],
            registry=self.registry,
        )
        self.sweep_lag = Gauge(
            "coach_sweep_lag_seconds",
            "How overdue the oldest due reminder is (0 when none is due)",
            registry=self.registry,
        )
        self.people_active = Gauge(
            "coach_people_active",
            "People with a routine in the last 7 days",
            registry=self.registry,
        )

    def render(self) -> bytes:
        """Return the metrics in Prometheus' text format."""
        return generate_latest(self.registry)
