"""Training files: a snapshot's split as the JSONL a provider expects, and uploading it once.

The bytes are written by the export writers (``lib.datasets.export``), so an uploaded file is
byte for byte what the "Snapshots & export" screen downloads. Their sha256 identifies them:
the same bytes already uploaded to the same provider (and still there) are reused, including
a file an interrupted launch uploaded but never recorded (found by its name and size).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Engine

from lib.core.errors import UserError
from lib.core.tokens import is_legacy_completion_model
from lib.providers.service import ProviderConfig
from lib.snapshots.service import SnapshotInfo
from lib.train.repo import UploadRow, add_upload, find_uploads, forget_upload

if TYPE_CHECKING:
    import openai

MAX_FILES_SCANNED = 1_000  # how far back an orphaned upload is looked for


@dataclass(frozen=True, slots=True)
class TrainingFile:
    snapshot_id: int
    split: str
    file_format: str  # chat / completion / preference
    filename: str
    data: bytes
    sha256: str
    n_examples: int


def file_format(*, schema: str, method: str, model: str) -> str:
    """The JSONL flavour a job needs: DPO pairs, legacy prompt/completion, or chat."""
    if method == "dpo":
        if schema != "preference":
            raise UserError(
                "DPO trains on preference data (a preferred and a non-preferred answer per "
                "prompt); this snapshot holds "
                f"{schema} examples — use the supervised method"
            )
        return "preference"
    if is_legacy_completion_model(model):
        return "completion"
    return "chat"


def _split_bytes(
    engine: Engine, snapshot: SnapshotInfo, split: str, *, target: str, method: str
) -> bytes:
    from lib.snapshots.service import export_bytes, openai_jsonl_bytes, snapshot_export

    if target == "completion":
        return export_bytes(snapshot_export(engine, snapshot.id, split), "completion").data
    return openai_jsonl_bytes(engine, snapshot.id, split, method=method)


def training_files(
    engine: Engine, snapshot: SnapshotInfo, *, method: str, model: str, splits: tuple[str, ...]
) -> dict[str, TrainingFile]:
    """The JSONL of each split, written by the export writers."""
    for split in splits:
        if snapshot.sizes.get(split, 0) == 0:
            raise UserError(f"snapshot {snapshot.name!r} has no {split} examples")
    target = file_format(schema=snapshot.schema, method=method, model=model)
    out: dict[str, TrainingFile] = {}
    for split in splits:
        data = _split_bytes(engine, snapshot, split, target=target, method=method)
        digest = hashlib.sha256(data).hexdigest()
        out[split] = TrainingFile(
            snapshot_id=snapshot.id,
            split=split,
            file_format=target,
            filename=f"tunelab-snapshot{snapshot.id}-{split}-{target}-{digest[:12]}.jsonl",
            data=data,
            sha256=digest,
            n_examples=data.count(b"\n"),
        )
    return out


def _still_there(client: openai.OpenAI, file_id: str) -> bool:
    import openai

    try:
        found = client.files.retrieve(file_id)
    except openai.NotFoundError:
        return False
    return getattr(found, "status", None) != "error"


def _orphan(client: openai.OpenAI, training: TrainingFile) -> Any | None:
    """A file with our name and size that an interrupted launch uploaded without recording."""
    listing = client.files.list(purpose="fine-tune")
    for item in islice(listing, MAX_FILES_SCANNED):
        same = item.filename == training.filename and int(item.bytes or 0) == len(training.data)
        if same and getattr(item, "status", None) != "error":
            return item
    return None


def upload_file(
    engine: Engine, client: openai.OpenAI, config: ProviderConfig, training: TrainingFile
) -> UploadRow:
    """The provider's file for these bytes: an earlier upload if it is still there, else new."""
    with engine.connect() as conn:
        earlier = find_uploads(conn, provider=config.name, sha256=training.sha256)
    for upload in earlier:
        if _still_there(client, upload.file_id):
            return upload
        forget_upload(engine, upload.id)
    found = _orphan(client, training)
    if found is None:
        found = client.files.create(
            file=(training.filename, training.data, "application/jsonl"), purpose="fine-tune"
        )
    return add_upload(
        engine,
        provider=config.name,
        file_id=found.id,
        snapshot_id=training.snapshot_id,
        split=training.split,
        file_format=training.file_format,
        filename=training.filename,
        bytes=len(training.data),
        sha256=training.sha256,
        n_examples=training.n_examples,
    )
