"""Write (or check) the committed JSON Schemas: `python -m schemas.export [--check]`."""

from __future__ import annotations

import sys
from pathlib import Path

import orjson

from schemas.models import PUBLIC_RECORDS, SCHEMA_VERSION

SCHEMA_DIR = Path(__file__).parent / "json"


def schema_path(name: str, version: int = SCHEMA_VERSION) -> Path:
    return SCHEMA_DIR / f"{name}.v{version}.schema.json"


def render(name: str) -> bytes:
    schema = PUBLIC_RECORDS[name].model_json_schema(mode="serialization")
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": f"newsflow:{name}:v{SCHEMA_VERSION}", **schema}
    return orjson.dumps(schema, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"


def stale() -> list[str]:
    """Names whose committed schema differs from the models."""
    return [n for n in PUBLIC_RECORDS if not schema_path(n).exists() or schema_path(n).read_bytes() != render(n)]


def main(argv: list[str]) -> int:
    if "--check" in argv:
        bad = stale()
        for name in bad:
            print(f"schema out of date: {schema_path(name)} (run: python -m schemas.export)", file=sys.stderr)
        return 1 if bad else 0
    SCHEMA_DIR.mkdir(exist_ok=True)
    for name in PUBLIC_RECORDS:
        schema_path(name).write_bytes(render(name))
        print(schema_path(name))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
