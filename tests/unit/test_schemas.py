from datetime import UTC, datetime

import orjson
import pytest
from pydantic import ValidationError

from schemas import RawArticle, decode, encode
from schemas.export import main as export_main
from schemas.export import render, schema_path, stale
from schemas.models import PUBLIC_RECORDS, SCHEMA_VERSION

NOW = datetime(2025, 4, 7, 14, 39, tzinfo=UTC)


def test_committed_json_schemas_match_the_models() -> None:
    # Changing a model without `python -m schemas.export` (and a version decision) must fail here.
    assert stale() == [], "regenerate with: python -m schemas.export"
    assert export_main(["--check"]) == 0


def test_every_public_record_has_a_versioned_schema_file() -> None:
    for name in PUBLIC_RECORDS:
        schema = orjson.loads(schema_path(name).read_bytes())
        assert schema["$id"] == f"newsflow:{name}:v{SCHEMA_VERSION}"
        assert schema_path(name).name.endswith(f".v{SCHEMA_VERSION}.schema.json")


def test_a_changed_model_is_detected(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import create_model

    changed = create_model("RawArticle", __base__=RawArticle, extra_field=(str, "x"))
    monkeypatch.setitem(PUBLIC_RECORDS, "raw_article", changed)
    assert "raw_article" in stale()
    assert render("raw_article") != schema_path("raw_article").read_bytes()


def test_roundtrip_through_orjson() -> None:
    raw = RawArticle(source="s", body="text", fetched_at=NOW, metadata={"a": [1, {"b": None}]})
    assert decode(RawArticle, encode(raw)) == raw


def test_naive_datetimes_and_unknown_fields_are_refused() -> None:
    with pytest.raises(ValidationError):
        RawArticle(source="s", body="x", fetched_at=datetime(2025, 1, 1))
    with pytest.raises(ValidationError):
        RawArticle.model_validate({"source": "s", "body": "x", "fetched_at": NOW, "surprise": 1})
    with pytest.raises(ValidationError):
        RawArticle(source="s", body="x", fetched_at=NOW, content_type="application/pdf")  # type: ignore[arg-type]
