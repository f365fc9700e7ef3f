"""Reading demonstrations, queries and listed labels out of requests (pure, no server)."""

from __future__ import annotations

import math

import pytest

from lib.engine.context import from_messages, from_prompt, listed_labels
from lib.engine.incontext import context_session, label_probabilities


@pytest.mark.parametrize(
    ("text", "labels"),
    [
        ("Answer with one of these labels: World, Sports, Business, Sci/Tech", ["World", "Sports", "Business", "Sci/Tech"]),
        ("Pick one of: 'yes', 'no' or 'maybe'.", ["yes", "no", "maybe"]),
        ("Labels: Sci/Tech, World. Reply with the label only.", ["Sci/Tech", "World"]),
        ("Categories: a; b; c, or d", ["a", "b", "c", "d"]),
        ("Labels:\n- positive\n* negative\n3. neutral\n\nText follows", ["positive", "negative", "neutral"]),
        ("Classify the article as World, Sports or Business.", []),  # no colon: not understood
        ("Note: this is a test, nothing more", []),  # a colon without a label word
        ("Labels: only", []),  # one item is not a list
    ],
)  # fmt: skip
def test_listed_labels(text: str, labels: list[str]) -> None:
    assert listed_labels(text)[0] == labels


def test_chat_pairs_before_the_last_user_turn_are_demonstrations() -> None:
    messages = [
        {"role": "system", "content": "Answer with one of: spam, ham"},
        {"role": "user", "content": "win money now"},
        {"role": "assistant", "content": "spam"},
        {"role": "user", "content": "lunch at noon?"},
        {"role": "assistant", "content": "ham"},
        {"role": "user", "content": "free money"},
    ]
    context = from_messages(messages)
    assert context is not None
    assert context.demonstrations == [("win money now", "spam"), ("lunch at noon?", "ham")]
    assert context.query == "free money" and context.labels == ["spam", "ham"]
    assert from_messages(messages[:-1]) is None  # nothing left to answer


def test_instructions_heading_the_first_user_turn_are_not_part_of_the_example() -> None:
    messages = [{"role": "user", "content": "Labels: spam, ham.\nBe brief.\n\nfree money"}]
    context = from_messages(messages)
    assert context is not None and context.labels == ["spam", "ham"]
    assert context.query == "free money" and context.demonstrations == []


def test_legacy_prompt_demonstrations_keep_their_spelling() -> None:
    prompt = (
        "Rate it. Labels: 1, 2, 3\n\n"
        "great kettle\n\n###\n\n 3\n\nbroke at once\n\n###\n\n 1\n\nfine I guess\n\n###\n\n"
    )
    context = from_prompt(prompt)
    assert context.demonstrations == [("great kettle", " 3"), ("broke at once", " 1")]
    assert context.query == "fine I guess" and context.labels == ["1", "2", "3"]
    answers, probabilities = label_probabilities(context)
    assert answers == [" 3", " 1", " 2"]  # the listed label never shown is spelled alike
    assert math.isclose(float(probabilities.sum()), 1.0)
    assert probabilities[2] > 0  # listed but never shown keeps some mass


def test_the_request_stop_sequence_ends_legacy_completions() -> None:
    context = from_prompt("a ->x END\nb ->y END\nc ->", stops=[" END"])
    assert context.demonstrations == [("a", "x"), ("b", "y")] and context.query == "c"
    assert from_prompt("just text").demonstrations == []


def test_similar_demonstrations_win_and_zero_shot_is_uniform() -> None:
    messages = [
        {"role": "user", "content": "the striker scored a late goal in the football match"},
        {"role": "assistant", "content": "Sports"},
        {"role": "user", "content": "shares fell as the central bank raised interest rates"},
        {"role": "assistant", "content": "Business"},
        {"role": "user", "content": "a late goal decided the football final"},
    ]
    context = from_messages(messages)
    assert context is not None
    session = context_session(context)
    assert session is not None
    first = session.next([])
    assert first[0][0] == "Sports" and math.isclose(sum(math.exp(lp) for _, lp in first), 1.0)
    zero = from_messages([{"role": "system", "content": "Labels: A, B, C"}, messages[-1]])
    assert zero is not None
    assert label_probabilities(zero)[1].tolist() == pytest.approx([1 / 3] * 3)
