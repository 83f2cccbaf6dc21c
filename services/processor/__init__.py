"""The stream processor: pure enrichment steps (normalize, language, entities, enrich) and faust agents."""
