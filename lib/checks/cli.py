"""``python -m lib check FILE [--model M] [--json]``: findings for a file, and an exit code
for scripts: 0 nothing to act on, 1 errors or warnings found, 2 the file cannot be read."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from lib.checks import SEVERITIES, run_checks, view_from_file
from lib.checks.base import SEVERITY_HELP
from lib.core.errors import UserError
from lib.core.tokens import DEFAULT_MODEL

HELP = "check a dataset file for everything that would make fine-tuning fail or go wrong"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="CSV, TSV, XLSX, JSON, JSONL or TXT file")
    parser.add_argument(
        "--model",
        default=DEFAULT_MODEL,
        help=f"model whose encoding and context limit apply (default {DEFAULT_MODEL})",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def run(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.is_file():
        raise UserError(f"{path}: no such file")
    view = view_from_file(path, model=args.model)
    findings = run_checks(view)
    stats = view.tokens.summary()
    code = 1 if any(f.severity in ("error", "warning") for f in findings) else 0
    if args.json:
        print(
            json.dumps(
                {
                    "file": str(path),
                    "format": view.schema,
                    "examples": len(view),
                    "findings": [f.to_json() for f in findings],
                    "tokens": stats,
                },
                ensure_ascii=False,
            )
        )
        return code
    print(f"{path}: {len(view):,} examples, {view.schema} format")
    for severity in SEVERITIES:
        group = [f for f in findings if f.severity == severity]
        if not group:
            continue
        print(f"\n{severity.upper()} ({SEVERITY_HELP[severity]}):")
        for finding in group:
            fix = f" [fix: {finding.fix}]" if finding.fix else ""
            print(f"- {finding.check}: {finding.message}{fix}")
    about = "about " if stats["approximate"] else ""
    print(
        f"\nTokens with {stats['model']} ({stats['encoding']}"
        f"{', approximate: tokenizer files unavailable' if stats['approximate'] else ''}): "
        f"{about}{stats['total']:,} in all; per example min {stats['min']:,}, median "
        f"{stats['median']:,}, max {stats['max']:,}; context limit {stats['context_limit']:,}."
    )
    print(
        f"Default epochs {stats['epochs']}: a job would be billed for {about}"
        f"{stats['epochs'] * stats['billed_tokens_per_epoch']:,} training tokens."
    )
    if code == 0:
        print("\nNothing to fix: the file is ready for fine-tuning.")
    return code
