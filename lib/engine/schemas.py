"""Typed models of the request bodies the engine accepts, as OpenAI's API reference defines them.

Every parameter OpenAI documents for an endpoint is declared with its type (the openai SDK's
``*CreateParams`` list the same names), so a body OpenAI would refuse — a number where a string
goes, a message without a role, ``logprobs: "yes"``, an unknown key — is refused here too, with a
400 from :func:`lib.engine.validation.parse`. Parameters the engine does not use (tools,
penalties, ``user`` …) are checked for their type and otherwise ignored. Validation is strict:
no string is turned into a number or a boolean, as OpenAI does not either.

Limits the engine adds (``n`` ≤ 128, ``top_logprobs`` ≤ 20, legacy ``logprobs`` ≤ 5, up to four
stop sequences, the fine-tuning hyperparameter ranges) are OpenAI's where it documents them.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    model_validator,
)
from pydantic_core import PydanticCustomError
from starlette.datastructures import UploadFile

from lib.engine.trainer import MAX_BATCH_SIZE, MAX_EPOCHS

MAX_N = 128
MAX_TOP_LOGPROBS = 20
MAX_LEGACY_LOGPROBS = 5
MAX_TOKENS = 100_000
INT64 = 2**63
_SUFFIX = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


class Body(BaseModel):
    """A request body (or part of one): unknown keys and loose types are refused."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


def _missing(field: str) -> PydanticCustomError:
    return PydanticCustomError("missing_required_parameter", "missing", {"field": field})


Text = Annotated[str, Field(min_length=1)]
Object = dict[str, Any]
Stop = Text | Annotated[list[Text], Field(max_length=4)] | None
Temperature = Annotated[float, Field(ge=0, le=2)] | None
TopP = Annotated[float, Field(ge=0, le=1)] | None
Penalty = Annotated[float, Field(ge=-2, le=2)] | None
Count = Annotated[int, Field(ge=1, le=MAX_N)] | None
MaxTokens = Annotated[int, Field(ge=1, le=MAX_TOKENS)] | None
Seed = Annotated[int, Field(ge=-INT64, le=INT64 - 1)] | None


def _check_metadata(value: dict[str, str]) -> dict[str, str]:
    """OpenAI's metadata limits: 16 keys, 64-character keys, 512-character values."""
    if len(value) > 16 or any(len(k) > 64 or len(v) > 512 for k, v in value.items()):
        raise PydanticCustomError(
            "invalid_value",
            "'metadata' must map up to 16 keys (≤64 characters) to strings (≤512 characters).",
        )
    return value


Metadata = Annotated[dict[str, str], AfterValidator(_check_metadata)] | None


# ---------------------------------------------------------------------------- chat


class ContentPart(Body):
    """One part of a message's content; the engine reads the text and refusal parts."""

    type: Literal["text", "image_url", "input_audio", "file", "refusal"]
    text: str | None = None
    refusal: str | None = None
    image_url: Object | None = None
    input_audio: Object | None = None
    file: Object | None = None

    @model_validator(mode="after")
    def _has_its_value(self) -> ContentPart:
        if getattr(self, self.type) is None:  # a "text" part needs "text", and so on
            raise _missing(self.type)
        return self


class FunctionCall(Body):
    name: str
    arguments: str


class ToolCall(Body):
    id: str
    type: Literal["function", "custom"]
    function: FunctionCall | None = None
    custom: Object | None = None


class Message(Body):
    """A chat message: ``role`` always; ``content`` unless an assistant calls tools."""

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ContentPart] | None = None
    name: str | None = None
    tool_calls: list[ToolCall] | None = None
    tool_call_id: str | None = None
    function_call: FunctionCall | None = None
    refusal: str | None = None
    audio: Object | None = None

    @model_validator(mode="after")
    def _required_by_role(self) -> Message:
        if self.content is None and self.role != "assistant":
            raise _missing("content")
        if self.role == "tool" and self.tool_call_id is None:
            raise _missing("tool_call_id")
        return self


class SamplingOptions(Body):
    """What chat and legacy completions share."""

    model: Text
    temperature: Temperature = None
    top_p: TopP = None
    n: Count = None
    stop: Stop = None
    seed: Seed = None
    stream: bool | None = None
    stream_options: Object | None = None
    frequency_penalty: Penalty = None
    presence_penalty: Penalty = None
    logit_bias: dict[str, int] | None = None
    user: str | None = None


