"""The shape every provider adapter gives Tunelab: the part of the ``openai`` client it uses.

Launching, reconciling, watching, cancelling and listing models are written once, against
``client.files``, ``client.fine_tuning.jobs`` (with ``.checkpoints``) and ``client.models``
(design.md §4: provider-specific code builds the client and states capabilities). An adapter
answers those calls over its provider's own wire format with plain ``httpx2`` (the HTTP client
the ``openai`` SDK already brings) and returns the SDK's own types, with statuses in OpenAI's
vocabulary. Failures leave as the SDK's exception classes, so one translation
(:func:`lib.providers.translate_error`) words every provider's auth, quota and validation
errors. Requests are retried like the SDK does (408, 429 and 5xx, twice by default,
honouring ``Retry-After``).

An adapter implements :class:`Adapter`'s abstract methods; the resource classes here turn the
``openai``-style arguments into a :class:`JobSpec` and back.
"""

from __future__ import annotations

import hashlib
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx2
    import openai
    from openai.types import FileDeleted, FileObject, Model, ModelDeleted
    from openai.types.fine_tuning import FineTuningJob, FineTuningJobEvent
    from openai.types.fine_tuning.jobs import FineTuningJobCheckpoint

METADATA_KEY = "tunelab_key"  # the same name lib.train.request uses
# Retried like the SDK, except 409: Fireworks answers a repeated create with 409
# ALREADY_EXISTS, which is an answer, not a passing state.
RETRY_STATUSES = frozenset({408, 429})
MAX_RETRY_WAIT_S = 20.0


def key_tag(key: str) -> str:
    """A short, stable tag of an idempotency key for providers that keep no metadata: it
    travels in the job's suffix or name (14 characters, lowercase letters and digits)."""
    return "tl" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]


def jobs_of_key(
    raws: list[dict[str, Any]], key: str | None, make: Callable[[dict[str, Any]], FineTuningJob]
) -> list[FineTuningJob]:
    """Reconciling by listing, for providers that keep the key's tag in the job's suffix: the
    jobs that carry it (all when no key), newest first."""
    if key:
        tag = key_tag(key)
        raws = [r for r in raws if str(r.get("suffix") or "").endswith(tag)]
    return sorted((make(r) for r in raws), key=lambda j: (-j.created_at, j.id))


@dataclass(frozen=True, slots=True)
class JobSpec:
    """A fine-tuning job as Tunelab asks for it, in OpenAI's terms."""

    model: str
    training_file: str
    validation_file: str | None = None
    method: str = "supervised"
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    suffix: str | None = None
    seed: int | None = None
    key: str | None = None  # the idempotency key (metadata tunelab_key)


class Page(list):  # type: ignore[type-arg]
    """A whole listing as one page, iterable like the SDK's cursor pages."""

    @property
    def data(self) -> list[Any]:
        return list(self)

    def has_next_page(self) -> bool:
        return False

    def get_next_page(self) -> Page:
        return Page()


def status_error(response: httpx2.Response, message: str, *, code: str | None = None) -> Exception:
    """The ``openai`` exception for an HTTP error answer, carrying the provider's message.

    402 (payment required: out of credit) becomes a quota error, which is what it means to a
    person launching a job."""
    import openai

    body: dict[str, Any] = {"message": message, "code": code}
    status = response.status_code
    if status == 402:
        body["code"] = "insufficient_quota"
        return openai.RateLimitError(f"Payment required: {message}", response=response, body=body)
    classes: dict[int, type[openai.APIStatusError]] = {
        400: openai.BadRequestError,
        401: openai.AuthenticationError,
        403: openai.PermissionDeniedError,
        404: openai.NotFoundError,
        409: openai.ConflictError,
        412: openai.BadRequestError,  # failed precondition: the request cannot apply now
        422: openai.UnprocessableEntityError,
        429: openai.RateLimitError,
    }
    cls = classes.get(status)
    if cls is None:
        cls = openai.InternalServerError if status >= 500 else openai.APIStatusError
    return cls(message, response=response, body=body)


