"""The process's system metrics, in one place: what each layer counts, served at ``GET /metrics``.

Prometheus client objects in the process-wide registry (``bot/http/metrics.py`` serves it; the outbox
gauges are refreshed from the database at each scrape). Labels are few and bounded — platform, status,
place — never a person, a chat or a message. Updating a metric is a memory operation and never blocks.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

# Engine batches hold up to 256 messages (conversations.engine.ConversationEngine.max_batch).
BATCH_SIZE_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256)
LATENCY_BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

MESSAGES_RECEIVED = Counter(
    "coach_messages_received",
    "Messages from people handled by the conversation engine, per platform.",
    ["platform"],
)
MESSAGES_SENT = Counter(
    "coach_messages_sent",
    "Messages the platform accepted from the sender (direct replies and the outbox), per platform.",
    ["platform"],
)
ENGINE_BATCH_SIZE = Histogram(
    "coach_engine_batch_size",
    "Messages handled together in one engine transaction (group commit).",
    buckets=BATCH_SIZE_BUCKETS,
)
ENGINE_BATCH_SECONDS = Histogram(
    "coach_engine_batch_seconds",
    "Time one engine batch took, from its first step to its commit.",
    buckets=LATENCY_BUCKETS_S,
)
ENGINE_MESSAGE_SECONDS = Histogram(
    "coach_engine_message_seconds",
    "Time from a message reaching the engine to its replies being ready (queueing included).",
    buckets=LATENCY_BUCKETS_S,
)
OUTBOX_DEPTH = Gauge(
    "coach_outbox_depth",
    "Outbox messages not yet sent nor failed (queued or being sent), per platform, at the scrape.",
    ["platform"],
)
OUTBOX_OLDEST_AGE = Gauge(
    "coach_outbox_oldest_age_seconds",
    "Age of the oldest outbox message not yet sent nor failed, per platform, at the scrape (0 when none).",
    ["platform"],
)
DELIVERIES_FAILED = Counter(
    "coach_deliveries_failed",
    "Messages given up on (permanent error or attempts used up) and stored as failed, per platform.",
    ["platform"],
)
RATE_LIMITED = Counter(
    "coach_rate_limited_responses",
    "429 (too many requests) answers received, per service (telegram, slack, llm).",
    ["service"],
)
REMINDERS = Counter(
    "coach_reminders",
    "Reminders claimed when due, and how they ended: sent (queued in the outbox) or skipped.",
    ["status"],
)
WEBHOOK_REJECTIONS = Counter(
    "coach_webhook_rejections",
    "Inbound requests refused at the door (bad signature, stale, too large, malformed), per source.",
    ["source", "status"],
)
LLM_CALLS = Counter(
    "coach_llm_calls",
    "Requests for a model answer, by outcome: ok, unavailable (server down, slow or refusing), invalid (off-schema twice).",
    ["outcome"],
)
UNHANDLED_ERRORS = Counter(
    "coach_unhandled_errors",
    "Errors logged with their exception (caught only to keep the service running), per place (logger name).",
    ["place"],
)
