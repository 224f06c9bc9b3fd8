"""A small checker of JSON values against the OpenAPI 3.0 schemas in /api/openapi.json.

Strict both ways on objects: every declared property must appear (they are all
`required`) and no undeclared one may, so the document and the responses cannot drift.
"""

from __future__ import annotations

import datetime as dt

TYPES = {"string": str, "integer": int, "number": (int, float), "boolean": bool,
         "array": list, "object": dict}


def resolve(doc: dict, schema: dict) -> dict:
    while "$ref" in schema:
        node = doc
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def schema_errors(doc: dict, value, schema: dict, where: str = "$") -> list[str]:
    """Every way `value` breaks `schema`, as readable lines (empty when it conforms)."""
    schema = resolve(doc, schema)
    if value is None:
        return [] if schema.get("nullable") else [f"{where}: null but not nullable"]
    kind = schema.get("type")
    if kind and (not isinstance(value, TYPES[kind]) or (kind != "boolean" and isinstance(value, bool))):
        return [f"{where}: expected {kind}, got {type(value).__name__} {value!r:.60}"]
    errors = []
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{where}: {value!r} not in {schema['enum']}")
    if schema.get("format") == "date":
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            errors.append(f"{where}: {value!r} is not a date")
    if kind == "array":
        for i, item in enumerate(value):
            errors += schema_errors(doc, item, schema["items"], f"{where}[{i}]")
    if kind == "object":
        errors += _object_errors(doc, value, schema, where)
    return errors


def _object_errors(doc: dict, value: dict, schema: dict, where: str) -> list[str]:
    properties = schema.get("properties", {})
    errors = [f"{where}: missing {name}" for name in schema.get("required", []) if name not in value]
    extra = schema.get("additionalProperties")
    for name, item in value.items():
        if name in properties:
            errors += schema_errors(doc, item, properties[name], f"{where}.{name}")
        elif isinstance(extra, dict):
            errors += schema_errors(doc, item, extra, f"{where}.{name}")
        elif properties:
            errors.append(f"{where}: undocumented field {name}")
    return errors


def refs_in(node) -> list[str]:
    """Every `$ref` anywhere in `node`."""
    if isinstance(node, dict):
        own = [node["$ref"]] if "$ref" in node else []
        return own + [r for v in node.values() for r in refs_in(v)]
    if isinstance(node, list):
        return [r for v in node for r in refs_in(v)]
    return []
