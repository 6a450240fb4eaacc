"""YAML and JSON text to plain Python data, in time and memory bounded by the text.

A case file comes from anyone, so parsing it must not be the attack: nested aliases that expand
a few hundred bytes into billions of values, nesting deep enough to overflow a stack (libyaml's
composer recurses in C and crashes the process at about 30,000 levels), numbers of thousands of
digits, texts no workbook cell can hold. YAML is read in two passes with the same parser
(libyaml's when PyYAML has it): a pass over the events that refuses all of that before any
node exists, then the ordinary safe loader. JSON is read by `json`, then walked for the same
limits. Every refusal is a DataError with the line (YAML) and the key path where it is known.

Two YAML 1.1 readings that surprise the people who write case files are changed or refused: a
number is only a number in the decimal form people write (`010` is not octal 8 and `1:30` not 90:
they stay text, which a number field still reads as 10, and a text field keeps as typed), and a
number written with a thousands separator in a [flow, list] (`[35,000, 60,000]`, which YAML reads
as 35, 0, 60, 0) is refused with the line.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import json
import re
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    DocumentStartEvent,
    MappingStartEvent,
    ScalarEvent,
    StreamEndEvent,
)

MAX_DEPTH = 20  # levels of nested lists and mappings; the case-file format goes four deep
MAX_VALUES = 500_000  # values (keys included) once aliases are expanded; 10,000 cost lines take 200,000
MAX_ALIAS_VALUES = 10_000  # values that aliases (*name) may add to what is written out
MAX_NUMBER_CHARS = 100  # characters of one number; a float shows 17 significant digits
MAX_TEXT_CHARS = 32_767  # Excel's limit on the characters of one cell
SHOWN_CHARS = 60  # of a value quoted in a message
_UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")  # what an xlsx cannot hold
HAS_LIBYAML = hasattr(yaml, "CSafeLoader")  # PyYAML built with libyaml: about four times faster


class DataError(Exception):
    """A problem in YAML or JSON text, with its line (1-based) and key path where known."""

    def __init__(self, message: str, *, line: int | None = None, path: tuple[Any, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.path = path


def parse_yaml(text: str, *, libyaml: bool = HAS_LIBYAML) -> Any:
    """The data of a YAML document (None when it holds nothing), read within the limits above.

    Args:
        text: the YAML text.
        libyaml: parse with libyaml (the default where PyYAML has it) or with PyYAML's pure-Python parser;
            the limits are the same.

    Raises:
        DataError: the text does not parse, or breaks a limit.
    """
    loader_class = _LOADERS[libyaml]
    try:
        _check_events(loader_class(text))
        loader = loader_class(text)
        try:
            data = loader.get_single_data()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = ", ".join(part for part in (exc.context, exc.problem) if part) or "not valid YAML"
        raise DataError(f"the file does not parse: {clip(problem)}{_parse_advice(text, mark, problem)}",
                        line=mark.line + 1 if mark else None) from None
    except yaml.reader.ReaderError as exc:
        character = chr(exc.character) if isinstance(exc.character, int) else str(exc.character)
        line = text.count("\n", 0, max(text.find(character), 0)) + 1
        raise DataError(f"the character U+{ord(character[:1] or ' '):04X} is not allowed in YAML"
                        " (is it a binary file?)", line=line) from None
    except UnicodeEncodeError:  # a lone surrogate that only a str handed in directly can hold
        raise DataError("the text holds a character that is not valid Unicode") from None
    check_data(data)
    return data


def _parse_advice(text: str, mark: Any, problem: str) -> str:
    """What to do about the two YAML mistakes people make most: a tab in the indentation, and a text holding
    ': ' without quotes (YAML takes it for a key)."""
    line = next(itertools.islice(io.StringIO(text), mark.line, None), "") if mark is not None else ""
    if "\t" in line[: len(line) - len(line.lstrip(" \t"))]:
        return "; indent with spaces, not tabs"
    if "mapping values are not allowed" in problem:
        return '; a text holding ": " needs quotes, e.g. description: "Note: one a year"'
    return ""


def parse_json(text: str) -> Any:
    """The data of a JSON document, read within the limits above (NaN and Infinity refused).

    Raises:
        DataError: the text does not parse, or breaks a limit.
    """
    try:
        data = json.loads(text, parse_int=_json_int, parse_float=_json_float, parse_constant=_json_constant,
                          object_pairs_hook=_json_object)
    except json.JSONDecodeError as exc:
        raise DataError(f"the file does not parse as JSON: {exc.msg}", line=exc.lineno) from None
    except RecursionError:  # json's own guard, at about 1,000 levels
        raise DataError(f"values are nested more than {MAX_DEPTH} levels deep") from None
    check_data(data)
    return data


class _Frame:
    """An open list or mapping during the event pass: what is needed to expand aliases and name the path."""

    __slots__ = ("mapping", "anchor", "start", "items", "key", "keys", "flow", "last")

    def __init__(self, mapping: bool, anchor: str | None, start: int, flow: bool = False) -> None:
        self.mapping = mapping
        self.anchor = anchor
        self.start = start  # the expanded-value count at which it began
        self.items = 0  # events directly inside: items of a list, keys and values of a mapping
        self.key: Any = None  # the current key of a mapping
        self.keys: dict[str, int] = {}  # each scalar key of a mapping and its line
        self.flow = flow  # written [in brackets] or {in braces}, where a comma separates items
        self.last: ScalarEvent | None = None  # the event placed last directly inside, when it was a scalar


def _check_events(parser: yaml.SafeLoader) -> None:
    """Refuse, from the parser's events alone, what would make composing or loading cost too much."""
    try:
        stack: list[_Frame] = []
        sizes: dict[str, int] = {}  # expanded size of each finished anchor
        expanded = written = documents = 0
        while not isinstance(event := parser.get_event(), StreamEndEvent):
            if isinstance(event, DocumentStartEvent):
                documents += 1
                if documents > 1:  # the loader refuses it too; here it stops the pass reading millions of them
                    raise DataError("a second YAML document starts here (a case file is one document)",
                                    line=event.start_mark.line + 1)
                continue
            if isinstance(event, CollectionEndEvent):
                frame = stack.pop()
                if frame.anchor is not None:
                    sizes[frame.anchor] = expanded - frame.start + 1
                continue
            if not isinstance(event, (ScalarEvent, AliasEvent, CollectionStartEvent)):
                continue
            line = event.start_mark.line + 1
            if stack:
                if stack[-1].flow:
                    _check_joined_number(stack, event, line)
                _place(stack, event, line)
            written += 1
            if isinstance(event, AliasEvent):
                expanded += _alias_size(stack, sizes, event.anchor, line)
            else:
                expanded += 1
                if isinstance(event, ScalarEvent):
                    if event.anchor is not None:
                        sizes[event.anchor] = 1
                else:
                    stack.append(_Frame(isinstance(event, MappingStartEvent), event.anchor, expanded,
                                        bool(event.flow_style)))
                    if len(stack) > MAX_DEPTH:
                        raise DataError(f"values are nested more than {MAX_DEPTH} levels deep", line=line,
                                        path=_path(stack, event))
            if expanded - written > MAX_ALIAS_VALUES:
                raise DataError(f"aliases (*name) expand the file by more than {MAX_ALIAS_VALUES:,} values"
                                " (an alias bomb?)", line=line, path=_path(stack, event))
            if expanded > MAX_VALUES:
                raise DataError(f"the file holds more than {MAX_VALUES:,} values", line=line, path=_path(stack, event))
    finally:
        parser.dispose()


