"""Benchmark: ``python -m lib prepare`` against the legacy ``prepare_data`` (openai 0.28.1),
and ``python -m lib check`` on chat data against a per-example loop in the cookbook's style.

Run: ``python bench/prepare_bench.py [--rows 200000] [--chat-rows 100000] [--repeat 3]`` (0 rows
skips a part; every side runs ``--repeat`` times, interleaved, best kept). Each program runs
in its own subprocess; wall time and peak memory (max RSS of the child) are printed with the
ratio. The legacy tool runs in a virtual environment made once (tests/unit/checks/legacy_tool).
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TIKTOKEN_DIR = REPO.parent / "shared" / "tiktoken"

# The cookbook's chat format checks and token counts, as the notebook writes them: one Python
# loop per example (with the crash on non-string values avoided so that it can finish).
COOKBOOK = r"""
import json, sys
from collections import defaultdict
import numpy as np
import tiktoken
encoding = tiktoken.get_encoding("cl100k_base")
with open(sys.argv[1], encoding="utf-8") as f:
    dataset = [json.loads(line) for line in f]
format_errors = defaultdict(int)
for ex in dataset:
    if not isinstance(ex, dict):
        format_errors["data_type"] += 1; continue
    messages = ex.get("messages", None)
    if not messages:
        format_errors["missing_messages_list"] += 1; continue
    for message in messages:
        if "role" not in message or "content" not in message:
            format_errors["message_missing_key"] += 1
        if any(k not in ("role", "content", "name", "function_call", "weight") for k in message):
            format_errors["message_unrecognized_key"] += 1
        if message.get("role", None) not in ("system", "user", "assistant", "function"):
            format_errors["unrecognized_role"] += 1
        content = message.get("content", None)
        function_call = message.get("function_call", None)
        if (not content and not function_call) or not isinstance(content, str):
            format_errors["missing_content"] += 1
    if not any(message.get("role", None) == "assistant" for message in messages):
        format_errors["example_missing_assistant_message"] += 1
def num_tokens_from_messages(messages, tokens_per_message=3, tokens_per_name=1):
    num_tokens = 0
    for message in messages:
        num_tokens += tokens_per_message
        for key, value in message.items():
            num_tokens += len(encoding.encode(value if isinstance(value, str) else json.dumps(value)))
            if key == "name":
                num_tokens += tokens_per_name
    num_tokens += 3
    return num_tokens
def num_assistant_tokens_from_messages(messages):
    return sum(len(encoding.encode(m["content"])) for m in messages if m["role"] == "assistant")
n_missing_system = n_missing_user = 0
n_messages, convo_lens, assistant_message_lens = [], [], []
for ex in dataset:
    messages = ex["messages"]
    if not any(m["role"] == "system" for m in messages): n_missing_system += 1
    if not any(m["role"] == "user" for m in messages): n_missing_user += 1
    n_messages.append(len(messages))
    convo_lens.append(num_tokens_from_messages(messages))
    assistant_message_lens.append(num_assistant_tokens_from_messages(messages))
