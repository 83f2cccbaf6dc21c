"""Knowledge base for entity linking (linking only; the CRF's feature gazetteer is ner/gazetteer.py).

build.py  builds kb.tsv.gz from pinned inputs (`python -m services.processor.entities.kb.build`);
store.py  loads it into an alias index (folded keys -> candidate entities) and scans texts;
curated.tsv hand-checked entities and aliases added to ner/entities.tsv for linking.
Sources and licences: docs/entities.md.
"""

from services.processor.entities.kb.store import KB, Candidate, Entity, load

__all__ = ["KB", "Candidate", "Entity", "load"]
