"""Checking request bodies against typed models, and refusing them the way OpenAI does.

:func:`parse` validates a JSON body against a pydantic model of the request (see
:mod:`lib.engine.schemas`) and turns the first problem into a 400 in OpenAI's error shape, with
OpenAI's wording, ``param`` path and ``code``, as seen in its answers:

- ``Missing required parameter: 'messages[0].role'.`` (``missing_required_parameter``)
- ``Invalid type for 'messages[1].content': expected one of a string or array of objects, but
  got an object instead.`` (``invalid_type``)
- ``Invalid 'n': integer above maximum value. Expected a value <= 128, but got 130 instead.``
  (``integer_above_max_value``)
- ``Unknown parameter: 'web_search_options'.`` (``unknown_parameter``)
- ``Invalid value: 'other'. Supported values are: 'search', 'open_page', and 'find_in_page'.``
  (``invalid_value``, the key in ``param`` only)

(OpenAI's error bodies quoted in ServiceNow/TapeAgents#66, pydantic/pydantic-ai#2653,
thisisartium/continuous-alignment-testing#25, 64bit/async-openai#386, openai/codex#7085 and
songquanpeng/one-api#1319.) OpenAI reports one problem per request, so only the first is told.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from lib.engine.errors import ApiError

M = TypeVar("M", bound=BaseModel)

# pydantic error type -> what the field expected, in OpenAI's words
_EXPECTED = {
    "string_type": "a string",
    "int_type": "an integer",
    "float_type": "a number",
    "bool_type": "a boolean",
    "list_type": "an array",
    "dict_type": "an object",
    "model_type": "an object",
    "model_attributes_type": "an object",
    "is_instance_of": "a file",
}


def parse(model: type[M], body: Any) -> M:
    """``body`` as a ``model``, or an :class:`ApiError` (400) naming the first problem."""
    try:
        return model.model_validate(body, strict=True)
    except ValidationError as exc:
        raise to_api_error(exc, body) from None


@dataclass
class _Problem:
    param: list[str | int]  # where in the body, without pydantic's union tags
    tag: str | None  # the union member the error came from ("str", "list[TextPart]")
    error: ErrorDetails

    @property
    def is_type(self) -> bool:
        return self.error["type"] in _EXPECTED


def _locate(error: ErrorDetails, body: Any) -> tuple[list[str | int], str | None]:
    """The body path of a pydantic ``loc``, dropping the union-member tags pydantic inserts.

    A string in ``loc`` is a key when the value there is an object that has it (or, last, when
    the key is missing or unknown); otherwise it names a union member.
    """
    loc = error["loc"]
    absent = error["type"] in ("missing", "extra_forbidden")
    path: list[str | int] = []
    tag = None
    value = body
    for index, step in enumerate(loc):
        last = index == len(loc) - 1
        if isinstance(step, int) and isinstance(value, list) and 0 <= step < len(value):
            path.append(step)
            value, tag = value[step], None
        elif isinstance(value, dict) and (step in value or (last and absent)):
            path.append(step)
            value, tag = value.get(step), None
        else:
            tag = str(step)
    return path, tag


def param_text(path: list[str | int]) -> str:
    """``['messages', 0, 'content']`` → ``messages[0].content`` (OpenAI's spelling)."""
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _expected(problem: _Problem) -> str:
    """What a field expected; a union's list member says what the list holds."""
    text = _EXPECTED[problem.error["type"]]
    tag = problem.tag or ""
    if problem.error["type"] == "list_type" and tag.startswith("list["):
        strings = tag[5:].startswith(("str", "constrained-str"))
        return "array of strings" if strings else "array of objects"
    return text


def _pick(problems: list[_Problem]) -> list[_Problem]:
    """The problems to tell: those at the deepest path under the first problem's path (a union
    member that matched the value's type goes deeper than the members that did not)."""
    first = problems[0].param
    related = [p for p in problems if p.param[: len(first)] == first]
    deepest = max(len(p.param) for p in related)
    return [p for p in related if len(p.param) == deepest]


def _bound(ctx: dict[str, Any]) -> tuple[str, Any, bool]:
    for key, sign, above in (("le", "<=", True), ("lt", "<", True), ("ge", ">=", False)):
        if key in ctx:
            return sign, ctx[key], above
    return ">", ctx.get("gt"), False


def to_api_error(exc: ValidationError, body: Any) -> ApiError:
    """The first validation problem of ``exc`` as OpenAI would answer it."""
    problems = []
    for error in exc.errors(include_url=False):
        path, tag = _locate(error, body)
        problems.append(_Problem(path, tag, error))
    chosen = _pick(problems)
    param = param_text(chosen[0].param)
    if all(p.is_type for p in chosen):
        kinds = list(dict.fromkeys(_expected(p) for p in chosen))
        got = _kind(chosen[0].error["input"])
        if len(kinds) > 1:
            wanted = f"one of {' or '.join(kinds)}"
        else:
            wanted = f"an {kinds[0]}" if kinds[0].startswith("array of") else kinds[0]
        message = f"Invalid type for '{param}': expected {wanted}, but got {got} instead."
        return ApiError(400, message, param=param, code="invalid_type")
    problem = next(p for p in chosen if not p.is_type)
    return _value_error(problem, param)


def _value_error(problem: _Problem, param: str) -> ApiError:
    error = problem.error
    kind, ctx, value = error["type"], error.get("ctx") or {}, error["input"]
    if kind == "missing":
        return ApiError(
            400,
            f"Missing required parameter: '{param}'.",
            param=param,
            code="missing_required_parameter",
        )
    if kind == "extra_forbidden":
        return ApiError(
            400, f"Unknown parameter: '{param}'.", param=param, code="unknown_parameter"
        )
    if kind == "literal_error":  # OpenAI names the value here, and the key only in ``param``
        choices = re.split(r", | or ", str(ctx.get("expected", "")))
        supported = (
            ", ".join(choices[:-1]) + f", and {choices[-1]}"
            if len(choices) > 2
            else " and ".join(choices)
        )
        message = f"Invalid value: {value!r}. Supported values are: {supported}."
        return ApiError(400, message, param=param, code="invalid_value")
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        sign, limit, above = _bound(ctx)
        number = "decimal" if isinstance(limit, float) else "integer"
        limit = f"{limit:g}"
        where = "above maximum" if above else "below minimum"
        message = (
            f"Invalid '{param}': {number} {where} value. Expected a value {sign} {limit}, "
            f"but got {value} instead."
        )
        code = f"{number}_{'above_max' if above else 'below_min'}_value"
        return ApiError(400, message, param=param, code=code)
    if kind == "string_too_short":
        message = (
            f"Invalid '{param}': empty string. Expected a string with minimum length "
            f"{ctx.get('min_length')}, but got an empty string instead."
        )
        return ApiError(400, message, param=param, code="empty_string")
    if kind == "too_short" and ctx.get("actual_length") == 0:
        message = (
            f"Invalid '{param}': empty array. Expected an array with minimum length "
            f"{ctx.get('min_length')}, but got an empty array instead."
        )
        return ApiError(400, message, param=param, code="empty_array")
    if kind in ("too_short", "too_long"):
        bound = "minimum" if kind == "too_short" else "maximum"
        limit = ctx.get("min_length" if kind == "too_short" else "max_length")
        message = (
            f"Invalid '{param}': array too {kind[4:]}. Expected an array with {bound} length "
            f"{limit}, but got an array with length {ctx.get('actual_length')} instead."
        )
        code = "array_below_min_length" if kind == "too_short" else "array_above_max_length"
        return ApiError(400, message, param=param, code=code)
    # Our own checks (PydanticCustomError) carry OpenAI's code as their type and a full
    # sentence as their message; ``field`` names the key they are about.
    if ctx.get("field"):
        param = param_text([*problem.param, ctx["field"]])
        if kind == "missing_required_parameter":
            message = f"Missing required parameter: '{param}'."
            return ApiError(400, message, param=param, code=kind)
    return ApiError(400, str(error["msg"]), param=param, code=kind)
