"""The engine's settings: command-line flags override ``TUNELAB_ENGINE_*`` environment variables.

Fault injection (429s with Retry-After, 500s, added latency) exists so that clients' retry
paths can be tested against the real server; a seed makes the sequence of faults repeatable.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_PORT = 8765
DEFAULT_MAX_BODY_MB = 512.0


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    return float(raw) if raw not in (None, "") else default


@dataclass
class EngineConfig:
    data_dir: Path
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    max_body_mb: float = DEFAULT_MAX_BODY_MB
    fault_429: float = 0.0  # share of /v1 requests answered 429 with Retry-After
    fault_500: float = 0.0  # share of /v1 requests answered 500
    latency_ms: float = 0.0  # added to every /v1 request
    fault_seed: int | None = None
    retry_after_ms: int = 100
    train_step_delay_ms: float = 0.0  # slows training down (demos, restart tests)
    workers: int = 2  # fine-tuning jobs trained at the same time

    @property
    def max_body_bytes(self) -> int:
        return int(self.max_body_mb * 1024 * 1024)

    @classmethod
    def from_env(cls, data_dir: Path, **overrides: object) -> EngineConfig:
        """Settings from the environment; ``overrides`` that are not None win."""
        seed = os.environ.get("TUNELAB_ENGINE_FAULT_SEED")
        values: dict[str, object] = {
            "data_dir": data_dir,
            "max_body_mb": _env_float("TUNELAB_ENGINE_MAX_BODY_MB", DEFAULT_MAX_BODY_MB),
            "fault_429": _env_float("TUNELAB_ENGINE_FAULT_429", 0.0),
            "fault_500": _env_float("TUNELAB_ENGINE_FAULT_500", 0.0),
            "latency_ms": _env_float("TUNELAB_ENGINE_LATENCY_MS", 0.0),
            "fault_seed": int(seed) if seed else None,
            "retry_after_ms": int(_env_float("TUNELAB_ENGINE_RETRY_AFTER_MS", 100)),
            "train_step_delay_ms": _env_float("TUNELAB_ENGINE_TRAIN_STEP_DELAY_MS", 0.0),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        config = cls(**values)  # type: ignore[arg-type]
        for name in ("fault_429", "fault_500"):
            if not 0.0 <= getattr(config, name) <= 1.0:
                raise ValueError(f"{name} must be a rate between 0 and 1")
        return config
