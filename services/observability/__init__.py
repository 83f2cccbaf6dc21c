"""Observability: Prometheus metrics, health/readiness endpoints, `newsflow status`, the live page, logs."""
