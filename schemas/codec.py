"""orjson encoding of the topic records (the wire format of every topic)."""

from __future__ import annotations

from typing import TypeVar

import orjson
from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)


def encode(record: BaseModel) -> bytes:
    return orjson.dumps(record.model_dump(mode="python", exclude_none=False))


def decode(model: type[M], data: bytes | str) -> M:
    """Parse and validate; raises orjson.JSONDecodeError or pydantic.ValidationError."""
    return model.model_validate(orjson.loads(data))