def _place(stack: list[_Frame], event: Any, line: int) -> None:
    """Count the event inside the open collection; a mapping's scalar key must not be there already."""
    frame = stack[-1]
    if frame.mapping and frame.items % 2 == 0:
        frame.key = event.value if isinstance(event, ScalarEvent) else "?"
        if isinstance(event, ScalarEvent):
            first = frame.keys.get(event.value)
            if first is not None:
                raise DataError(f"the key {shown(event.value)} appears twice (first on line {first})", line=line,
                                path=_path(stack[:-1]))
            frame.keys[event.value] = line
    frame.items += 1


_GROUP_HEAD = re.compile(r"[-+]?£?[0-9]{1,3}")  # what starts a number written with thousands separators
_GROUP = re.compile(r"[0-9]{3}(?:\.[0-9]*)?")  # a group of three digits after a separator (and any pence)


def _check_joined_number(stack: list[_Frame], event: Any, line: int) -> None:
    """Refuse `35,000` inside [brackets] or {braces}: YAML reads it as two numbers, 35 and 0 (000), so a
    list of amounts silently grows and the money is a thousand times too small. Two plain scalars count as
    one number written with a separator when only the comma stands between them."""
    frame = stack[-1]
    head, frame.last = frame.last, event if isinstance(event, ScalarEvent) else None
    if (head is None or not isinstance(event, ScalarEvent) or head.style or event.style
            or head.end_mark.line != event.start_mark.line or event.start_mark.column != head.end_mark.column + 1
            or not _GROUP_HEAD.fullmatch(head.value) or not _GROUP.fullmatch(event.value)):
        return
    joined = f"{head.value},{event.value}"
    raise DataError(f"{shown(joined)} is read as two numbers, {head.value} and {event.value}: YAML splits a [list] "
                    f"or {{mapping}} at every comma, so write numbers without thousands separators "
                    f"({head.value.replace('£', '')}{event.value}, not {joined}); if they are two numbers, put a space "
                    "after the comma", line=line, path=_path(stack))