class Http:
    """A provider's HTTP API: bearer key, timeouts and the SDK's retry rules."""

    def __init__(
        self,
        base_url: str,
        key: str,
        *,
        timeout: float,
        max_retries: int,
        error_message: Any,
    ) -> None:
        import httpx2

        self.client = httpx2.Client(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {key}", "User-Agent": "tunelab"},
            timeout=timeout,
        )
        self.max_retries = max_retries
        self.error_message = error_message  # (response) -> (message, code)

    def call(self, method: str, path: str, **kwargs: Any) -> httpx2.Response:
        import httpx2
        import openai

        attempt = 0
        while True:
            try:
                response = self.client.request(method, path, **kwargs)
            except httpx2.TimeoutException:
                if attempt >= self.max_retries:
                    raise openai.APITimeoutError(request=self._request(method, path)) from None
            except httpx2.TransportError:
                if attempt >= self.max_retries:
                    raise openai.APIConnectionError(request=self._request(method, path)) from None
            else:
                retry = response.status_code in RETRY_STATUSES or response.status_code >= 500
                if response.is_success or not retry or attempt >= self.max_retries:
                    break
                time.sleep(_retry_after(response, attempt))
                attempt += 1
                continue
            time.sleep(_retry_after(None, attempt))
            attempt += 1
        if not response.is_success:
            message, code = self.error_message(response)
            raise status_error(response, message, code=code)
        return response

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.call(method, path, **kwargs)
        if not response.content:
            return {}
        return response.json()

    def _request(self, method: str, path: str) -> httpx2.Request:
        return self.client.build_request(method, path)

    def close(self) -> None:
        self.client.close()


def _retry_after(response: httpx2.Response | None, attempt: int) -> float:
    """The server's ``retry-after-ms`` / ``Retry-After`` if given, else 0.5 s doubled per try."""
    if response is not None:
        for header, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
            raw = response.headers.get(header)
            try:
                if raw is not None:
                    return min(MAX_RETRY_WAIT_S, max(0.0, float(raw) * scale))
            except ValueError:
                pass
    return min(MAX_RETRY_WAIT_S, 0.5 * 2**attempt)


def body_message(response: httpx2.Response) -> str:
    """Best-effort text of an error answer (JSON field or the raw body, shortened)."""
    try:
        return response.text[:500].strip() or response.reason_phrase
    except Exception:  # noqa: BLE001 - a body that cannot be read is still an error
        return response.reason_phrase


# ---------------------------------------------------------------------------- the SDK's types


def job_object(**fields: Any) -> FineTuningJob:
    from openai.types.fine_tuning import FineTuningJob

    values: dict[str, Any] = {
        "object": "fine_tuning.job", "organization_id": "", "result_files": [], "seed": 0,
        "hyperparameters": {}, "error": None, "fine_tuned_model": None, "finished_at": None,
        "trained_tokens": None, "validation_file": None, "estimated_finish": None,
        "integrations": None, "metadata": None,
    }  # fmt: skip
    values.update(fields)
    return FineTuningJob.construct(**values)


def event_object(**fields: Any) -> FineTuningJobEvent:
    from openai.types.fine_tuning import FineTuningJobEvent

    values: dict[str, Any] = {"object": "fine_tuning.job.event", "level": "info", "type": "message"}
    values.update(fields)
    return FineTuningJobEvent.construct(**values)


def checkpoint_object(**fields: Any) -> FineTuningJobCheckpoint:
    from openai.types.fine_tuning.jobs import FineTuningJobCheckpoint

    values: dict[str, Any] = {"object": "fine_tuning.job.checkpoint"}
    values.update(fields)
    return FineTuningJobCheckpoint.construct(**values)


def file_object(**fields: Any) -> FileObject:
    from openai.types import FileObject

    values: dict[str, Any] = {"object": "file", "purpose": "fine-tune", "status": "processed"}
    values.update(fields)
    return FileObject.construct(**values)


def model_object(*, fine_tuned: bool, fine_tunable: bool, **fields: Any) -> Model:
    """A model; ``fine_tuned`` / ``fine_tunable`` ride along as extra fields for pickers."""
    from openai.types import Model

    values: dict[str, Any] = {"object": "model", "owned_by": "", "created": 0}
    values.update(fields, fine_tuned=fine_tuned, fine_tunable=fine_tunable)
    return Model.construct(**values)


# ---------------------------------------------------------------------------- the adapter


class Adapter(ABC):
    """One provider's fine-tuning API behind the ``openai`` client's shape.

    Inference (``chat``, ``completions``, ``post``, ``with_options`` …) goes to ``inference``,
    an ordinary ``openai`` client on the provider's OpenAI-compatible endpoint, so the
    evaluation runner calls every provider the same way.
    """

    def __init__(self, http: Http, *, inference: openai.OpenAI | None = None) -> None:
        self.http = http
        self.inference = inference
        self.files = _Files(self)
        self.fine_tuning = _FineTuning(self)
        self.models = _Models(self)

    def __getattr__(self, name: str) -> Any:
        inference = self.__dict__.get("inference")
        if inference is None or name.startswith("__"):
            raise AttributeError(name)
        return getattr(inference, name)

    # files
    @abstractmethod
    def upload(self, filename: str, data: bytes) -> FileObject: ...

    @abstractmethod
    def get_file(self, file_id: str) -> FileObject: ...

    @abstractmethod
    def list_files(self) -> list[FileObject]: ...

    @abstractmethod
    def file_content(self, file_id: str) -> bytes: ...

    @abstractmethod
    def delete_file(self, file_id: str) -> None: ...

    # jobs
    @abstractmethod
    def create_job(self, spec: JobSpec) -> FineTuningJob: ...

    @abstractmethod
    def find_jobs(self, key: str | None) -> list[FineTuningJob]:
        """Jobs, newest first; with ``key``, only the one(s) launched with it."""

    @abstractmethod
    def get_job(self, job_id: str) -> FineTuningJob: ...

    @abstractmethod
    def cancel_job(self, job_id: str) -> FineTuningJob: ...

    @abstractmethod
    def job_events(self, job_id: str) -> list[FineTuningJobEvent]:
        """Events newest first, like OpenAI's; metrics as ``type="metrics"`` events."""

    @abstractmethod
    def job_checkpoints(self, job_id: str) -> list[FineTuningJobCheckpoint]: ...

    # models
    @abstractmethod
    def list_models(self) -> list[Model]: ...

    @abstractmethod
    def delete_model(self, model_id: str) -> None: ...

    def close(self) -> None:
        self.http.close()


