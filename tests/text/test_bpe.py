"""Byte-level BPE: training, encoding and tokenizer.json files against the tokenizers library."""
import json

import pytest
import tokenizers
from tokenizers import models as hf_models

from axonml.text import BPE, ByteLevelBPETokenizer, Tokenizer, train_bpe

from .conftest import SENTENCES

VOCAB_SIZE = 2000
SPECIALS = ["<|endoftext|>", "<pad>"]


@pytest.fixture(scope="module")
def trained(hamlet):
    tokenizer = ByteLevelBPETokenizer()
    tokenizer.train(hamlet.splitlines(), vocab_size=VOCAB_SIZE, min_frequency=2, special_tokens=SPECIALS)
    return tokenizer


@pytest.fixture(scope="module")
def reference(hamlet):
    reference = tokenizers.ByteLevelBPETokenizer()
    reference.train_from_iterator(hamlet.splitlines(), vocab_size=VOCAB_SIZE, min_frequency=2,
                                  special_tokens=SPECIALS, show_progress=False)
    return reference


def test_training_learns_the_reference_vocabulary_and_merges(trained, reference, tmp_path):
    # same algorithm, same tie-breaking: the same tokens at the same ids, the same merges in the same order
    assert trained.get_vocab() == reference.get_vocab()
    reference.save(str(tmp_path / "reference.json"))
    theirs = json.loads((tmp_path / "reference.json").read_text(encoding="utf-8"))["model"]["merges"]
    assert [list(m) if isinstance(m, (list, tuple)) else m.split(" ") for m in theirs] == \
        [list(m) for m in trained.model.merges]


def test_every_line_round_trips(trained, hamlet, macbeth):
    for line in hamlet.splitlines() + macbeth.splitlines():  # seen and unseen text
        assert trained.decode(trained.encode(line)) == line
    assert trained.decode(trained.encode(hamlet)) == hamlet
    for text in SENTENCES:  # bytes never seen in training still encode
        assert trained.decode(trained.encode(text), skip_special_tokens=False) == text


def test_ids_equal_the_reference_loading_our_file(trained, tmp_path, hamlet, macbeth):
    trained.save(tmp_path / "tokenizer.json")
    theirs = tokenizers.Tokenizer.from_file(str(tmp_path / "tokenizer.json"))
    lines = macbeth.splitlines() + SENTENCES + ["<|endoftext|>two<pad> specials <|endoftext|>"]
    for line in lines:
        assert trained.encode(line) == theirs.encode(line).ids, line
    assert trained.encode(hamlet) == theirs.encode(hamlet).ids
    ids = trained.encode(macbeth[:5000])
    assert trained.decode(ids) == theirs.decode(ids)


def test_we_load_the_references_file_with_identical_ids(reference, tmp_path, macbeth):
    reference.save(str(tmp_path / "theirs.json"))
    ours = Tokenizer.from_file(tmp_path / "theirs.json")
    again = ByteLevelBPETokenizer.from_file(tmp_path / "theirs.json")
    for line in macbeth.splitlines()[:2000] + SENTENCES:
        expected = reference.encode(line).ids
        assert ours.encode(line) == expected
        assert again.encode(line) == expected
        assert ours.decode(expected) == reference.decode(expected)


def test_save_load_round_trip(trained, tmp_path):
    trained.save(tmp_path / "bpe.json")
    loaded = ByteLevelBPETokenizer.load(tmp_path / "bpe.json")
    assert loaded.get_vocab() == trained.get_vocab()
    assert loaded.model.merges == trained.model.merges
    assert loaded.special_tokens == SPECIALS
    text = "Alas, poor Yorick! <|endoftext|>"
    assert loaded.encode(text) == trained.encode(text)
    assert loaded.encode(text)[-1] == trained.token_to_id("<|endoftext|>") == 0
    assert loaded.decode(loaded.encode(text)) == "Alas, poor Yorick! "
    assert loaded.decode(loaded.encode(text), skip_special_tokens=False) == text


def test_compresses_unseen_text(trained, macbeth):
    ratio = len(macbeth.encode("utf-8")) / len(trained.encode(macbeth))
    assert ratio > 2.3  # bytes per token on a play the model never saw (2.47 measured; 2.9 on Hamlet itself)


