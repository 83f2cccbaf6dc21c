"""YAML to plain Python values plus the line of every value, so validation errors can name lines.

PyYAML's composer keeps a start mark on each node; this walks the node tree once, building the
same values `yaml.safe_load` would and a map from each value's path (keys and list indices) to its
1-based line.
"""

from __future__ import annotations

from typing import Any

import yaml

Path = tuple[str | int, ...]


class YamlError(ValueError):
    """The text is not YAML (the message names the line)."""


def load_with_lines(text: str) -> tuple[Any, dict[Path, int]]:
    """(value, {path: line}); an empty document is None. Raises YamlError."""
    loader = yaml.SafeLoader(text)
    lines: dict[Path, int] = {}
    try:
        node = loader.get_single_node()
        if node is None:
            return None, lines

        def build(node: yaml.Node, path: Path) -> Any:
            lines[path] = node.start_mark.line + 1
            if isinstance(node, yaml.MappingNode):
                loader.flatten_mapping(node)  # merge keys (<<) as safe_load does
                out: dict[Any, Any] = {}
                for key_node, value_node in node.value:
                    key = loader.construct_object(key_node, deep=True)
                    out[key] = build(value_node, (*path, key))
                    lines.setdefault((*path, key), key_node.start_mark.line + 1)
                return out
            if isinstance(node, yaml.SequenceNode):
                return [build(item, (*path, i)) for i, item in enumerate(node.value)]
            return loader.construct_object(node, deep=True)

        return build(node, ()), lines
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise YamlError(f"{where}{exc.problem or exc.context or 'invalid YAML'}") from None
    except yaml.YAMLError as exc:
        raise YamlError(str(exc)) from None
    finally:
        loader.dispose()


def line_of(lines: dict[Path, int], loc: tuple[Any, ...]) -> int | None:
    """The line of the deepest known prefix of `loc` (a pydantic error location)."""
    for end in range(len(loc), -1, -1):
        if tuple(loc[:end]) in lines:
            return lines[tuple(loc[:end])]
    return None
