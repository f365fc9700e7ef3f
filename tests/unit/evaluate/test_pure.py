"""Pure pieces: response parsing for both endpoints, prices, CSV safety, label sets."""

from __future__ import annotations

import pytest

from lib import runner
from lib.core.pricing import default_table
from lib.evaluate.report import safe_cell
from lib.evaluate.testset import label_set

CHAT = {
    "choices": [
        {
            "message": {"role": "assistant", "content": " 4"},
            "finish_reason": "stop",
            "logprobs": {
                "content": [
                    {
                        "token": " 4",
                        "logprob": -0.017,
                        "top_logprobs": [
                            {"token": " 4", "logprob": -0.017},
                            {"token": " 5", "logprob": -4.1},
                        ],
                    }
                ]
            },
        }
    ],
    "usage": {"prompt_tokens": 12, "completion_tokens": 1},
}
LEGACY = {
    "choices": [
        {
            "text": " 4",
            "finish_reason": "stop",
            "logprobs": {
                "tokens": [" 4"],
                "token_logprobs": [-0.017],
                "top_logprobs": [{" 5": -4.1, " 4": -0.017}],
            },
        }
    ],
    "usage": {"prompt_tokens": 12, "completion_tokens": 1},
}


def test_both_endpoints_give_the_same_stored_shape() -> None:
    chat, legacy = runner.parse_response("chat", CHAT), runner.parse_response("completions", LEGACY)
    assert chat == legacy
    assert chat.logprobs == [
        {"token": " 4", "logprob": -0.017, "top": [[" 4", -0.017], [" 5", -4.1]]}
    ]
    assert (chat.output, chat.prompt_tokens, chat.completion_tokens) == (" 4", 12, 1)
    tool = {
        "choices": [
            {
                "message": {"content": None, "tool_calls": [{"id": "c1"}]},
                "finish_reason": "tool_calls",
            }
        ]
    }
    assert runner.parse_response("chat", tool).output == '[{"id":"c1"}]'


def test_prices() -> None:
    table = default_table()
    assert table.rates("gpt-4o-mini-2024-07-18") == (0.15, 0.60)
    assert table.rates("ft:gpt-4o-mini-2024-07-18:org::abc") == (0.30, 1.20)
    assert table.rates("ft:gpt-4o-mini-2024-07-18:org::abc", batch=True) == (0.15, 0.60)
    assert table.rates("gpt-4o") == (2.5, 10.0)  # the undated alias of gpt-4o-2024-08-06
    assert table.rates("unknown-model") is None
    price = table.cost_function({"free"})
    assert price("gpt-4o-mini", 1_000_000, 0) == pytest.approx(0.15)
    assert price("free", 10**9, 10**9) == 0.0
    assert table.cost_function(batch=True)("gpt-4o-mini", 1_000_000, 0) == pytest.approx(0.075)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+x", "'+x"),
        ("-2", "'-2"),
        ("@a", "'@a"),
        ("\tx", "'\tx"),
        ("ok", "ok"),
        (None, ""),
    ],
)
def test_csv_cells_never_run_as_formulas(value: object, expected: str) -> None:
    assert safe_cell(value) == expected


def test_label_set_orders_numbers_numerically() -> None:
    assert label_set([" 10", " 9", " 1", "1\n"]) == ["1", "9", "10"]
    assert label_set([" Positive", "negative", "positive END"], stops=[" END"]) == [
        "negative",
        "positive",
    ]
