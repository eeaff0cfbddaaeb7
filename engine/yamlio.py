"""YAML in, with line numbers kept, so every validation error can name file and line."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from engine.errors import InputError
from engine.inputs import read_bytes
from engine.limits import check_bytes

M = TypeVar("M", bound=BaseModel)


class _StrictLoader(yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader):  # type: ignore[misc]
    """Safe loading through libyaml where present, refusing duplicate keys: a silently dropped
    key loses a user's data."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> Any:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _refuse(node: yaml.Node, problem: str) -> NoReturn:
    raise yaml.constructor.ConstructorError(None, None, problem, node.start_mark)


def _construct_int(loader: _StrictLoader, node: yaml.ScalarNode) -> int:
    """YAML 1.1 integers, without the readings nobody writing a case or rule means: `1:30` as
    base 60 (90), `012` as octal (10), `0x1f` as hexadecimal."""
    written = str(node.value).replace("_", "")
    digits = written.lstrip("+-")
    if ":" in written:
        _refuse(node, f"{written} would be read as a base-60 number; quote it, or write the number it means")
    if digits.startswith(("0x", "0b")) or (len(digits) > 1 and digits.startswith("0")):
        _refuse(
            node, f"{written} would be read as an octal, binary or hexadecimal number; write it in decimal"
        )
    return int(written)


def _construct_float(loader: _StrictLoader, node: yaml.ScalarNode) -> float:
    if ":" in str(node.value):
        _refuse(
            node, f"{node.value} would be read as a base-60 number; quote it, or write the number it means"
        )
    return yaml.SafeLoader.construct_yaml_float(loader, node)  # type: ignore[no-any-return]


def _construct_timestamp(loader: _StrictLoader, node: yaml.ScalarNode) -> object:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError):
        _refuse(node, f"{node.value} is not a date of the calendar")


_StrictLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_StrictLoader.add_constructor("tag:yaml.org,2002:float", _construct_float)
_StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


@dataclass(frozen=True)
class YamlDocument:
    """A parsed YAML file and its node tree, to turn a data path into a line number."""

    path: Path
    data: Any
    root: yaml.Node | None

    def line_of(self, loc: Sequence[str | int]) -> int | None:
        """1-based line of the deepest node reachable along `loc` (a pydantic error location)."""
        node = self.root
        line = node.start_mark.line + 1 if node is not None else None
        for part in loc:
            if isinstance(node, yaml.MappingNode):
                match = next(
                    (v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == part),
                    None,
                )
                if match is None:
                    key = next(
                        (k for k, _ in node.value if isinstance(k, yaml.ScalarNode) and k.value == part),
                        None,
                    )
                    return key.start_mark.line + 1 if key is not None else line
                node = match
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
                if part >= len(node.value):
                    return line
                node = node.value[part]
            else:
                return line
            line = node.start_mark.line + 1
        return line

    def error(self, loc: Sequence[str | int], message: str) -> InputError:
        return InputError(self.path, message, self.line_of(loc))


# No file of ours nests deeper than a dozen levels; libyaml itself stops near a thousand, past what
# the recursive constructors and validators can take.
MAX_DEPTH = 64


def _check_tree(path: Path, root: yaml.Node) -> None:
    """Refuse aliases and deep nesting before anything is built from the tree.

    An alias makes two places share one node, so a few lines can stand for billions of values
    (the "billion laughs"); nothing here needs one, and each value should be written where it applies.
    """
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if id(node) in seen:
            raise InputError(
                path,
                "YAML aliases (*name) are not accepted: write out the value anchored here where it is used",
                node.start_mark.line + 1,
            )
        seen.add(id(node))
        if depth > MAX_DEPTH:
            raise InputError(path, f"nested deeper than {MAX_DEPTH} levels", node.start_mark.line + 1)
        if isinstance(node, yaml.SequenceNode):
            stack.extend((child, depth + 1) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.extend(((key, depth + 1), (value, depth + 1)))


def load_yaml(path: Path, data: bytes | None = None) -> YamlDocument:
    """Parse one YAML file (or its bytes, already read); a syntax error becomes an InputError with
    its line. A file past the input size limit is refused unread."""
    if data is None:
        data = read_bytes(str(path))
    check_bytes(len(data), path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(path, f"not UTF-8 text (byte {exc.start} cannot be decoded)") from None
    loader = _StrictLoader(text)
    try:
        # one parse: the node tree keeps the line marks, and the data is constructed from it
        root = loader.get_single_node()
        if root is not None:
            _check_tree(path, root)
        parsed = loader.construct_document(root) if root is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise InputError(path, f"invalid YAML: {problem}", line) from None
    except yaml.YAMLError as exc:
        raise InputError(path, f"invalid YAML: {exc}") from None
    finally:
        loader.dispose()
    return YamlDocument(path=path, data=parsed, root=root)


def validate(document: YamlDocument, model: type[M], loc_prefix: Sequence[str | int] = ()) -> M:
    """Validate a document (or the part at loc_prefix) into a strict pydantic model.

    The first error becomes an InputError naming the file and the line of the offending value.
    """
    data: Any = document.data
    for part in loc_prefix:
        data = data[part]
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = [*loc_prefix, *first["loc"]]
        field = ".".join(str(p) for p in first["loc"]) or "document"
        raise document.error(loc, f"{field}: {first['msg']}") from None
