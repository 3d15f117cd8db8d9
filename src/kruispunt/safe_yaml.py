"""Read a YAML input file within the limits of :mod:`kruispunt.limits`, with the line of
every key.

The file is checked in four steps, each cheap and each refusing with the file and line:

1. size (at most :data:`~kruispunt.limits.YAML_MAX_BYTES`), before it is read whole;
2. encoding: UTF-8 (a UTF-8 byte-order mark is allowed); UTF-16/32, binary and invalid
   bytes are named;
3. a scan of the parser's events that counts nodes as they would be after expanding
   aliases, and nesting depth, and stops as soon as a limit is passed: an alias bomb is
   refused after at most :data:`~kruispunt.limits.YAML_MAX_NODES` steps, before anything
   is expanded; keys must be plain values (not lists or mappings); an alias inside the
   node it names is refused;
4. composing and constructing the document (safe tags only, duplicate keys refused).

YAML 1.1, as PyYAML reads it, with one addition: numbers with an exponent and no dot or
no exponent sign (``3e9``, ``1.5E+9``) are numbers, as in YAML 1.2, not text.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kruispunt.errors import KruispuntError
from kruispunt.limits import YAML_MAX_BYTES, YAML_MAX_DEPTH, YAML_MAX_NODES, size_text

__all__ = ["KeyLines", "YamlFileError", "read_yaml", "read_yaml_text"]

KeyLines = dict[tuple[Any, ...], int]
"""Line (1-based) of every key path: ``{("subsidies", "sde"): 12, ...}``."""


class YamlFileError(KruispuntError):
    """A YAML file that cannot be read: ``file``, ``line`` (or None) and ``message``."""

    def __init__(self, file: str, line: int | None, message: str) -> None:
        self.file = file
        self.line = line
        self.message = message
        at = f"{file}, line {line}" if line is not None else file
        super().__init__(f"{at}: {message}")


# --- loader ------------------------------------------------------------------------------------

_Base: Any = yaml.CSafeLoader if getattr(yaml, "__with_libyaml__", False) else yaml.SafeLoader


class _Loader(_Base):  # type: ignore[misc]
    """Safe loader: duplicate keys refused, YAML 1.2 exponent floats, and a value its tag
    cannot make (``!!int`` of nothing, ``!!timestamp 2030-13-45``) a YAML error with its line,
    not a crash."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except yaml.YAMLError:
            raise
        except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError) as exc:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"cannot read this {str(node.tag).replace('tag:yaml.org,2002:', '!!')} value "
                f"({exc})",
                node.start_mark,
            ) from None


def _construct_mapping(loader: Any, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue  # '<<: *base' merges a mapping in; its keys may be overridden
        key = loader.construct_object(key_node)
        try:
            first = seen.get(key)
        except TypeError:  # pragma: no cover - non-scalar keys are refused by the scan
            raise yaml.constructor.ConstructorError(
                None, None, "a key must be a plain value", key_node.start_mark
            ) from None
        if first is not None:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key '{key}' (first on line {first})", key_node.start_mark
            )
        seen[key] = key_node.start_mark.line + 1
    return dict(loader.construct_mapping(node))


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)[eE][-+]?[0-9]+$"),
    list("-+0123456789."),
)


# --- steps -------------------------------------------------------------------------------------