n_too_long = sum(l > 16385 for l in convo_lens)
print(json.dumps({"errors": dict(format_errors), "tokens": int(np.sum(convo_lens)), "too_long": n_too_long}))
"""


def _legacy_tool():
    spec = importlib.util.spec_from_file_location(
        "legacy_tool", REPO / "tests" / "unit" / "checks" / "legacy_tool.py"
    )
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def measure(
    cmd: list[str], *, cwd: Path, env: dict[str, str] | None = None, keep: Path | None = None
) -> Run:
    """Wall seconds, CPU seconds (user + system) and peak MiB of one program, run from a
    fresh helper process so that the child's figures are its own. CPU time includes the
    processes the program forks and waits for; peak MiB is the largest single process
    (``ru_maxrss`` of waited-for children is a maximum, not a sum). ``keep``: file for the
    program's standard output."""
    out_target = f"open({str(keep)!r}, 'wb')" if keep else "subprocess.DEVNULL"
    helper = (
        "import json, resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        f"r = subprocess.run(sys.argv[1:], stdout={out_target}, stderr=subprocess.PIPE)\n"
        "dt = time.perf_counter() - t\n"
        "if r.returncode not in (0, 1): sys.stderr.write(r.stderr.decode()[-3000:]); sys.exit(3)\n"
        "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "print(json.dumps([dt, u.ru_utime + u.ru_stime, u.ru_maxrss / 1024]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", helper, *cmd], cwd=cwd, env=env, capture_output=True, text=True
    )
    if out.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed: {out.stderr}")
    return Run(*json.loads(out.stdout))


@dataclass(frozen=True)
class Run:
    wall: float
    cpu: float
    mib: float


def row(name: str, run: Run) -> str:
    return f"  {name:<44} {run.wall:8.2f} s wall {run.cpu:8.2f} s CPU {run.mib:7.0f} MiB"


def ratio(reference: Run, ours: Run) -> str:
    return (
        f"speed-up {reference.wall / ours.wall:.1f}× wall, {reference.cpu / ours.cpu:.1f}× CPU; "
        f"memory {ours.mib / reference.mib:.2f}× of the reference"
    )


def _words() -> list[str]:
    """A few hundred real words to build examples from (this file's own text)."""
    text = Path(__file__).read_text(encoding="utf-8")
    return [w for w in text.split() if w.isalpha()][:400]


def make_completion_csv(path: Path, rows: int) -> None:
    rng = random.Random(1)
    words = _words()
    classes = [f"class {i}" for i in range(12)]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["prompt", "completion"])
        for _ in range(rows):
            prompt = " ".join(rng.choice(words) for _ in range(rng.randint(8, 40)))
            writer.writerow([prompt, rng.choice(classes)])


def make_chat_jsonl(path: Path, rows: int) -> None:
    rng = random.Random(2)
    words = _words()
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(rows):
            messages = [
                {"role": "system", "content": "You answer questions about the product."},
                {
                    "role": "user",
                    "content": " ".join(rng.choice(words) for _ in range(rng.randint(5, 30))),
                },
                {
                    "role": "assistant",
                    "content": " ".join(rng.choice(words) for _ in range(rng.randint(5, 60))),
                },
            ]
            if i % 50 == 0:
                messages.pop(0)
            handle.write(json.dumps({"messages": messages}) + "\n")


CHAT_AIM = 3.5  # × faster (wall) than the cookbook loop, with less peak memory


def best(runs: list[Run]) -> Run:
    """The fastest of repeated runs (least disturbed by other work on a shared machine), with
    the largest peak memory seen."""
    return Run(min(r.wall for r in runs), min(r.cpu for r in runs), max(r.mib for r in runs))


def chat_section(folder: Path, rows: int, repeat: int, env: dict[str, str]) -> None:
    print(f"\nchat: {rows:,} examples (JSONL; format checks + exact token counts)")
    chat = folder / "chat.jsonl"
    make_chat_jsonl(chat, rows)
    (folder / "cookbook.py").write_text(COOKBOOK)
    cook_runs: list[Run] = []
    check_runs: list[Run] = []
    for attempt in range(repeat):  # interleaved, so that both sides meet the same load
        cook_runs.append(
            measure(
                [sys.executable, str(folder / "cookbook.py"), str(chat)],
                cwd=folder,
                env=env,
                keep=folder / "cookbook.out",
            )
        )
        check_runs.append(
            measure(
                [sys.executable, "-m", "lib", "check", str(chat), "--json", "--model",
                 "gpt-3.5-turbo"],
                cwd=folder,
                env=env,
                keep=folder / "check.out",
            )
        )  # fmt: skip
        print(row(f"cookbook loop, run {attempt + 1}", cook_runs[-1]))
        print(row(f"python -m lib check --json, run {attempt + 1}", check_runs[-1]))
    t_cook, t_check = best(cook_runs), best(check_runs)
    cook_tokens = json.loads((folder / "cookbook.out").read_text())["tokens"]
    our_tokens = json.loads((folder / "check.out").read_text())["tokens"]["total"]
    print(row("cookbook-style per-example loop (best)", t_cook))
    print(row("python -m lib check --json (all checks, best)", t_check))
    print(f"  token totals: cookbook {cook_tokens:,}, ours {our_tokens:,}", end="")
    print(" (equal)" if cook_tokens == our_tokens else " (DIFFERENT)")
    print(f"  check: {ratio(t_cook, t_check)}")
    print(
        "  (CPU counts every process; peak memory is the largest single process: the check "
        "scans on one process per core, each about as large as the one shown)"
    )
    speed = t_cook.wall / t_check.wall
    met = speed >= CHAT_AIM and t_check.mib < t_cook.mib
    print(
        f"  aim ≥ {CHAT_AIM}× wall with less memory: {'met' if met else 'NOT met'} "
        f"({speed:.1f}×, {t_check.mib:.0f} MiB vs {t_cook.mib:.0f} MiB)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=200_000, help="0: skip prompt/completion")
    parser.add_argument("--chat-rows", type=int, default=100_000, help="0: skip chat")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each side")
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    if TIKTOKEN_DIR.is_dir():
        env.setdefault("TIKTOKEN_CACHE_DIR", str(TIKTOKEN_DIR))
    # Like an installed copy: byte code cached (the legacy package was compiled by pip).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "tunelab_bench_pycache")
    subprocess.run(
        [sys.executable, "-m", "lib", "--help"], env=env, capture_output=True, check=True
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if args.rows:
            completion_section(folder, args.rows, env, args.repeat)
        if args.chat_rows:
            chat_section(folder, args.chat_rows, args.repeat, env)


PREPARE_AIM = 10.0  # × faster (wall) than the legacy tool, with less peak memory
TOKENS_AIM = 5.0  # × faster (wall) than the legacy tool, exact token counts included


def completion_section(folder: Path, rows: int, env: dict[str, str], repeat: int = 1) -> None:
    legacy = _legacy_tool()
    legacy_python = legacy.legacy_python(legacy.default_folder())
    print(f"prompt/completion: {rows:,} rows (CSV, 12 classes → split train/valid)")
    for name in ("legacy", "ours", "tokens"):
        (folder / name).mkdir()
        make_completion_csv(folder / name / "data.csv", rows)
    code = "import sys; from openai._openai_scripts import main; sys.exit(main())"
    sides = {
        "legacy": [str(legacy_python), "-c", code, "tools", "fine_tunes.prepare_data"]
        + ["-f", "data.csv", "-q"],
        "ours": [sys.executable, "-m", "lib", "prepare", "data.csv", "-q"],
        "tokens": [sys.executable, "-m", "lib", "prepare", "data.csv", "-q", "--tokens"]
        + ["--model", "babbage-002"],
    }
    runs: dict[str, list[Run]] = {name: [] for name in sides}
    for attempt in range(repeat):  # interleaved, so that every side meets the same load
        for name, cmd in sides.items():
            for old in (folder / name).glob("data_prepared*.jsonl"):
                old.unlink()  # else the next run writes "data_prepared_train (1).jsonl"
            runs[name].append(
                measure(
                    cmd,
                    cwd=folder / name,
                    env=None if name == "legacy" else env,
                    keep=folder / f"{name}.out",
                )
            )
            print(row(f"{name}, run {attempt + 1}", runs[name][-1]))
    for name in ("_train", "_valid"):
        theirs = (folder / "legacy" / f"data_prepared{name}.jsonl").read_bytes()
        for side in ("ours", "tokens"):
            ours = (folder / side / f"data_prepared{name}.jsonl").read_bytes()
            print(
                f"  data_prepared{name}.jsonl of {side} identical to the legacy file: {theirs == ours}"
            )
    # What each interpreter costs before any work: a .pth file in one side's site-packages
    # (e.g. one that imports a package at every start) is paid by that side alone.
    starts = {
        name: best([measure([cmd[0], "-c", "pass"], cwd=folder) for _ in range(5)])
        for name, cmd in (("legacy", sides["legacy"]), ("ours", sides["ours"]))
    }
    print(
        f"  interpreter start (python -c pass): legacy's venv {starts['legacy'].wall * 1000:.0f} ms,"
        f" ours ({sys.executable}) {starts['ours'].wall * 1000:.0f} ms"
    )
    tokens_line = [
        line for line in (folder / "tokens.out").read_text().splitlines() if "Tokens" in line
    ]
    print(f"  {tokens_line[0] if tokens_line else 'no token line printed'}")
    t_legacy, t_ours, t_tokens = best(runs["legacy"]), best(runs["ours"]), best(runs["tokens"])
    print(row("legacy prepare_data -q (openai 0.28.1), best", t_legacy))
    print(row("python -m lib prepare -q, best", t_ours))
    print(row("python -m lib prepare -q --tokens (exact), best", t_tokens))
    print(f"  prepare: {ratio(t_legacy, t_ours)}")
    print(f"  prepare with exact tokens: {ratio(t_legacy, t_tokens)}")
    for label, ours, aim in (
        ("prepare", t_ours, PREPARE_AIM),
        ("with tokens", t_tokens, TOKENS_AIM),
    ):
        speed = t_legacy.wall / ours.wall
        met = speed >= aim and ours.mib < t_legacy.mib
        print(
            f"  aim for {label} ≥ {aim:g}× wall with less memory: {'met' if met else 'NOT met'} "
            f"({speed:.1f}×, {ours.mib:.0f} MiB vs {t_legacy.mib:.0f} MiB)"
        )


if __name__ == "__main__":
    start = time.perf_counter()
    main()
    print(
        f"\n(bench ran {time.perf_counter() - start:.0f} s; load average now {os.getloadavg()[0]:.1f})"
    )
