"""What /metrics shows, in Prometheus's text format (the official `prometheus-client`).

One `Metrics` per process, with a registry of its own (no module-level collectors: tests
build several bots in one process). Labels are bounded and never personal: the update's
type, the capability (the handlers' package), the message's purpose, the job's name, the
query family (storage/timing.py). Never a name, a chat or a user id.

The counters move where things happen (middlewares, the delivery engine, the session's
request middleware, the nightly jobs); the gauges that need the database (outbox depth,
reminders due) are read when /metrics is scraped, at most every few seconds.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable
from contextvars import Token
from datetime import datetime
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import generate_latest
from prometheus_client.process_collector import ProcessCollector

from bot.core.logging_setup import current_capability
from storage.operations import JobRun

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]

PURPOSES = frozenset({"notice", "broadcast", "reminder"})
# Handler latencies: a reply is expected within a second, an export may take several.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
QUERY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0)


def purpose_label(purpose: str) -> str:
    return purpose if purpose in PURPOSES else "other"


def capability_of(router_name: str | None) -> str:
    """`handlers.trips.registration` -> `trips`; aiogram's own routers -> `bot`."""
    if router_name and router_name.startswith("handlers."):
        return router_name.split(".")[1]
    return "bot"


class Metrics:
    def __init__(self) -> None:
        registry = self.registry = CollectorRegistry()
        self.updates = Counter(
            "pobratim_updates_received",
            "Updates received from Telegram, by type",
            ["type"],
            registry=registry,
        )
        self.handled = Histogram(
            "pobratim_update_handling_seconds",
            "Time to handle an update, by capability",
            ["capability"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.handler_errors = Counter(
            "pobratim_handler_errors",
            "Updates whose handler raised an error, by capability",
            ["capability"],
            registry=registry,
        )
        self.messages = Counter(
            "pobratim_messages",
            "Messages the bot sent on its own: sent, retried, failed, blocked, by purpose",
            ["purpose", "outcome"],
            registry=registry,
        )
        self.too_many_requests = Counter(
            "pobratim_telegram_429",
            "Answers 429 (Too Many Requests) from the Bot API",
            registry=registry,
        )
        self.retry_after = Counter(
            "pobratim_telegram_retry_after_seconds",
            "Seconds Telegram asked to wait in its 429 answers",
            registry=registry,
        )
        self.handler_retries = Counter(
            "pobratim_handler_call_retries",
            "Handler replies sent again after a 429, by method",
            ["method"],
            registry=registry,
        )
        self.outbox = Gauge(
            "pobratim_outbox_messages",
            "Messages in the outbox waiting or given up, by state",
            ["state"],
            registry=registry,
        )
        self.reminders_due = Gauge(
            "pobratim_reminders_due_next_hour",
            "Reminders that fall due within the next hour",
            registry=registry,
        )
        self.scheduler_lag = Gauge(
            "pobratim_scheduler_lag_seconds",
            "How late the last reminder sweep began after its planned moment",
            registry=registry,
        )
        self.query_seconds = Histogram(
            "pobratim_db_query_seconds",
            "Time in the database per statement, by query family",
            ["family"],
            buckets=QUERY_BUCKETS,
            registry=registry,
        )
        self.job_last_run = Gauge(
            "pobratim_job_last_run_timestamp_seconds",
            "When each nightly job last finished (Unix time)",
            ["job"],
            registry=registry,
        )
        self.job_duration = Gauge(
            "pobratim_job_last_duration_seconds",
            "How long each nightly job's last run took",
            ["job"],
            registry=registry,
        )
        self.job_success = Gauge(
            "pobratim_job_last_success",
            "1 when each nightly job's last run succeeded, 0 when it failed",
            ["job"],
            registry=registry,
        )
        self.last_backup = Gauge(
            "pobratim_last_successful_backup_timestamp_seconds",
            "When the last nightly backup succeeded (Unix time; 0: none yet)",
            registry=registry,
        )
        # Memory, CPU and open files of this process (Linux /proc).
        ProcessCollector(namespace="pobratim", registry=registry)

    def render(self) -> bytes:
        return generate_latest(self.registry)

    # What the parts of the bot report

    def query(self, family: str, seconds: float) -> None:
        self.query_seconds.labels(family).observe(seconds)

    def delivered(self, purpose: str, outcome: str) -> None:
        self.messages.labels(purpose_label(purpose), outcome).inc()

    def rate_limited(self, retry_after: float) -> None:
        self.too_many_requests.inc()
        self.retry_after.inc(retry_after)

    def handler_retry(self, method: str, seconds: float) -> None:
        self.handler_retries.labels(method).inc()

    def job_runs(self, runs: Iterable[JobRun]) -> None:
        """The nightly jobs as the database keeps them: right after a restart too, and
        in every worker, not only in the one that ran them."""
        for run in runs:
            if run.finished_at is not None and run.duration_seconds is not None:
                self.job_finished(
                    run.job, run.finished_at, run.duration_seconds, run.outcome == "ok"
                )
            if run.job == "backup" and run.last_success_at is not None:
                self.last_backup.set(run.last_success_at.timestamp())

    def job_finished(self, job: str, at: datetime, seconds: float, ok: bool) -> None:
        self.job_last_run.labels(job).set(at.timestamp())
        self.job_duration.labels(job).set(seconds)
        self.job_success.labels(job).set(1 if ok else 0)
        if job == "backup" and ok:
            self.last_backup.set(at.timestamp())


class UpdateMetrics(BaseMiddleware):
    """Outer middleware of updates: counts each by its type."""

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if isinstance(event, Update):
            self._metrics.updates.labels(event.event_type).inc()
        return await handler(event, data)


class HandlerMetrics(BaseMiddleware):
    """Inner middleware of every event type (inherited by the nested routers): the
    capability whose handler took the event, its time, and its errors. It also names the
    capability for the log lines and error reports (`current_capability`), with metrics
    off (None) too."""

    def __init__(self, metrics: Metrics | None) -> None:
        self._metrics = metrics

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        router = data.get("event_router")
        capability = capability_of(getattr(router, "name", None))
        token: Token[str | None] | None = current_capability.set(capability)
        if self._metrics is None:
            try:
                return await handler(event, data)
            except Exception:
                token = None  # left set for the error handler, as below
                raise
            finally:
                if token is not None:
                    current_capability.reset(token)
        began = time.perf_counter()
        try:
            return await handler(event, data)
        except Exception:
            self._metrics.handler_errors.labels(capability).inc()
            # Left set for the error handler's log line and error report (each update is
            # handled in a task of its own, so it goes with the task).
            token = None
            raise
        finally:
            self._metrics.handled.labels(capability).observe(time.perf_counter() - began)
            if token is not None:
                current_capability.reset(token)