class ChatCompletionRequest(SamplingOptions):
    """``POST /v1/chat/completions``."""

    messages: Annotated[list[Message], Field(min_length=1)]
    logprobs: bool | None = None
    top_logprobs: Annotated[int, Field(ge=0, le=MAX_TOP_LOGPROBS)] | None = None
    max_tokens: MaxTokens = None
    max_completion_tokens: MaxTokens = None
    # documented by OpenAI, checked for type, not used by the engine
    audio: Object | None = None
    function_call: str | Object | None = None
    functions: list[Object] | None = None
    metadata: Metadata = None
    modalities: list[str] | None = None
    moderation: Any = None
    parallel_tool_calls: bool | None = None
    prediction: Object | None = None
    prompt_cache_key: str | None = None
    prompt_cache_options: Object | None = None
    prompt_cache_retention: str | None = None
    reasoning_effort: str | None = None
    response_format: Object | None = None
    safety_identifier: str | None = None
    service_tier: str | None = None
    store: bool | None = None
    tool_choice: str | Object | None = None
    tools: list[Object] | None = None
    verbosity: str | None = None
    web_search_options: Object | None = None


class CompletionRequest(SamplingOptions):
    """``POST /v1/completions`` (legacy): ``prompt`` a string or a list of strings."""

    prompt: str | Annotated[list[str], Field(min_length=1)]
    logprobs: Annotated[int, Field(ge=0, le=MAX_LEGACY_LOGPROBS)] | None = None
    max_tokens: MaxTokens = None
    echo: bool | None = None
    best_of: Count = None
    suffix: str | None = None


# ---------------------------------------------------------------------------- fine-tuning


def _auto_number(name: str, number: type, low: float, high: float) -> Any:
    """A hyperparameter: ``"auto"`` (or null) or a number between ``low`` and ``high``."""
    wanted = "an integer" if number is int else "a number"

    def check(value: Any) -> Any:
        if value is None or value == "auto":
            return "auto"
        ok = not isinstance(value, bool) and isinstance(value, (int, float))
        if ok and number is int and float(value) != int(value):
            ok = False
        if not ok or not low <= value <= high:
            code = "invalid_value" if ok or isinstance(value, (int, float)) else "invalid_type"
            raise PydanticCustomError(
                code,
                f"'{name}' must be \"auto\" or {wanted} between {low} and {high}; got {value!r}.",
            )
        return number(value)

    return Annotated[Any, PlainValidator(check)]


class Hyperparameters(Body):
    n_epochs: _auto_number("n_epochs", int, 1, MAX_EPOCHS) = "auto"  # type: ignore[valid-type]
    batch_size: _auto_number("batch_size", int, 1, MAX_BATCH_SIZE) = "auto"  # type: ignore[valid-type]
    learning_rate_multiplier: _auto_number("learning_rate_multiplier", float, 1e-4, 100.0) = (  # type: ignore[valid-type]
        "auto"
    )


class DpoHyperparameters(Hyperparameters):
    beta: _auto_number("beta", float, 1e-4, 2.0) = "auto"  # type: ignore[valid-type]


class Supervised(Body):
    hyperparameters: Hyperparameters | None = None


class Dpo(Body):
    hyperparameters: DpoHyperparameters | None = None


class Method(Body):
    type: Literal["supervised", "dpo", "reinforcement"]
    supervised: Supervised | None = None
    dpo: Dpo | None = None
    reinforcement: Object | None = None


def _check_suffix(value: str) -> str:
    if not _SUFFIX.match(value):
        raise PydanticCustomError(
            "invalid_value", "'suffix' must be 1–64 characters: letters, digits, '-', '_' or '.'."
        )
    return value


class JobCreateRequest(Body):
    """``POST /v1/fine_tuning/jobs``."""

    model: Text
    training_file: Text
    validation_file: Text | None = None
    suffix: Annotated[str, AfterValidator(_check_suffix)] | None = None
    seed: Annotated[int, Field(ge=0, le=2**31 - 1)] | None = None
    hyperparameters: Hyperparameters | None = None
    method: Method | None = None
    metadata: Metadata = None
    integrations: list[Object] | None = None


# ---------------------------------------------------------------------------- files, batches


class FileCreateRequest(Body):
    """``POST /v1/files`` (multipart form: ``file`` a file part, ``purpose`` a field)."""

    model_config = ConfigDict(arbitrary_types_allowed=True, populate_by_name=True)

    file: UploadFile
    purpose: Literal["fine-tune", "batch", "user_data"]
    expires_after_anchor: str | None = Field(None, alias="expires_after[anchor]")
    expires_after_seconds: str | None = Field(None, alias="expires_after[seconds]")


class BatchCreateRequest(Body):
    """``POST /v1/batches``."""

    input_file_id: Text
    endpoint: Literal["/v1/chat/completions", "/v1/completions"]
    completion_window: Literal["24h"]
    metadata: Metadata = None
    output_expires_after: Object | None = None
