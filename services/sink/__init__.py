"""The sink: consumes articles.enriched and writes it to storage, idempotently."""
