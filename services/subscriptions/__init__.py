"""Subscriptions to articles.enriched: record headers, filters, a subscriptions file, the router, tail and HTTP.

One module one job: `headers` (Kafka headers of an enriched record), `filters` (the filter model and
`matches`), `spec` (the subscriptions file), `yamlmarks` (YAML with line numbers), `route` (which topics
an article goes to: `Routes`, used by the processor and the router), `live` (the subscriptions in force
and their reload), `router` (`newsflow route`, the separate faust service), `positions` (resumable
stream positions), `follow` (reading the live topic without a consumer group), `tail` (the shell view),
`http` (the HTTP API), `commands` (the `newsflow` commands, registered by services/cli.py).
"""
