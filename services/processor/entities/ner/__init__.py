"""Multilingual NER + entity linking for the entity step (services/processor/entities/tag.py).

text.py tokenizer/folding, gazetteer.py alias table (entities.tsv + CLDR via Babel + iso3166_qid.tsv),
features.py CRF features, crf.py fast exact decoding of the model (kernels.py, compiled: compiled.py), tagger.py the pipeline, corpora.py corpus readers and scoring,
train.py training (`.venv/bin/python -m services.processor.entities.ner.train` -> model.crfsuite).
"""
