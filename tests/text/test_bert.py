"""BertTokenizer.from_pretrained on all-MiniLM-L6-v2's vocab.txt against transformers' BertTokenizer."""
import numpy as np
import pytest
import transformers

import axonml
from axonml.text import BasicTokenizer, BertTokenizer

from .conftest import SENTENCES


@pytest.fixture(scope="module")
def ours(minilm_dir):
    return BertTokenizer.from_pretrained(minilm_dir)


@pytest.fixture(scope="module")
def theirs(minilm_dir):
    return transformers.BertTokenizer.from_pretrained(minilm_dir)


def test_encode_and_decode_match_transformers(ours, theirs, macbeth):
    for text in SENTENCES + macbeth.splitlines()[:800]:
        expected = theirs.encode(text)
        assert ours.encode(text) == expected, text
        assert ours.encode(text, add_special_tokens=False) == theirs.encode(text, add_special_tokens=False)
        assert ours.decode(expected) == theirs.decode(expected)
        assert ours.decode(expected, skip_special_tokens=True) == theirs.decode(expected, skip_special_tokens=True)
        assert ours.convert_ids_to_tokens(expected) == theirs.convert_ids_to_tokens(expected)


def test_unknown_words_and_characters_become_unk(ours):
    unk = ours.convert_tokens_to_ids("[UNK]")
    assert ours.encode("🤗", add_special_tokens=False) == [unk]
    assert ours.encode("x" * 101, add_special_tokens=False) == [unk]  # longer than max_input_chars_per_word
    assert ours.tokenize("unaffable") == ["una", "##ffa", "##ble"]


@pytest.mark.parametrize("max_length", [4, 8, 16])
@pytest.mark.parametrize("padding", [True, "max_length", False])
def test_batch_call_matches_transformers(ours, theirs, padding, max_length):
    batch = SENTENCES[:6]
    got = ours(batch, padding=padding, truncation=True, max_length=max_length, return_tensors=None)
    want = theirs(batch, padding=padding, truncation=True, max_length=max_length)
    for key in ("input_ids", "token_type_ids", "attention_mask"):
        assert got[key] == want[key], key


def test_call_returns_axonml_tensors(ours, theirs):
    batch = ["a short one", "Two, slightly longer sentences: here!"]
    got = ours(batch, return_tensors="ax")
    want = theirs(batch, padding=True, truncation=True, return_tensors="np")
    for key in ("input_ids", "token_type_ids", "attention_mask"):
        assert isinstance(got[key], axonml.Tensor)
        assert got[key].dtype == axonml.int64
        np.testing.assert_array_equal(got[key].numpy(), want[key])
    assert got.input_ids.shape == (2, want["input_ids"].shape[1])
    single = ours("one text", return_tensors="np")
    assert single["input_ids"].shape == (1, 4)
    flat = ours("one text", return_tensors=None)
    assert flat["input_ids"] == theirs("one text")["input_ids"]


def test_default_truncation_is_the_models_max_length(ours, theirs):
    text = "word " * 600
    assert len(ours(text, return_tensors=None)["input_ids"]) == 512
    assert ours(text, return_tensors=None)["input_ids"] == theirs(text, truncation=True)["input_ids"]


def test_call_errors(ours, tmp_path):
    with pytest.raises(ValueError, match="different lengths"):
        ours(["a", "a b c"], padding=False, return_tensors="ax")
    with pytest.raises(ValueError, match="return_tensors"):
        ours(["a"], return_tensors="pt")
    with pytest.raises(ValueError, match="no room"):
        ours(["a"], max_length=1)
    with pytest.raises(TypeError):
        ours([1, 2])
    with pytest.raises(FileNotFoundError, match="vocab.txt"):
        BertTokenizer.from_pretrained(tmp_path)
    (tmp_path / "vocab.txt").write_text("a\nb\n", encoding="utf-8")
    with pytest.raises(ValueError, match="unk_token"):
        BertTokenizer.from_pretrained(tmp_path)


def test_cased_settings_follow_the_arguments(minilm_dir, theirs):
    cased = BertTokenizer.from_pretrained(minilm_dir, do_lower_case=False)
    reference = transformers.BertTokenizer.from_pretrained(minilm_dir, do_lower_case=False)
    for text in SENTENCES:
        assert cased.encode(text) == reference.encode(text), text


def test_basic_tokenizer():
    assert BasicTokenizer().tokenize("Héllo, WORLD! 你好") == ["hello", ",", "world", "!", "你", "好"]
    assert BasicTokenizer(do_lower_case=False).tokenize("Héllo") == ["Héllo"]
    assert BasicTokenizer(never_split=["[MASK]"]).tokenize("a [MASK] b.") == ["a", "[MASK]", "b", "."]
