"""The examples in axonml.text's docstrings run and print what they show."""
import doctest
import importlib

import pytest

MODULES = ["vocab", "simple", "bpe", "wordpiece", "unigram", "subword", "bert", "tokenizer", "datasets"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(f"axonml.text.{name}")
    failures, _ = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert failures == 0