def test_bpe_model_matches_the_reference_model():
    vocab = {"[UNK]": 0, "a": 1, "b": 2, "c": 3, "##a": 4, "##b": 5, "##c": 6, "ab": 7, "abc": 8, "##bc": 9}
    merges = [("a", "##b"), ("ab", "##c"), ("##b", "##c")]
    ours = BPE(vocab, merges, unk_token="[UNK]", continuing_subword_prefix="##")
    theirs = hf_models.BPE(vocab, merges, unk_token="[UNK]", continuing_subword_prefix="##")
    for word in ["abc", "abcabc", "cab", "bca", "aaab", "xbcx", "a", "abd"]:
        assert ours.tokenize(word) == [t.id for t in theirs.tokenize(word)], word
    fused = BPE(vocab, merges, unk_token="[UNK]", continuing_subword_prefix="##", fuse_unk=True)
    theirs = hf_models.BPE(vocab, merges, unk_token="[UNK]", continuing_subword_prefix="##", fuse_unk=True)
    for word in ["xxab", "axxxb", "xyz"]:
        assert fused.tokenize(word) == [t.id for t in theirs.tokenize(word)], word


def test_byte_fallback_and_ignore_merges():
    vocab = {"<unk>": 0, "a": 1, "b": 2, "ab": 3, "<0xC3>": 4, "<0xA9>": 5, "ba": 6}
    model = BPE(vocab, [("a", "b")], unk_token="<unk>", byte_fallback=True)
    assert model.tokenize("aébz") == [1, 4, 5, 2, 0]
    assert BPE(vocab, [("a", "b")], ignore_merges=True).tokenize("ba") == [6]
    assert BPE(vocab, [("a", "b")]).tokenize("ba") == [2, 1]


def test_loading_a_gpt2_style_file_built_from_vocab_and_merges():
    # the path a GGUF tokenizer takes: a vocabulary and merges from elsewhere, no training
    vocab, merges = train_bpe({"Ġthe": 50, "Ġcat": 20, "the": 10}, 270,
                              initial_alphabet=ByteLevelBPETokenizer().model.vocab)
    tokenizer = ByteLevelBPETokenizer(vocab, merges)
    assert tokenizer.tokenize(" the cat") == ["Ġthe", "Ġcat"]


def test_bad_models_and_files_raise_value_error(tmp_path):
    with pytest.raises(ValueError, match="not in the vocabulary"):
        BPE({"a": 0, "b": 1}, [("a", "b")])
    with pytest.raises(ValueError, match="not a pair"):
        BPE({"a": 0}, [("a",)])
    with pytest.raises(ValueError, match="bad vocabulary entry"):
        BPE({"a": -1}, [])
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match="not a valid UTF-8 JSON"):
        Tokenizer.from_file(tmp_path / "bad.json")
    (tmp_path / "bin.json").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ValueError):
        Tokenizer.from_file(tmp_path / "bin.json")
    (tmp_path / "nomodel.json").write_text('{"version": "1.0"}', encoding="utf-8")
    with pytest.raises(ValueError, match="no 'model'"):
        Tokenizer.from_file(tmp_path / "nomodel.json")
    (tmp_path / "kind.json").write_text('{"model": {"type": "WordLevel", "vocab": {}}}', encoding="utf-8")
    with pytest.raises(ValueError, match="unsupported model type 'WordLevel'"):
        Tokenizer.from_file(tmp_path / "kind.json")
    (tmp_path / "merges.json").write_text('{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": 3}}',
                                          encoding="utf-8")
    with pytest.raises(ValueError, match="'merges' must be a list"):
        Tokenizer.from_file(tmp_path / "merges.json")
    (tmp_path / "wp.json").write_text('{"model": {"type": "WordPiece", "vocab": {"[UNK]": 0}}}', encoding="utf-8")
    with pytest.raises(ValueError, match="needs a BPE model"):
        ByteLevelBPETokenizer.from_file(tmp_path / "wp.json")


def test_encode_rejects_non_strings(trained):
    with pytest.raises(TypeError, match="expects a str"):
        trained.encode(b"bytes")
    with pytest.raises(IndexError, match="out of range"):
        trained.decode([10 ** 6])


