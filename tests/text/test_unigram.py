"""Unigram: SentencePiece-style EM training, Viterbi encoding, tokenizer.json interchange."""
import itertools
import math

import pytest
import tokenizers
from tokenizers import models as hf_models
from tokenizers import trainers as hf_trainers

from axonml.text import Tokenizer, Unigram, UnigramTokenizer, train_unigram
from axonml.text.unigram import viterbi

VOCAB_SIZE = 2000


@pytest.fixture(scope="module")
def trained(hamlet):
    tokenizer = UnigramTokenizer()
    tokenizer.train(hamlet.splitlines(), vocab_size=VOCAB_SIZE, special_tokens=["<s>", "</s>"])
    return tokenizer


def test_vocabulary_shape(trained, hamlet):
    pieces = trained.model.pieces
    assert len(pieces) == VOCAB_SIZE
    assert [p for p, _ in pieces[:3]] == ["<unk>", "<s>", "</s>"]
    scores = [s for _, s in pieces[3:]]
    assert scores == sorted(scores, reverse=True)
    assert all(s < 0 for s in scores)
    # the scores are log-probabilities of one distribution (digamma estimates sum to a little under 1)
    assert 0.5 < sum(math.exp(s) for s in scores) <= 1.0 + 1e-9
    assert set(hamlet.replace("\n", "").replace(" ", "")) <= {p for p, _ in pieces if len(p) == 1}


def test_every_line_round_trips(trained, hamlet):
    for line in hamlet.splitlines():
        assert trained.decode(trained.encode(line)) == line
    assert trained.decode(trained.encode("  two leading, two trailing  ")) == "  two leading, two trailing  "


@pytest.fixture(scope="module")
def reference(trained, hamlet):
    """The tokenizers library's UnigramTrainer on the same lines, in the same pipeline."""
    theirs = tokenizers.Tokenizer.from_str(trained.to_str())
    theirs.train_from_iterator(hamlet.splitlines(), hf_trainers.UnigramTrainer(
        vocab_size=VOCAB_SIZE, special_tokens=["<unk>", "<s>", "</s>"], unk_token="<unk>", show_progress=False))
    return theirs


def test_compression_is_close_to_the_reference_trainer(trained, reference, macbeth):
    ours_ratio = len(macbeth) / len(trained.encode(macbeth))
    theirs_ratio = len(macbeth) / len(reference.encode(macbeth).ids)
    assert ours_ratio > 0.97 * theirs_ratio, (ours_ratio, theirs_ratio)


def test_ids_equal_the_reference_loading_our_file(trained, tmp_path, macbeth):
    trained.save(tmp_path / "unigram.json")
    theirs = tokenizers.Tokenizer.from_file(str(tmp_path / "unigram.json"))
    for line in macbeth.splitlines()[:2500] + ["Ünknown chars: 你好 🤗", "  spaced  out  "]:
        ids = trained.encode(line)
        assert ids == theirs.encode(line).ids, line
        assert trained.decode(ids) == theirs.decode(ids)
    loaded = UnigramTokenizer.from_file(tmp_path / "unigram.json")
    assert loaded.model.pieces == trained.model.pieces
    assert loaded.encode("To be, or not to be") == trained.encode("To be, or not to be")


def test_we_load_the_references_unigram_file(reference, tmp_path, macbeth):
    reference.save(str(tmp_path / "theirs.json"))
    ours = Tokenizer.from_file(tmp_path / "theirs.json")
    for line in macbeth.splitlines()[:1500]:
        assert ours.encode(line) == reference.encode(line).ids, line


def test_viterbi_is_the_best_segmentation():
    scores = {"a": -2.0, "b": -2.5, "ab": -3.0, "ba": -4.9, "aba": -6.5, "bab": -5.0, "abab": -9.0}
    for length in range(1, 8):
        for letters in itertools.product("ab", repeat=length):
            text = "".join(letters)
            best = max(sum(scores[p] for p in segmentation) for segmentation in _segmentations(text, scores))
            found = viterbi(text, scores, 4, -100.0)
            assert all(known for _, known in found)
            assert "".join(p for p, _ in found) == text
            assert math.isclose(sum(scores[p] for p, _ in found), best), text


def _segmentations(text, scores):
    if not text:
        yield []
        return
    for end in range(1, len(text) + 1):
        if text[:end] in scores:
            for rest in _segmentations(text[end:], scores):
                yield [text[:end]] + rest


def test_unigram_model_matches_the_reference_model():
    vocab = [("<unk>", 0.0), ("a", -1.0), ("b", -1.5), ("ab", -2.0), ("abc", -2.2), ("c", -3.0), ("bc", -1.1)]
    ours = Unigram(vocab, unk_id=0)
    theirs = hf_models.Unigram(vocab, unk_id=0)
    for word in ["abc", "abcabc", "cab", "xxab", "axxxb", "xyz", "bcbc", "a"]:
        assert ours.tokenize(word) == [t.id for t in theirs.tokenize(word)], word
    fallback = vocab + [("<0xC3>", -5.0), ("<0xA9>", -5.0)]
    ours = Unigram(fallback, unk_id=0, byte_fallback=True)
    theirs = hf_models.Unigram(fallback, unk_id=0, byte_fallback=True)
    for word in ["aéb", "éé", "x"]:
        assert ours.tokenize(word) == [t.id for t in theirs.tokenize(word)], word


def test_training_arguments_are_checked():
    with pytest.raises(ValueError, match="vocab_size"):
        train_unigram({"▁a": 3}, vocab_size=1)
    with pytest.raises(ValueError, match="at least one"):
        train_unigram({}, vocab_size=10)
    with pytest.raises(ValueError, match="bad vocabulary entry"):
        Unigram([("a", float("nan"))])
    with pytest.raises(ValueError, match="unk_id"):
        Unigram([("a", -1.0)], unk_id=3)


def test_batched_lattice_passes_equal_the_per_word_ones(trained, hamlet):
    from collections import Counter

    import numpy as np

    from axonml.text.unigram import _Lattices

    counts = Counter(trained.pre_tokenize(" ".join(hamlet.splitlines()[:400])))
    words = list(counts.items())
    pieces = [(p, s) for p, s in trained.model.pieces[3:]]
    scores_by_piece = dict(pieces)
    lattices = _Lattices(words, {p: i for i, (p, _) in enumerate(pieces)}, 16)
    scores = np.array([s for _, s in pieces])
    frequency = lattices.viterbi_frequency(scores)
    expected_frequency = np.zeros(len(pieces))
    index = {p: i for i, (p, _) in enumerate(pieces)}
    for word, count in words:
        for piece, known in viterbi(word, scores_by_piece, 16, -1e30):
            assert known
            expected_frequency[index[piece]] += count
    np.testing.assert_array_equal(frequency, expected_frequency)
    # forward-backward: the expected counts of a word's pieces, times their lengths, sum to its length
    expected, likelihood = lattices.expected_counts(scores)
    total_characters = sum(len(word) * count for word, count in words)
    assert np.isclose((expected * np.array([len(p) for p, _ in pieces])).sum(), total_characters)
    assert likelihood < 0
