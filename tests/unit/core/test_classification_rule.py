"""The one classification rule: few distinct completions, and short ones."""

from __future__ import annotations

from lib.core.examples import is_classification


def test_few_short_labels_are_classes() -> None:
    assert is_classification(n_examples=12, labels={"1", "2", "3"})
    assert is_classification(n_examples=800, labels={"Home & Kitchen", "Sports & Outdoors"})


def test_prepare_datas_n_over_three_rule_still_holds() -> None:
    assert not is_classification(n_examples=12, labels={"1", "2", "3", "4"})
    assert not is_classification(n_examples=0, labels=set())
    assert not is_classification(n_examples=10, labels=set())


def test_repeated_sentences_are_free_text_not_labels() -> None:
    answers = {
        f"To share calendar {i}, open Settings, choose Sharing and add their email."
        for i in range(48)
    }
    assert not is_classification(n_examples=240, labels=answers)
    # One long label among short ones does not turn classes into free text.
    assert is_classification(
        n_examples=300, labels={"yes", "no", "it depends on the weather in May"}
    )