def test_gpt2_vocab_and_merges_files(trained, tmp_path, macbeth):
    trained.save(tmp_path / "tokenizer.json")
    model = json.loads((tmp_path / "tokenizer.json").read_text(encoding="utf-8"))["model"]
    (tmp_path / "vocab.json").write_text(json.dumps(model["vocab"]), encoding="utf-8")
    (tmp_path / "merges.txt").write_text("#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in model["merges"]),
                                         encoding="utf-8")
    ours = ByteLevelBPETokenizer.from_vocab_merges(tmp_path / "vocab.json", tmp_path / "merges.txt")
    theirs = tokenizers.ByteLevelBPETokenizer.from_file(str(tmp_path / "vocab.json"), str(tmp_path / "merges.txt"))
    for line in macbeth.splitlines()[:1500]:
        assert ours.encode(line) == theirs.encode(line).ids
    (tmp_path / "bad.txt").write_text("a b c\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 1"):
        ByteLevelBPETokenizer.from_vocab_merges(tmp_path / "vocab.json", tmp_path / "bad.txt")


def test_sentencepiece_style_bpe_with_byte_fallback(hamlet, macbeth, tmp_path):
    # Llama-2's layout: "▁" for spaces, no pre-tokenizer, byte tokens for characters outside the vocabulary
    from collections import Counter

    from axonml.text import decoders, normalizers

    normalizer = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
    counts = Counter(normalizer(line) for line in hamlet.splitlines() if line)
    specials = ["<unk>", "<s>", "</s>"] + [f"<0x{b:02X}>" for b in range(256)]
    vocab, merges = train_bpe(counts, 1200, 2, specials)
    tokenizer = Tokenizer(BPE(vocab, merges, unk_token="<unk>", fuse_unk=True, byte_fallback=True), normalizer,
                          None, None, decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(),
                                                         decoders.Fuse(), decoders.Strip(" ", 1, 0)]))
    tokenizer.add_special_tokens(["<unk>", "<s>", "</s>"])
    tokenizer.save(tmp_path / "llama_style.json")
    theirs = tokenizers.Tokenizer.from_file(str(tmp_path / "llama_style.json"))
    for line in macbeth.splitlines()[:600] + ["Ünïcödé 你好 🤗 tabs\tand ends "]:
        ids = tokenizer.encode(line)
        assert ids == theirs.encode(line).ids, line
        assert tokenizer.decode(ids) == theirs.decode(ids) == line


@pytest.mark.parametrize("spec", [
    {"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}, "pre_tokenizer":
        {"type": "Split", "pattern": {"Regex": "(unclosed"}, "behavior": "Isolated"}},
    {"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}, "normalizer": {"type": "Prepend"}},
    {"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}, "normalizer": "Lowercase"},
    {"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}, "added_tokens": [{"content": 3, "id": 0}]},
    {"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}, "post_processor":
        {"type": "TemplateProcessing", "single": "[CLS] $A", "special_tokens": {"[CLS]": {"ids": ["x"]}}}},
    {"model": {"type": "Unigram", "vocab": [["a", "high"]], "unk_id": 0}},
    {"model": {"type": "WordPiece", "vocab": ["[UNK]"]}},
    {"model": {"type": "BPE", "vocab": {"a": 0}, "merges": [], "dropout": 0.1}},
])
def test_hostile_tokenizer_files_raise_value_error(spec, tmp_path):
    (tmp_path / "t.json").write_text(json.dumps(spec), encoding="utf-8")
    with pytest.raises(ValueError):
        Tokenizer.from_file(tmp_path / "t.json")


def test_deeply_nested_file_raises_value_error(tmp_path):
    nested = '{"type": "Sequence", "normalizers": [' * 5000 + "]}" * 5000
    (tmp_path / "deep.json").write_text('{"model": {"type": "BPE", "vocab": {}, "merges": []}, "normalizer": '
                                        + nested + "}", encoding="utf-8")
    with pytest.raises(ValueError, match="deeply"):
        Tokenizer.from_file(tmp_path / "deep.json")
