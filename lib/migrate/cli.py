"""``python -m lib migrate``: move a fine-tuned model off its provider, from the command line.

- ``migrate inventory [--provider NAME | --base-url URL] [--json]``: every fine-tuned model of
  the account, soonest shutdown first. ``--json`` prints exactly::

    {"models": [{"id", "base_model", "shutdown_date", "job", "training_file",
                 "validation_file", "hyperparameters", "trained_tokens", "created_at"}]}

- ``migrate pull MODEL [--provider NAME | --base-url URL] [--json]``: the job's training and
  validation files as datasets (with lineage); ``--json`` prints ``{"datasets": [{"role",
  "file_id", "status", "dataset_id", "dataset", "n_examples", "sha256", "source"}]}``.

``--base-url`` is an API speaking OpenAI's wire format at another address (a proxy, or the
built-in engine standing in); no key is sent unless ``--api-key-env NAME`` names the variable
holding it (``OPENAI_API_KEY`` goes only to OpenAI's own API). ``--provider`` names a provider
configured in the app; neither: the default provider.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

HELP = "move a fine-tuned model off its provider: inventory, pull its training data"
INVENTORY_FIELDS = (
    "id", "base_model", "shutdown_date", "job", "training_file", "validation_file",
    "hyperparameters", "trained_tokens", "created_at",
)  # fmt: skip


def _account_options(parser: argparse.ArgumentParser) -> None:
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--provider", default=None, metavar="NAME", help="a configured provider")
    where.add_argument(
        "--base-url", default=None, metavar="URL",
        help="an OpenAI-wire API at this address (no key sent unless --api-key-env names one)",
    )  # fmt: skip
    parser.add_argument(
        "--api-key-env", default=None, metavar="NAME",
        help="environment variable holding the key to send to --base-url",
    )  # fmt: skip
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    inventory = sub.add_parser("inventory", help="every fine-tuned model, soonest shutdown first")
    _account_options(inventory)
    pull = sub.add_parser("pull", help="the job's training and validation files as datasets")
    pull.add_argument("model", help="the fine-tuned model's id (ft:…)")
    _account_options(pull)


def _days(days: int | None) -> str:
    if days is None:
        return "no shutdown date known"
    return f"{days} days left" if days >= 0 else f"shut down {-days} days ago"


def run(args: argparse.Namespace) -> int:
    from lib.core.db import get_engine
    from lib.core.identity import CLI_ACTOR
    from lib.migrate import service as migrate

    engine = get_engine()
    config = migrate.account(
        engine, provider=args.provider, base_url=args.base_url, key_env=args.api_key_env
    )
    if args.action == "inventory":
        found = migrate.inventory(engine, config, secrets=None, actor=CLI_ACTOR)
        if args.json:
            rows = [{k: m.as_json()[k] for k in INVENTORY_FIELDS} for m in found]
            print(json.dumps({"models": rows}, ensure_ascii=False))
            return 0
        if not found:
            print(f"{config.name}: no fine-tuned models")
        for m in found:
            print(
                f"{m.id}  base={m.base_model}  shutdown={m.shutdown_date or '?'} "
                f"({_days(m.days_left)})  job={m.job or '?'}  "
                f"files={m.training_file or '-'},{m.validation_file or '-'}"
            )
        return 0
    pulled = migrate.pull(engine, config, args.model, secrets=None, actor=CLI_ACTOR)
    if args.json:
        out: dict[str, Any] = {"datasets": [p.as_json() for p in pulled]}
        print(json.dumps(out, ensure_ascii=False))
        return 0
    for p in pulled:
        made = (
            f" → dataset {p.dataset_id} {p.dataset_name!r} ({p.n_examples} examples)"
            if p.dataset_id
            else ""
        )
        print(f"{p.role}: {p.file_id or '-'} {p.status}{made}")
        if p.status == "deleted at provider":
            print("  attach a local copy on the screen Train → Move a fine-tuned model")
    return 0
