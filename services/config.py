"""Configuration from the environment (pydantic-settings). Secrets come only from here."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_LANGUAGES = ("nl", "de", "en", "fr", "es", "it", "pt", "ru", "pl", "sv", "da", "nb", "uk", "tr", "ar", "zh", "ja")


# One fetched response, after decompression (producers); also the default limit on a raw page's markup in
# the processor, so every page the producers can fetch can be normalized.
FETCH_MAX_BYTES = 5_000_000


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NEWSFLOW_", extra="ignore", populate_by_name=True)

    # Kafka. With no bootstrap servers `newsflow up` starts a local broker.
    kafka_bootstrap_servers: str | None = Field(
        default=None, validation_alias=AliasChoices("KAFKA_BOOTSTRAP_SERVERS", "NEWSFLOW_KAFKA_BOOTSTRAP_SERVERS")
    )
    kafka_security_protocol: str = "PLAINTEXT"  # PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL
    kafka_sasl_mechanism: str | None = None  # PLAIN, SCRAM-SHA-256, SCRAM-SHA-512
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_ssl_cafile: Path | None = None

    @field_validator("kafka_sasl_mechanism", "kafka_sasl_username", "kafka_sasl_password", "kafka_ssl_cafile",
                     "subscriptions", mode="before")
    @classmethod
    def _unset_when_empty(cls, value: object) -> object:
        # docker-compose passes unset optional variables as "" (e.g. ${NEWSFLOW_KAFKA_SSL_CAFILE:-}):
        # that means "not set", not the path "." or an empty password.
        return None if value == "" else value

    topic_raw: str = "articles.raw"
    topic_normalized: str = "articles.normalized"
    topic_enriched: str = "articles.enriched"
    topic_deadletter: str = "articles.deadletter"
    partitions: int = Field(default=4, ge=1)

    # Storage: SQLite file by default; postgresql://... for PostgreSQL.
    database_url: str = "sqlite:///newsflow.db"
    sink_batch_size: int = Field(default=500, ge=1)
    sink_group: str = "newsflow-sink"

    processor_id: str = "newsflow-processor"
    state_dir: Path = Path(".newsflow")
    # The processor handles up to this many records per batch, or what arrived within the wait (seconds).
    processor_batch_size: int = Field(default=200, ge=1)
    processor_batch_wait: float = Field(default=0.05, gt=0)
    # A record on which a worker died this many times is dead-lettered (stage "crash"); docs/faults.md.
    processor_crash_attempts: int = Field(default=3, ge=1)
    # Tests only: a worker exits abruptly on a record whose value contains this text (a crash on demand).
    processor_test_crash_marker: str | None = None
    # A faust worker (processor, router) still stopping this long after SIGTERM/SIGINT exits anyway.
    stop_grace: float = Field(default=20.0, gt=0)
    # Processor workers `newsflow up` starts (0: one per CPU core, at most one per partition).
    processor_workers: int = Field(default=0, ge=0)
    # A subscriptions file (docs/subscriptions.md): the processor copies each enriched article to the topic
    # of every subscription it matches, and reloads the file on change and on SIGHUP.
    subscriptions: Path | None = None

    # What is kept: an article's text after extraction, in UTF-8 bytes; larger articles are dead-lettered.
    max_body_bytes: int = Field(default=1_000_000, ge=1)
    # What is read: a raw HTML page or JSON record, in characters; unset = fetch_max_bytes (see markup_limit).
    max_markup_chars: int | None = Field(default=None, ge=1)

    # Near-duplicates and stories (services/processor/dedup, docs/stories.md).
    topic_stories: str = "stories"
    story_window_hours: float = Field(default=48.0, gt=0)  # state and candidates expire after this
    near_duplicate_threshold: float = Field(default=0.6, gt=0, le=1)  # estimated Jaccard of word 3-shingles
    story_threshold: float = Field(default=0.25, gt=0, le=1)  # weighted cosine over story keys
    languages: tuple[str, ...] = DEFAULT_LANGUAGES

    # Producers (feeds, watch, serve); see docs/producers.md.
    produce_timeout: float = Field(default=30.0, gt=0)  # seconds to wait for Kafka's acknowledgement of a send
    ingest_token: SecretStr | None = None  # NEWSFLOW_INGEST_TOKEN: bearer token for POST /articles
    ingest_max_request_bytes: int = Field(default=10_000_000, ge=1)  # one POST body (a batch); 413 above
    fetch_max_bytes: int = Field(default=FETCH_MAX_BYTES, ge=1)  # one fetched response, after decompression
    fetch_timeout: float = Field(default=30.0, gt=0)  # whole fetch, redirects included
    fetch_max_redirects: int = Field(default=5, ge=0)
    # Networks a fetch may reach although private/loopback/link-local, e.g. ["127.0.0.0/8"] (tests).
    fetch_allowed_networks: tuple[str, ...] = ()
    fetch_user_agent: str = "newsflow-feeds/0.1 (+https://example.invalid/newsflow)"
    feed_interval: float = Field(default=900.0, gt=0)  # seconds between polls unless the feed sets one
    feed_host_delay: float = Field(default=2.0, ge=0)  # politeness: min seconds between requests to one host
    feed_backoff_max: float = Field(default=6 * 3600.0, gt=0)
    watch_interval: float = Field(default=2.0, gt=0)

    # Observability (docs/metrics.md): each service's /metrics, /healthz, /readyz; 0 = a free port, which the
    # service registers under state_dir/services/ for `newsflow status`. The page's port: 0 = a free one too.
    metrics_host: str = "127.0.0.1"
    metrics_port: int = Field(default=0, ge=0, le=65535)
    dashboard_port: int = Field(default=8787, ge=0, le=65535)  # taken -> a free port, printed by `newsflow up`
    service_restarts: int = Field(default=0, ge=0)  # set by `newsflow up` on a child it restarted
    # Health URLs of services that do not register in state_dir (other containers): {"sink": "http://sink:9100"}.
    service_urls: dict[str, str] = Field(default_factory=dict)
    # Where services register (default state_dir/services): `up` gives the workers it starts with their own
    # state dirs the stack's, so `status` and the page find them all in one place.
    services_dir: Path | None = None

    @property
    def registry_dir(self) -> Path:
        return self.services_dir or self.state_dir / "services"

    @property
    def markup_limit(self) -> int:
        """Characters of markup the processor reads: at least what a fetch may return, unless set explicitly."""
        return self.max_markup_chars or self.fetch_max_bytes

    @property
    def bootstrap(self) -> str:
        if not self.kafka_bootstrap_servers:
            raise RuntimeError("KAFKA_BOOTSTRAP_SERVERS is not set (newsflow up starts a local broker for you)")
        return self.kafka_bootstrap_servers


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