def _alias_size(stack: list[_Frame], sizes: dict[str, int], anchor: str, line: int) -> int:
    """The expanded size of the value an alias names; an alias inside its own value is refused."""
    if anchor in sizes:
        return sizes[anchor]
    if any(frame.anchor == anchor for frame in stack):
        raise DataError(f"the alias *{clip(anchor)} is inside the value it names, which would contain itself",
                        line=line, path=_path(stack))
    raise DataError(f"the alias *{clip(anchor)} names no anchor (&{clip(anchor)}) before it", line=line,
                    path=_path(stack))


def _path(stack: list[_Frame], event: Any = None) -> tuple[Any, ...]:
    """The key path of the value being read (of `event`, when it has just opened the last collection)."""
    frames = stack[:-1] if isinstance(event, CollectionStartEvent) else stack
    return tuple(frame.key if frame.mapping else frame.items - 1 for frame in frames)


_INT, _FLOAT, _BOOL, _TIMESTAMP = (f"tag:yaml.org,2002:{name}" for name in ("int", "float", "bool", "timestamp"))
_KINDS = {_INT: "whole number", _FLOAT: "number", _BOOL: "true or false", _TIMESTAMP: "date or time"}
_CONSTRUCTORS = {_INT: SafeConstructor.construct_yaml_int, _FLOAT: SafeConstructor.construct_yaml_float,
                 _BOOL: SafeConstructor.construct_yaml_bool, _TIMESTAMP: SafeConstructor.construct_yaml_timestamp}


_FORMS = {tag: pattern for resolvers in yaml.resolver.Resolver.yaml_implicit_resolvers.values()
          for tag, pattern in resolvers if tag in (_INT, _FLOAT, _BOOL)}
_FORMS[_TIMESTAMP] = SafeConstructor.timestamp_regexp  # what construct_yaml_timestamp itself matches


