"""Metrics series from OpenAI's result file (plain or base64) and from events."""

from __future__ import annotations

import base64

from lib.train.watch import parse_result_file

RESULT_CSV = (
    "step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy\n"
    "1,1.5,0.25,,\n"
    "2,1.25,0.5,1.75,0.4\n"
    "3,0.75,0.75,,\n"
)


def test_plain_result_file():
    points = parse_result_file(RESULT_CSV.encode())
    assert points == [
        {"step": 1, "train_loss": 1.5, "train_accuracy": 0.25},
        {
            "step": 2,
            "train_loss": 1.25,
            "train_accuracy": 0.5,
            "valid_loss": 1.75,
            "valid_accuracy": 0.4,
        },
        {"step": 3, "train_loss": 0.75, "train_accuracy": 0.75},
    ]


def test_base64_result_file_reads_the_same():
    encoded = base64.b64encode(RESULT_CSV.encode())
    assert parse_result_file(encoded) == parse_result_file(RESULT_CSV)


def test_unreadable_result_file_gives_no_points():
    assert parse_result_file(b"\x00\x01 not a csv") == []
    assert parse_result_file(b"") == []
