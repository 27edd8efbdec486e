"""Reading files that a person, an installer or another program may have damaged: settings,
last-check records, answer and site files.

- only regular files, read with a size cap (a link to /dev/zero or a FIFO is refused, not read);
- JSON and TOML parsed with guards: nesting depth, integer size, NaN/Infinity;
- `document_problems()` checks a parsed document against our published JSON schemas, so that
  every field has its documented type before anything uses it: a maintained validator
  (fastjsonschema, each schema compiled on first use) decides, as an ERP's validator would;
  `schema_errors()` names every place in words for the person reading the message.

Every problem is a `FileProblem` whose text names the file's part and what is wrong.
"""

from __future__ import annotations

import functools
import math
import os
import re
import stat
from pathlib import Path
from typing import Any

from mailwizard.core.i18n import _

MAX_SETTINGS_BYTES = 1024 * 1024  # far above any real settings, answer or site file
MAX_DEPTH = 32


class FileProblem(ValueError):
    """The file cannot be used; str() says why in words."""


class NotAFile(FileProblem):
    """The path is a folder, a device, a FIFO or a link to one of them."""


def read_capped(path: Path | str, limit: int = MAX_SETTINGS_BYTES) -> bytes:
    """The bytes of a regular file of at most `limit` bytes. FileNotFoundError and other
    OSErrors pass through (callers word them); anything else is a FileProblem."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) \
        | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotAFile(_("it is not a regular file (a folder, a device or a link to one)"))
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(65536, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise FileProblem(_("it is larger than {size} KB, far more than such a file ever "
                                "holds").format(size=limit // 1024))
        return b"".join(chunks)
    finally:
        os.close(fd)


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def _check_depth(value: Any, depth: int = 0) -> None:
    if depth > MAX_DEPTH:
        raise FileProblem(_("it is nested more than {n} levels deep").format(n=MAX_DEPTH))
    if isinstance(value, dict):
        for v in value.values():
            _check_depth(v, depth + 1)
    elif isinstance(value, list):
        for v in value:
            _check_depth(v, depth + 1)
    elif isinstance(value, float) and not math.isfinite(value):
        raise FileProblem(_("it holds a number that is not finite"))


def loads_json(text: str) -> Any:
    import json

    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise FileProblem(_("it is nested more than {n} levels deep").format(n=MAX_DEPTH)) from None
    except ValueError as exc:  # JSONDecodeError, and integers past Python's digit limit
        raise FileProblem(_("it is not valid JSON ({problem})").format(problem=exc)) from None
    _check_depth(value)
    return value


def loads_toml(text: str) -> Any:
    import sys

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        value = tomllib.loads(text)
    except RecursionError:
        raise FileProblem(_("it is nested more than {n} levels deep").format(n=MAX_DEPTH)) from None
    except tomllib.TOMLDecodeError as exc:
        raise FileProblem(_("it is not valid TOML ({problem})").format(problem=exc)) from None
    except ValueError as exc:  # integers past Python's digit limit, bad dates
        raise FileProblem(_("it holds a value TOML readers cannot take ({problem})").format(
            problem=exc)) from None
    _check_depth(value)
    return value


# -- our schemas -------------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def load_schema(name: str) -> dict[str, Any]:
    import json

    from mailwizard.core.resources import read_resource_bytes

    return json.loads(read_resource_bytes(name))


@functools.lru_cache(maxsize=None)
def _standard_validator(name: str):
    import fastjsonschema

    # "format" is an annotation in Draft 2020-12 (what the schemas declare), as in every
    # validator's default for it: not asserted here either.
    return fastjsonschema.compile(load_schema(name), use_formats=False)


def document_problems(data: Any, name: str) -> list[str]:
    """What is wrong with `data` against the published schema `name` (e.g.
    "config.schema.json"), as "place: what is expected"; [] when it is valid. The standard
    validator decides; the words come from `schema_errors`, or from the validator itself where
    those find nothing to say."""
    import fastjsonschema

    try:
        _standard_validator(name)(data)
    except fastjsonschema.JsonSchemaValueException as exc:
        words = schema_errors(data, load_schema(name))
        if words:
            return words
        place = ".".join(str(part) for part in exc.path[1:]) or "the file"
        what = exc.message.split(" ", 1)[1] if " " in exc.message else exc.message
        return [f"{place}: {what}"]
    return []


_TYPES = {
    "string": lambda v: isinstance(v, str),
    # JSON Schema's integer is a number without a fractional part: 2 and 2.0 alike
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool)
                          or isinstance(v, float) and v.is_integer()),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "null": lambda v: v is None,
}
_WORDS = {"string": "text", "integer": "a whole number", "number": "a number",
          "boolean": "true or false", "object": "a table of keys", "array": "a list",
          "null": "null"}


def _at(where: str, key: Any) -> str:
    return f"{where}.{key}" if where else str(key)


def schema_errors(value: Any, schema: dict[str, Any], where: str = "") -> list[str]:
    """Every place where `value` breaks `schema`, as "place: what is expected". Supports the
    keywords our schemas use: type, enum, const, pattern, minimum, maximum, minLength,
    maxLength, properties, required, additionalProperties, items, uniqueItems, allOf, anyOf,
    oneOf, not, if/then/else (format is informative only)."""
    place = where or "the file"
    if schema is True or schema == {}:
        return []
    if schema is False:
        return [f"{place}: not allowed here"]
    errors: list[str] = []
    kind = schema.get("type")
    if kind is not None:
        kinds = kind if isinstance(kind, list) else [kind]
        if not any(_TYPES[k](value) for k in kinds):
            return [f"{place}: expected " + " or ".join(_WORDS[k] for k in kinds)]
    if "const" in schema and not _same(value, schema["const"]):
        errors.append(f"{place}: must be {schema['const']!r}")
    if "enum" in schema and not any(_same(value, e) for e in schema["enum"]):
        errors.append(f"{place}: must be one of " + ", ".join(repr(e) for e in schema["enum"]))
    if isinstance(value, str):
        if "pattern" in schema and not re.search(schema["pattern"], value):
            errors.append(f"{place}: not in the expected form")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            errors.append(f"{place}: longer than {schema['maxLength']} characters")
        if "minLength" in schema and len(value) < schema["minLength"]:
            errors.append(f"{place}: shorter than {schema['minLength']} characters")
    if _TYPES["number"](value):
        if "minimum" in schema and value < schema["minimum"]:
            errors.append(f"{place}: at least {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            errors.append(f"{place}: at most {schema['maximum']}")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in value:
                errors.append(f"{_at(where, key)}: missing")
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            if key in props:
                errors += schema_errors(item, props[key], _at(where, key))
            elif extra is False:
                errors.append(f"{_at(where, key)}: not a known key")
            elif isinstance(extra, dict):
                errors += schema_errors(item, extra, _at(where, key))
    if isinstance(value, list):
        if "items" in schema:
            for i, item in enumerate(value):
                errors += schema_errors(item, schema["items"], f"{place}[{i}]")
        if schema.get("uniqueItems"):
            seen: list[Any] = []
            for item in value:
                if any(_same(item, s) for s in seen):
                    errors.append(f"{place}: {item!r} is listed twice")
                seen.append(item)
    for sub in schema.get("allOf", []):
        errors += schema_errors(value, sub, where)
    if "anyOf" in schema and all(schema_errors(value, s, where) for s in schema["anyOf"]):
        errors.append(f"{place}: does not match any of the allowed forms")
    if "oneOf" in schema:
        matches = sum(1 for s in schema["oneOf"] if not schema_errors(value, s, where))
        if matches != 1:
            errors.append(f"{place}: does not match exactly one of the allowed forms")
    if "not" in schema and not schema_errors(value, schema["not"], where):
        what = schema["not"].get("description") if isinstance(schema["not"], dict) else None
        errors.append(f"{place}: must not hold {what}" if what else
                      f"{place}: has a form that is not allowed")
    if "if" in schema:
        branch = "then" if not schema_errors(value, schema["if"], where) else "else"
        if branch in schema:
            errors += schema_errors(value, schema[branch], where)
    return errors


def _same(a: Any, b: Any) -> bool:
    """JSON equality: 1 and True are different values."""
    return type(a) is type(b) and a == b or (
        _TYPES["number"](a) and _TYPES["number"](b) and a == b)