class _Files:
    def __init__(self, adapter: Adapter) -> None:
        self._a = adapter

    def create(self, *, file: Any, purpose: str = "fine-tune", **_: Any) -> FileObject:
        if purpose != "fine-tune":
            raise ValueError("adapters upload fine-tuning data only")
        name, data = (file[0], file[1]) if isinstance(file, tuple) else ("data.jsonl", file)
        if hasattr(data, "read"):
            data = data.read()
        return self._a.upload(str(name), bytes(data))

    def retrieve(self, file_id: str, **_: Any) -> FileObject:
        return self._a.get_file(file_id)

    def list(self, *, purpose: str | None = None, **_: Any) -> Page:
        return Page(self._a.list_files())

    def content(self, file_id: str, **_: Any) -> httpx2.Response:
        import httpx2

        return httpx2.Response(200, content=self._a.file_content(file_id))

    def delete(self, file_id: str, **_: Any) -> FileDeleted:
        from openai.types import FileDeleted

        self._a.delete_file(file_id)
        return FileDeleted.construct(id=file_id, object="file", deleted=True)


class _Checkpoints:
    def __init__(self, adapter: Adapter) -> None:
        self._a = adapter

    def list(self, job_id: str, **_: Any) -> Page:
        return Page(self._a.job_checkpoints(job_id))


class _Jobs:
    def __init__(self, adapter: Adapter) -> None:
        self._a = adapter
        self.checkpoints = _Checkpoints(adapter)

    def create(
        self,
        *,
        model: str,
        training_file: str,
        validation_file: str | None = None,
        method: Mapping[str, Any] | None = None,
        hyperparameters: Mapping[str, Any] | None = None,
        metadata: Mapping[str, str] | None = None,
        suffix: str | None = None,
        seed: int | None = None,
        **_: Any,
    ) -> FineTuningJob:
        kind = str((method or {}).get("type") or "supervised")
        inner = (method or {}).get(kind) or {}
        hyper = dict(inner.get("hyperparameters") or hyperparameters or {})
        spec = JobSpec(
            model=model, training_file=training_file, validation_file=validation_file,
            method=kind, hyperparameters={k: v for k, v in hyper.items() if v not in (None, "auto")},
            suffix=suffix, seed=seed, key=(metadata or {}).get(METADATA_KEY),
        )  # fmt: skip
        return self._a.create_job(spec)

    def list(self, *, metadata: Mapping[str, str] | None = None, **_: Any) -> Page:
        key = (metadata or {}).get(METADATA_KEY)
        return Page(self._a.find_jobs(key))

    def retrieve(self, job_id: str, **_: Any) -> FineTuningJob:
        return self._a.get_job(job_id)

    def cancel(self, job_id: str, **_: Any) -> FineTuningJob:
        return self._a.cancel_job(job_id)

    def list_events(self, job_id: str, **_: Any) -> Page:
        return Page(self._a.job_events(job_id))

    def pause(self, job_id: str, **_: Any) -> FineTuningJob:
        raise NotImplementedError("this provider cannot pause jobs")

    resume = pause


class _FineTuning:
    def __init__(self, adapter: Adapter) -> None:
        self.jobs = _Jobs(adapter)


class _Models:
    def __init__(self, adapter: Adapter) -> None:
        self._a = adapter

    def list(self, **_: Any) -> Page:
        return Page(self._a.list_models())

    def delete(self, model_id: str, **_: Any) -> ModelDeleted:
        from openai.types import ModelDeleted

        self._a.delete_model(model_id)
        return ModelDeleted.construct(id=model_id, object="model", deleted=True)


def iter_pages(first: Any, fetch: Any, *, limit: int = 50) -> Iterator[Any]:
    """Items of a token-paged listing: ``fetch(token)`` → (items, next token or "")."""
    token = first
    for _ in range(limit):
        items, token = fetch(token)
        yield from items
        if not token:
            return
