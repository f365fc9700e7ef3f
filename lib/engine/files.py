"""The engine's stored files: what the Files API serves and what jobs and batches write
(result files, batch outputs). Kept apart from the HTTP routes in ``files_api`` so that jobs
and batches need no route module.
"""

from __future__ import annotations

from typing import Any

from lib.engine.errors import ApiError
from lib.engine.state import State, new_id, now


def file_not_found(file_id: str) -> ApiError:
    return ApiError(404, f"No such File object: {file_id}", param="id", code="file_not_found")


def store_file(state: State, *, content: bytes, filename: str, purpose: str) -> dict[str, Any]:
    """Keep the bytes and describe them as a ``file`` object (also used for outputs)."""
    file_id = new_id("file-")
    path = state.file_path(file_id)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(content)
    tmp.replace(path)
    obj = {
        "id": file_id,
        "object": "file",
        "bytes": len(content),
        "created_at": now(),
        "filename": filename,
        "purpose": purpose,
        "status": "processed",
        "status_details": None,
        "expires_at": None,
    }
    return state.put("file", obj)


def get_file(state: State, file_id: str) -> dict[str, Any]:
    obj = state.get("file", file_id)
    if obj is None:
        raise file_not_found(file_id)
    return obj
