"""The request runner: many requests to model servers, stored as they arrive, resumable.

Shared by evaluation (``lib.evaluate``) and synthetic-data generation. A *run* is a set of
requests kept in the store; running it sends the ones not answered yet and stores each answer
as it arrives (within 0.1 s, several per transaction), so a crash, a kill or a cancel loses
nothing that was finished — at most the answers of the last tenth of a second are asked again.

API (everything keyword-only after the store engine)::

    from lib import runner

    requests = [
        runner.Request(item="ex42|gpt-4o-mini", model="gpt-4o-mini", endpoint="chat",
                       body={"messages": [...], "temperature": 0, "max_tokens": 5,
                             "logprobs": True, "top_logprobs": 5},
                       meta={"gold": "positive"}),
        ...
    ]
    run_id = runner.create_run(engine, kind="synthetic", name="…", settings={...},
                               requests=requests, created_by="Ana")
    progress = runner.execute(engine, run_id, client_for=lambda model: openai_client,
                              options=runner.RunOptions(concurrency=16),
                              price=lambda model, p_tok, c_tok: dollars,
                              cancel=threading.Event(), on_progress=print)
    for result in runner.iter_results(engine, run_id):
        result.item, result.meta, result.output, result.logprobs, result.status, ...

- Statuses: a run is ``pending`` → ``running`` → ``done`` | ``cancelled`` | ``failed`` (or
  ``batch`` while with a Batch API); an item is ``pending`` | ``done`` | ``failed``.
- ``item`` is the caller's id, unique within the run; ``meta`` is any JSON the caller wants
  back with the result. ``body`` is the full request body *without* ``model``; ``endpoint`` is
  ``"chat"`` (``/chat/completions``) or ``"completions"`` (legacy ``/completions``).
- The *request key* is a hash of endpoint, model and full body. Answers are stored once per
  key (``runner_results``) and an identical request in any run is answered from the store
  (``RunOptions.use_cache``); identical requests inside one run are sent once.
- ``client_for(model)`` returns an ``openai.OpenAI`` (or ``AzureOpenAI``) client; the runner
  POSTs through the SDK's generic ``client.post`` (same auth, base URL, Azure routing and
  errors, without typed models: cheaper for thousands of requests) with ``max_retries=0`` and
  its own per-request timeout, and does its own retries: exponential
  backoff with jitter, honouring ``Retry-After``/``retry-after-ms``, on 408/409/429/5xx,
  timeouts and connection errors. Other errors (400, 401, 404 …) fail that item with the
  provider's message; ``execute`` retries failed items next time (``retry_failed``).
- Concurrency is a pool of ``RunOptions.concurrency`` threads; one writer (the calling thread)
  stores answers in small transactions, so SQLite sees one writer.
- Cancel with the ``cancel`` event or :func:`request_cancel` (a flag in the store, seen by the
  thread working on the run within about a second). :func:`execute` again resumes.
- :func:`start_background` runs :func:`execute` in a daemon thread of this process (the app
  uses it so a page reload shows progress from the store: :func:`get_progress`). A run has one
  owner at a time (process + thread with a heartbeat); a dead owner's run can be taken over.
- Batch API (half price): :func:`submit_batches` sends the unanswered requests as one batch per
  model (claimed in the store first, so never twice); :func:`collect_batches` stores the
  answers of completed batches (call it as often as you like); the run's status is ``batch``
  meanwhile. Price the run with the discount (the caller's ``price``).
- Logprobs are stored in one shape for both endpoints: a list, one entry per output token,
  ``{"token": str, "logprob": float, "top": [[token, logprob], ...]}``.
"""

from typing import TYPE_CHECKING

from lib.core.lazy import lazy_exports

if TYPE_CHECKING:
    from lib.runner.batch import batch_status, collect_batches, submit_batches
    from lib.runner.calls import (
        FAILURE_REASONS,
        Answer,
        ClientFor,
        Endpoint,
        Price,
        Request,
        RunOptions,
        backoff_s,
        call_with_retries,
        failure_kind,
        parse_response,
        request_key,
        retry_after_s,
    )
    from lib.runner.execute import ProgressCallback, execute, is_running_here, start_background
    from lib.runner.runs import (
        STALE_AFTER_S,
        ItemResult,
        Progress,
        RunInfo,
        count_stored,
        create_run,
        delete_run,
        failures,
        finish_reasons,
        get_progress,
        get_run,
        is_active,
        iter_results,
        list_runs,
        request_cancel,
        result_rows,
        runs_with_model,
        wait_until_finished,
    )

lazy_exports(
    __name__,
    {
        "batch_status": "lib.runner.batch",
        "collect_batches": "lib.runner.batch",
        "submit_batches": "lib.runner.batch",
        "FAILURE_REASONS": "lib.runner.calls",
        "Answer": "lib.runner.calls",
        "ClientFor": "lib.runner.calls",
        "Endpoint": "lib.runner.calls",
        "Price": "lib.runner.calls",
        "Request": "lib.runner.calls",
        "RunOptions": "lib.runner.calls",
        "backoff_s": "lib.runner.calls",
        "call_with_retries": "lib.runner.calls",
        "failure_kind": "lib.runner.calls",
        "parse_response": "lib.runner.calls",
        "request_key": "lib.runner.calls",
        "retry_after_s": "lib.runner.calls",
        "ProgressCallback": "lib.runner.execute",
        "execute": "lib.runner.execute",
        "is_running_here": "lib.runner.execute",
        "start_background": "lib.runner.execute",
        "STALE_AFTER_S": "lib.runner.runs",
        "ItemResult": "lib.runner.runs",
        "Progress": "lib.runner.runs",
        "RunInfo": "lib.runner.runs",
        "count_stored": "lib.runner.runs",
        "create_run": "lib.runner.runs",
        "delete_run": "lib.runner.runs",
        "failures": "lib.runner.runs",
        "finish_reasons": "lib.runner.runs",
        "get_progress": "lib.runner.runs",
        "get_run": "lib.runner.runs",
        "is_active": "lib.runner.runs",
        "iter_results": "lib.runner.runs",
        "list_runs": "lib.runner.runs",
        "request_cancel": "lib.runner.runs",
        "result_rows": "lib.runner.runs",
        "runs_with_model": "lib.runner.runs",
        "wait_until_finished": "lib.runner.runs",
    },
)

__all__ = [
    "FAILURE_REASONS",
    "failure_kind",
    "STALE_AFTER_S",
    "Answer",
    "ClientFor",
    "Endpoint",
    "ItemResult",
    "Price",
    "Progress",
    "ProgressCallback",
    "Request",
    "RunInfo",
    "RunOptions",
    "backoff_s",
    "batch_status",
    "collect_batches",
    "submit_batches",
    "call_with_retries",
    "count_stored",
    "create_run",
    "delete_run",
    "failures",
    "execute",
    "finish_reasons",
    "get_progress",
    "get_run",
    "is_active",
    "is_running_here",
    "iter_results",
    "result_rows",
    "list_runs",
    "parse_response",
    "request_cancel",
    "request_key",
    "retry_after_s",
    "runs_with_model",
    "start_background",
    "wait_until_finished",
]
