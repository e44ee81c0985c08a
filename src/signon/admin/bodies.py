"""JSON request bodies of the admin API, declared once: validated from these declarations and
published from them in the OpenAPI document, so the two cannot disagree."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import orjson

from signon.errors import InvalidRequest

__all__ = ["Body", "Prop", "parse_json"]

JsonType = Literal["string", "boolean", "integer", "object", "array"]
_PY: dict[str, type | tuple[type, ...]] = {
    "string": str,
    "boolean": bool,
    "integer": int,
    "object": dict,
    "array": list,
}
_ARTICLE = {"string": "a string", "boolean": "true or false", "integer": "an integer",
            "object": "a JSON object", "array": "an array"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Prop:
    type: JsonType
    description: str = ""
    nullable: bool = False
    items: JsonType | None = None  # element type of an array
    enum: tuple[str, ...] = ()

    def check(self, name: str, value: Any) -> Any:
        if value is None:
            if self.nullable:
                return None
            raise InvalidRequest(f"{name}: must not be null")
        wanted = _PY[self.type]
        # bool is an int in Python; JSON keeps them apart.
        if not isinstance(value, wanted) or (self.type == "integer" and isinstance(value, bool)):
            raise InvalidRequest(f"{name}: expected {_ARTICLE[self.type]}")
        if self.enum and value not in self.enum:
            raise InvalidRequest(f"{name}: must be one of {', '.join(self.enum)}")
        if self.items is not None:
            items: list[Any] = value  # type: ignore[assignment] # checked just above
            for i, item in enumerate(items):
                if not isinstance(item, _PY[self.items]):
                    raise InvalidRequest(f"{name}[{i}]: expected {_ARTICLE[self.items]}")
        return value

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": [self.type, "null"] if self.nullable else self.type}
        if self.items is not None:
            schema["items"] = {"type": self.items}
        if self.enum:
            schema["enum"] = list(self.enum)
        if self.description:
            schema["description"] = self.description
        return schema


@dataclass(frozen=True, slots=True)
class Body:
    name: str  # the component name in the OpenAPI document
    props: dict[str, Prop]
    required: tuple[str, ...] = ()
    # Bodies that are whole documents (import) are checked by their own code, not field by field.
    free_form: bool = False
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def parse(self, raw: bytes) -> dict[str, Any]:
        """The body as a dict of known, type-checked fields; InvalidRequest naming the field."""
        value = parse_json(raw)
        if not isinstance(value, dict):
            raise InvalidRequest("the request body must be a JSON object")
        if self.free_form:
            return value
        unknown = sorted(set(value) - set(self.props))
        if unknown:
            raise InvalidRequest(
                f"{unknown[0]}: unknown field (allowed: {', '.join(sorted(self.props))})"
            )
        for name in self.required:
            if name not in value:
                raise InvalidRequest(f"{name}: required field is missing")
        return {name: self.props[name].check(name, v) for name, v in value.items()}

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "object"}
        if self.description:
            schema["description"] = self.description
        if self.free_form:
            return {**schema, **self.extra}
        schema["properties"] = {n: p.json_schema() for n, p in self.props.items()}
        schema["additionalProperties"] = False
        if self.required:
            schema["required"] = list(self.required)
        return schema


def parse_json(raw: bytes) -> Any:
    if not raw.strip():
        raise InvalidRequest("the request body is empty; send a JSON object")
    try:
        return orjson.loads(raw)  # strict and depth-limited: deep nesting is a 400, not a 500
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidRequest(f"the request body is not valid JSON ({exc})") from None