def _guarded(tag: str) -> Any:
    """PyYAML's constructor for `tag`, refusing first what it would convert slowly or crash on: a number too
    long to be a figure (a base-60 one is quadratic), and a value not of the tag's form, as `!!float ""`
    (IndexError) or `!!timestamp soon` (AttributeError) written with an explicit tag."""
    construct = _CONSTRUCTORS[tag]
    forms = [_FORMS[tag], _FORMS[_INT]] if tag == _FLOAT else [_FORMS[tag]]  # !!float 1 is a float

    def construct_guarded(loader: SafeConstructor, node: yaml.Node) -> Any:
        value = node.value
        if isinstance(value, str):
            if tag in (_INT, _FLOAT) and len(value) > MAX_NUMBER_CHARS:
                raise DataError(f"a number {len(value):,} digits long (at most {MAX_NUMBER_CHARS})",
                                line=node.start_mark.line + 1)
            if not any(form.match(value) for form in forms):
                raise DataError(f"{shown(value)} is not a valid {_KINDS[tag]}", line=node.start_mark.line + 1)
        return construct(loader, node)

    return construct_guarded


_DECIMAL = {  # the numbers people write; YAML 1.1's octal, hexadecimal and base-60 forms stay text
    _INT: re.compile(r"^[-+]?(?:0|[1-9][0-9_]*)$"),
    _FLOAT: re.compile(r"""^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
                           |[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$""", re.X),
}


def _decimal_resolvers(resolvers: dict[str, list[tuple[str, re.Pattern[str]]]]) -> dict[str, list[Any]]:
    """PyYAML's implicit resolvers with the int and float forms narrowed to `_DECIMAL`."""
    return {first: [(tag, _DECIMAL.get(tag, pattern)) for tag, pattern in entries]
            for first, entries in resolvers.items()}


def _bounded_loader(base: type[yaml.SafeLoader]) -> type[yaml.SafeLoader]:
    """`base` (PyYAML's safe loader, or libyaml's) with guarded scalars and conversion errors that name their line."""

    class BoundedLoader(base):  # type: ignore[misc,valid-type]
        def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
            try:
                return super().construct_object(node, deep=deep)
            except (ValueError, OverflowError) as exc:  # hour 25, !!int twenty
                kind = _KINDS.get(node.tag, "value")
                value = shown(node.value) if isinstance(node.value, str) else "the value"
                raise DataError(f"{value} is not a valid {kind} ({clip(str(exc))})",
                                line=node.start_mark.line + 1) from None

    for tag in _CONSTRUCTORS:
        BoundedLoader.add_constructor(tag, _guarded(tag))
    BoundedLoader.yaml_implicit_resolvers = _decimal_resolvers(base.yaml_implicit_resolvers)
    return BoundedLoader


_LOADERS = {False: _bounded_loader(yaml.SafeLoader)}
if HAS_LIBYAML:
    _LOADERS[True] = _bounded_loader(yaml.CSafeLoader)


