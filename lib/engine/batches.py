"""Batches: a JSONL of completion requests answered in the background, output keyed by custom_id.

Each input line is ``{"custom_id", "method": "POST", "url", "body"}``; answers go to an output
file (purpose ``batch_output``) and failed requests to an error file, as OpenAI's Batch API
does. A batch interrupted by a restart is run again from its first line.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from collections.abc import Sequence
from typing import Any

from lib.engine import completions
from lib.engine.errors import ApiError
from lib.engine.files import store_file
from lib.engine.state import new_id, now

log = logging.getLogger("tunelab.engine.batches")
ENDPOINTS = {
    "/v1/chat/completions": completions.chat_completion,
    "/v1/completions": completions.completion,
}


class BatchManager:
    """One worker thread that runs queued batches in order."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.state = engine.state
        self._queue: queue.Queue[str] = queue.Queue()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        for batch in reversed(self.state.list("batch")):
            if batch["status"] in ("validating", "in_progress", "finalizing"):
                self._queue.put(batch["id"])
            elif batch["status"] == "cancelling":
                self.state.update("batch", batch["id"], status="cancelled", cancelled_at=now())
        self._thread = threading.Thread(target=self._work, name="batch-worker", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def enqueue(self, batch_id: str) -> None:
        self._queue.put(batch_id)

    def _work(self) -> None:
        while not self._stopping.is_set():
            try:
                batch_id = self._queue.get(timeout=0.2)
            except queue.Empty:
                continue
            try:
                self._run(batch_id)
            except Exception as exc:  # a bug fails the batch, never the worker
                log.exception("batch %s crashed", batch_id)
                self._update(
                    batch_id,
                    status="failed",
                    failed_at=now(),
                    errors=_errors([("engine_error", str(exc), None)]),
                )

    def _update(self, batch_id: str, **changes: Any) -> dict[str, Any] | None:
        with self.state.transaction():
            batch = self.state.get("batch", batch_id)
            if batch is None or batch["status"] in ("cancelled", "failed", "completed"):
                return None
            if batch["status"] == "cancelling" and changes.get("status") not in ("cancelled", None):
                changes.pop("status", None)
            return self.state.update("batch", batch_id, **changes)

    def _parse(
        self, batch: dict[str, Any]
    ) -> tuple[list[dict[str, Any]], list[tuple[str, str, int]]]:
        text = self.state.file_path(batch["input_file_id"]).read_text(
            encoding="utf-8-sig", errors="replace"
        )
        requests, problems = [], []
        for number, raw in enumerate(text.splitlines(), start=1):
            if not raw.strip():
                continue
            try:
                item = json.loads(raw)
            except json.JSONDecodeError as exc:
                problems.append(
                    ("invalid_json_line", f"Line {number}: invalid JSON ({exc.msg}).", number)
                )
                continue
            if not isinstance(item, dict) or not isinstance(item.get("custom_id"), str):
                problems.append(
                    (
                        "missing_required_parameter",
                        f"Line {number}: 'custom_id' is required.",
                        number,
                    )
                )
            elif item.get("url") != batch["endpoint"]:
                problems.append(
                    ("invalid_url", f"Line {number}: url must be {batch['endpoint']}.", number)
                )
            elif not isinstance(item.get("body"), dict):
                problems.append(
                    (
                        "missing_required_parameter",
                        f"Line {number}: 'body' must be an object.",
                        number,
                    )
                )
            else:
                requests.append(item)
        ids = [r["custom_id"] for r in requests]
        if len(set(ids)) != len(ids):
            problems.append(
                ("duplicate_custom_id", "The input file contains duplicate custom_id values.", 0)
            )
        if not requests and not problems:
            problems.append(("empty_file", "The input file contains no requests.", 0))
        return requests, problems

    def _run(self, batch_id: str) -> None:
        batch = self.state.get("batch", batch_id)
        if batch is None or batch["status"] in ("cancelled", "failed", "completed"):
            return
        requests, problems = self._parse(batch)
        if problems:
            self._update(batch_id, status="failed", failed_at=now(), errors=_errors(problems))
            return
        counts = {"total": len(requests), "completed": 0, "failed": 0}
        if not self._update(
            batch_id, status="in_progress", in_progress_at=now(), request_counts=counts
        ):
            return
        handler = ENDPOINTS[batch["endpoint"]]
        outputs, failures = [], []
        for index, item in enumerate(requests):
            current = self.state.get("batch", batch_id)
            if self._stopping.is_set() or current is None or current["status"] == "cancelling":
                break
            line = {"id": new_id("batch_req_"), "custom_id": item["custom_id"], "error": None}
            try:
                body = handler(self.engine.registry, item["body"])
                line["response"] = {"status_code": 200, "request_id": new_id("req_"), "body": body}
                outputs.append(line)
                counts["completed"] += 1
            except ApiError as exc:
                line["response"] = {
                    "status_code": exc.status,
                    "request_id": new_id("req_"),
                    "body": exc.body(),
                }
                failures.append(line)
                counts["failed"] += 1
            if index % 20 == 0:
                self._update(batch_id, request_counts=counts)
        if self._stopping.is_set():
            return
        self._update(batch_id, status="finalizing", finalizing_at=now(), request_counts=counts)
        changes: dict[str, Any] = {"request_counts": counts}
        if outputs:
            changes["output_file_id"] = self._file(batch_id, outputs, "output")
        if failures:
            changes["error_file_id"] = self._file(batch_id, failures, "error")
        final = self.state.get("batch", batch_id)
        if final is not None and final["status"] == "cancelling":
            self._update(batch_id, status="cancelled", cancelled_at=now(), **changes)
        else:
            self._update(batch_id, status="completed", completed_at=now(), **changes)

    def _file(self, batch_id: str, lines: list[dict[str, Any]], kind: str) -> str:
        content = "".join(json.dumps(line) + "\n" for line in lines).encode("utf-8")
        obj = store_file(
            self.state, content=content, filename=f"{batch_id}_{kind}.jsonl", purpose="batch_output"
        )
        return str(obj["id"])


def _errors(problems: Sequence[tuple[str, str, int | None]]) -> dict[str, Any]:
    data = [
        {"code": c, "message": m, "param": None, "line": line or None}
        for c, m, line in problems[:100]
    ]
    return {"object": "list", "data": data}
