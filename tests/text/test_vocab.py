"""Vocab and build_vocab_from_iterator (torchtext's semantics)."""
import json

import pytest

from axonml.text import Vocab, build_vocab_from_iterator, vocab


def test_most_frequent_first_ties_lexicographic_specials_first():
    v = build_vocab_from_iterator([["to", "be", "or", "not", "to", "be"], ["that", "is"]],
                                  specials=["<unk>", "<pad>"])
    assert v.get_itos() == ["<unk>", "<pad>", "be", "to", "is", "not", "or", "that"]
    assert v.get_stoi()["be"] == 2
    assert len(v) == 8


def test_specials_last_min_freq_and_max_tokens():
    corpus = [["a", "a", "a", "b", "b", "c", "d"]]
    assert build_vocab_from_iterator(corpus, specials=["<unk>"], special_first=False).get_itos() == \
        ["a", "b", "c", "d", "<unk>"]
    assert build_vocab_from_iterator(corpus, min_freq=2).get_itos() == ["a", "b"]
    assert build_vocab_from_iterator(corpus, specials=["<unk>"], max_tokens=3).get_itos() == ["<unk>", "a", "b"]
    with pytest.raises(ValueError, match="max_tokens"):
        build_vocab_from_iterator(corpus, specials=["<unk>", "<pad>"], max_tokens=1)
    assert vocab({"x": 5, "y": 1, "z": 3}, min_freq=2).get_itos() == ["x", "z"]
    with pytest.raises(ValueError, match="min_freq"):
        vocab({"x": 1}, min_freq=0)


def test_lookup_and_default_index():
    v = build_vocab_from_iterator([["hello", "world"]], specials=["<unk>"])
    with pytest.raises(RuntimeError, match="default index is not set"):
        v["missing"]
    v.set_default_index(v["<unk>"])
    assert v["missing"] == 0 and v(["hello", "missing"]) == [v["hello"], 0]
    assert v.lookup_token(1) in ("hello", "world")
    assert v.lookup_tokens([0]) == ["<unk>"]
    assert "hello" in v and "missing" not in v
    with pytest.raises(IndexError):
        v.lookup_token(99)
    with pytest.raises(IndexError):
        v.set_default_index(5)


def test_insert_and_append():
    v = Vocab(["a", "b"])
    v.set_default_index(1)
    v.insert_token("<pad>", 0)
    assert v.get_itos() == ["<pad>", "a", "b"] and v["b"] == 2 and v.get_default_index() == 2
    v.append_token("c")
    assert v["c"] == 3
    with pytest.raises(RuntimeError, match="already exists"):
        v.append_token("a")
    with pytest.raises(TypeError):
        v.append_token(3)
    with pytest.raises(IndexError):
        v.insert_token("z", 10)


def test_save_load(tmp_path):
    v = build_vocab_from_iterator([["ünïcode", "tokens", "tokens"]], specials=["<unk>"])
    v.set_default_index(0)
    v.save(tmp_path / "vocab.json")
    loaded = Vocab.load(tmp_path / "vocab.json")
    assert loaded == v and loaded["never"] == 0
    for bad in ({"format": "other"}, {"format": "axonml.text.Vocab", "itos": [1, 2]},
                {"format": "axonml.text.Vocab", "itos": ["a", "a"]},
                {"format": "axonml.text.Vocab", "itos": ["a"], "default_index": 4}, [1, 2]):
        (tmp_path / "bad.json").write_text(json.dumps(bad), encoding="utf-8")
        with pytest.raises(ValueError):
            Vocab.load(tmp_path / "bad.json")
    (tmp_path / "trunc.json").write_text('{"format": "axonml.text.Vocab", "itos": ["a"', encoding="utf-8")
    with pytest.raises(ValueError, match="JSON"):
        Vocab.load(tmp_path / "trunc.json")