class _Refused:
    """A JSON value refused while parsing, reported with its key path by check_data."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message


def _json_int(literal: str) -> int | _Refused:
    if len(literal) > MAX_NUMBER_CHARS:
        return _Refused(f"a number {len(literal):,} digits long (at most {MAX_NUMBER_CHARS})")
    return int(literal)


def _json_float(literal: str) -> float | _Refused:
    if len(literal) > MAX_NUMBER_CHARS:
        return _Refused(f"a number {len(literal):,} digits long (at most {MAX_NUMBER_CHARS})")
    return float(literal)


def _json_constant(name: str) -> _Refused:
    return _Refused(f"{name} is not a number JSON allows")


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any] | _Refused:
    mapping = dict(pairs)
    if len(mapping) == len(pairs):
        return mapping
    seen: set[str] = set()
    twice = next(key for key, _ in pairs if key in seen or seen.add(key))
    return _Refused(f"the key {shown(twice)} appears twice")


_CONTAINERS = (dict, list, tuple, set, frozenset)
_NO_KEY = object()


def check_data(data: Any) -> None:
    """Walk parsed data (aliases expanded) for the limits: depth, values, texts, refused JSON values.

    Raises:
        DataError: with the key path of the first value that breaks a limit.
    """
    if not isinstance(data, _CONTAINERS):
        _check_scalar(data, ())
        return
    count = 1
    stack: list[tuple[Any, tuple[Any, ...]]] = [(data, ())]
    while stack:
        value, path = stack.pop()
        if len(path) >= MAX_DEPTH:
            raise DataError(f"values are nested more than {MAX_DEPTH} levels deep", path=path)
        mapping = isinstance(value, dict)
        count += 2 * len(value) if mapping else len(value)
        if count > MAX_VALUES:
            raise DataError(f"the file holds more than {MAX_VALUES:,} values", path=path)
        children = []
        for key, item in value.items() if mapping else enumerate(value):
            if mapping:
                _check_scalar(key, path)
            if isinstance(item, _CONTAINERS):
                children.append((item, (*path, key)))
            else:
                _check_scalar(item, path, key)
        stack.extend(reversed(children))


def _check_scalar(value: Any, path: tuple[Any, ...], key: Any = _NO_KEY) -> None:
    """Refuse a text too long or unstorable, a refused JSON value, binary data (at `path`, then `key` if given)."""
    if isinstance(value, str):
        if len(value) > MAX_TEXT_CHARS:
            problem = f"a text of {len(value):,} characters (a workbook cell holds at most {MAX_TEXT_CHARS:,})"
        elif bad := _UNSTORABLE.search(value):
            problem = f"the text holds U+{ord(bad.group()):04X}, a character a workbook cannot store"
        else:
            return
    elif isinstance(value, _Refused):
        problem = value.message
    elif isinstance(value, (bytes, bytearray)):
        problem = "binary data (!!binary) has no place in a case file"
    else:
        return
    raise DataError(problem, path=path if key is _NO_KEY else (*path, key))


def clip(text: str, limit: int = 200) -> str:
    """Text from the input cut to `limit` characters, with control characters escaped, for one message line."""
    text = text if len(text) <= limit else text[: limit - 3] + "..."
    return text.encode("unicode_escape").decode("ascii") if not text.isprintable() else text


def shown(value: Any, limit: int = SHOWN_CHARS) -> str:
    """A value as a message quotes it (JSON-like, `"lots"`), built piece by piece and cut at `limit` characters.

    An aliased YAML value can stand for billions of items, so the value is never rendered whole.
    """
    pieces, length = [], 0
    for piece in _pieces(value, 0):
        pieces.append(piece)
        length += len(piece)
        if length > limit:
            break
    text = "".join(pieces)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _pieces(value: Any, depth: int) -> Any:
    """The pieces of a value's JSON-like text, lazily; deep values show as `...`."""
    if depth > 4:
        yield "..."
    elif isinstance(value, dict):
        yield "{"
        for number, (key, item) in enumerate(value.items()):
            yield ", " if number else ""
            yield from _pieces(key, depth + 1)
            yield ": "
            yield from _pieces(item, depth + 1)
        yield "}"
    elif isinstance(value, (list, tuple, set, frozenset)):
        yield "["
        for number, item in enumerate(value):
            yield ", " if number else ""
            yield from _pieces(item, depth + 1)
        yield "]"
    elif isinstance(value, bool) or value is None or isinstance(value, float):
        yield json.dumps(value)
    elif isinstance(value, int):
        yield str(value) if value.bit_length() < 200 else f"(a number of about {value.bit_length() * 3 // 10:,} digits)"
    elif isinstance(value, str):
        yield json.dumps(value[: SHOWN_CHARS + 1], ensure_ascii=False)
    elif isinstance(value, (dt.date, dt.datetime, dt.time)):
        yield json.dumps(str(value))
    else:
        yield json.dumps(str(value)[: SHOWN_CHARS + 1], ensure_ascii=False)