def _read_bytes(path: Path, what: str) -> bytes:
    where = str(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise YamlFileError(where, None, f"{what} not found") from None
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise YamlFileError(where, None, f"{what} cannot be read ({reason})") from None
    if stat.S_ISDIR(info.st_mode):
        raise YamlFileError(where, None, f"is a folder; a {what} is a YAML file")
    if not stat.S_ISREG(info.st_mode):
        raise YamlFileError(where, None, f"is not a regular file; a {what} is a YAML file")
    too_big = (
        f"{what} is too large ({{size}}); at most {size_text(YAML_MAX_BYTES)} "
        f"({YAML_MAX_BYTES:,} bytes) is read"
    )
    if info.st_size > YAML_MAX_BYTES:
        raise YamlFileError(where, None, too_big.format(size=f"{info.st_size:,} bytes"))
    try:
        with open(path, "rb") as fh:
            data = fh.read(YAML_MAX_BYTES + 1)
    except OSError as exc:
        raise YamlFileError(where, None, f"{what} cannot be read ({exc.strerror or exc})") from None
    if len(data) > YAML_MAX_BYTES:
        raise YamlFileError(where, None, too_big.format(size=f"more than {YAML_MAX_BYTES:,} bytes"))
    return data


_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)


def _decode(data: bytes, where: str) -> str:
    for bom, name in _BOMS:
        if data.startswith(bom):
            raise YamlFileError(where, None, f"the file is {name} text; save it as UTF-8")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    nul = data.find(b"\x00")
    if nul >= 0:
        raise YamlFileError(
            where,
            data.count(b"\n", 0, nul) + 1,
            "the file holds NUL bytes: it is binary, or UTF-16/UTF-32 text; "
            "a YAML file must be UTF-8 text",
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise YamlFileError(
            where,
            data.count(b"\n", 0, exc.start) + 1,
            f"not UTF-8 text (byte 0x{data[exc.start]:02x} cannot be decoded); "
            "save the file as UTF-8",
        ) from None


@dataclass
class _Frame:
    """An open mapping or list: its expanded size and height so far."""

    is_mapping: bool
    anchor: str | None
    size: int = 1
    height: int = 1
    children: int = 0


@dataclass
class _Scan:
    """Running counts of :func:`_scan`."""

    where: str
    total: int = 0
    stack: list[_Frame] = field(default_factory=list)
    anchors: dict[str, tuple[int, int, bool]] = field(default_factory=dict)
    """anchor -> (expanded size, height, is a scalar)"""

    def node(self, size: int, height: int, line: int) -> None:
        """A node of ``size`` nodes (after expanding aliases) and ``height`` levels."""
        if len(self.stack) + height > YAML_MAX_DEPTH:
            raise YamlFileError(
                self.where,
                line,
                f"nested too deeply (more than {YAML_MAX_DEPTH} levels of mappings and lists)",
            )
        self.total += size
        if self.total > YAML_MAX_NODES:
            raise YamlFileError(
                self.where,
                line,
                f"too many YAML nodes (more than {YAML_MAX_NODES:,}, counting each alias as "
                "the nodes it stands for); a scenario needs far fewer: is this an alias bomb "
                "or a generated file?",
            )

    def close(self, size: int, height: int) -> None:
        """Add a finished node to the open collection it belongs to."""
        if self.stack:
            parent = self.stack[-1]
            parent.size += size
            parent.height = max(parent.height, height + 1)


_NODE_EVENTS = (yaml.ScalarEvent, yaml.AliasEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent)


def _scan(text: str, where: str) -> None:
    """Refuse, from the parser's events alone, a document over the node or depth limit."""
    scan = _Scan(where)
    open_anchors: set[str] = set()
    loader = _Loader(text)
    try:
        while loader.check_event():
            event = loader.get_event()
            line = event.start_mark.line + 1
            if isinstance(event, _NODE_EVENTS) and scan.stack:
                parent = scan.stack[-1]
                is_key = parent.is_mapping and parent.children % 2 == 0
                parent.children += 1
                if is_key and not _plain_key(event, scan):
                    raise YamlFileError(
                        where,
                        line,
                        "a key must be a plain value (text or a number), not a list, "
                        "a mapping or an alias of one",
                    )
            if isinstance(event, yaml.ScalarEvent):
                scan.node(1, 0, line)
                scan.close(1, 0)
                if event.anchor is not None:
                    scan.anchors[event.anchor] = (1, 0, True)
            elif isinstance(event, yaml.AliasEvent):
                if event.anchor in open_anchors:
                    raise YamlFileError(
                        where,
                        line,
                        f"alias *{event.anchor} is inside the node it names "
                        "(a recursive structure)",
                    )
                size, height, _ = scan.anchors.get(str(event.anchor), (1, 0, True))
                scan.node(size, height, line)
                scan.close(size, height)
            elif isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
                scan.node(1, 1, line)
                scan.stack.append(_Frame(isinstance(event, yaml.MappingStartEvent), event.anchor))
                if event.anchor is not None:
                    open_anchors.add(event.anchor)
            elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
                frame = scan.stack.pop()
                if frame.anchor is not None:
                    scan.anchors[frame.anchor] = (frame.size, frame.height, False)
                    open_anchors.discard(frame.anchor)
                scan.close(frame.size, frame.height)
    finally:
        loader.dispose()


def _plain_key(event: yaml.Event, scan: _Scan) -> bool:
    if isinstance(event, yaml.ScalarEvent):
        return True
    if isinstance(event, yaml.AliasEvent):
        return scan.anchors.get(str(event.anchor), (1, 0, True))[2]
    return False


def _key_lines(node: yaml.Node, prefix: tuple[Any, ...] = ()) -> KeyLines:
    """Line (1-based) of every key path in a composed YAML document."""
    lines: KeyLines = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            as_int = _as_int(key)
            for candidate in (key, as_int):
                lines[(*prefix, candidate)] = key_node.start_mark.line + 1
            lines.update(_key_lines(value_node, (*prefix, key)))
            if as_int != key:
                lines.update(_key_lines(value_node, (*prefix, as_int)))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[(*prefix, i)] = item.start_mark.line + 1
            lines.update(_key_lines(item, (*prefix, i)))
    return lines


def _as_int(key: Any) -> Any:
    try:
        return int(key)
    except (TypeError, ValueError):
        return key


def _yaml_error(exc: yaml.YAMLError, where: str, text: str) -> YamlFileError:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        return YamlFileError(where, line, f"malformed YAML: {exc.problem or exc}")
    position = getattr(exc, "position", None)
    if isinstance(position, int):
        line = text.count("\n", 0, position) + 1
        return YamlFileError(where, line, f"malformed YAML: {getattr(exc, 'reason', exc)}")
    return YamlFileError(where, None, f"malformed YAML: {exc}")


def read_yaml(path: Path, what: str = "scenario file") -> tuple[Any, KeyLines]:
    """The document in ``path`` and the line of each of its keys.

    Parameters
    ----------
    path : Path
        A YAML file.
    what : str
        What the file is, for messages ("scenario file").

    Returns
    -------
    data : Any
        The document (``None`` for an empty file).
    lines : dict
        Line of every key path, see :data:`KeyLines`.

    Raises
    ------
    YamlFileError
        Naming the file, the line where known, and what is wrong.
    """
    where = str(path)
    text = _decode(_read_bytes(path, what), where)
    data, node = _load(text, where)
    return data, (_key_lines(node) if node is not None else {})


def read_yaml_text(text: str, where: str) -> Any:
    """The document in ``text`` (a form field, a request body), checked as :func:`read_yaml`
    checks a file's text: node count after expanding aliases, nesting depth, plain keys,
    duplicate keys; ``where`` names the text in messages.

    Raises
    ------
    YamlFileError
        Naming ``where``, the line where known, and what is wrong.
    """
    if len(text) > YAML_MAX_BYTES:
        raise YamlFileError(where, None, f"too long ({len(text):,} characters)")
    return _load(text, where)[0]


def _load(text: str, where: str) -> tuple[Any, yaml.Node | None]:
    """Scan ``text`` within the limits, then compose and construct it: the data and its
    node (None for an empty document)."""
    try:
        _scan(text, where)
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, where, text) from None
    return data, node
