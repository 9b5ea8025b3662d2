"""Rule-based tokenizers: whitespace, character, word-punctuation, n-gram."""
import pytest
from tokenizers import pre_tokenizers as hf_pre

from axonml.text import CharacterTokenizer, NGramTokenizer, WhitespaceTokenizer, WordPunctTokenizer

from .conftest import SENTENCES


def test_splits_match_the_reference_pre_tokenizers(hamlet):
    lines = hamlet.splitlines() + SENTENCES
    whitespace, wordpunct = WhitespaceTokenizer(), WordPunctTokenizer()
    reference_ws, reference_wp = hf_pre.WhitespaceSplit(), hf_pre.Whitespace()
    for line in lines:
        assert whitespace(line) == [p for p, _ in reference_ws.pre_tokenize_str(line)]
        assert wordpunct(line) == [p for p, _ in reference_wp.pre_tokenize_str(line)]
        assert CharacterTokenizer()(line) == list(line)


def test_ngrams():
    tok = NGramTokenizer(3, word_tokenizer="whitespace")
    assert tok("to be or not") == ["to", "be", "or", "not", "to be", "be or", "or not", "to be or", "be or not"]
    assert NGramTokenizer(1)("a, b") == ["a", ",", "b"]
    assert NGramTokenizer(2)("x") == ["x"]
    with pytest.raises(ValueError, match="ngrams"):
        NGramTokenizer(0)


@pytest.mark.parametrize("cls", [WhitespaceTokenizer, CharacterTokenizer, WordPunctTokenizer, NGramTokenizer])
def test_train_encode_decode_save_load(cls, hamlet, tmp_path):
    lines = hamlet.splitlines()
    tok = cls(lowercase=True)
    with pytest.raises(RuntimeError, match="no vocabulary"):
        tok.encode("x")
    tok.train(lines, min_freq=2, specials=["<unk>", "<pad>"])
    line = "To be or not to be that is the Question"
    ids = tok.encode(line)
    assert all(isinstance(i, int) for i in ids)
    assert tok.encode("§¶※") == [0] * len(tok("§¶※"))  # unseen tokens are <unk>
    words = WordPunctTokenizer(lowercase=True)(line) if cls is NGramTokenizer else tok(line)
    assert tok.decode(ids) == tok._separator.join(words)
    tok.save(tmp_path / "tok.json")
    loaded = cls.load(tmp_path / "tok.json")
    assert loaded.encode(line) == ids and loaded.vocab == tok.vocab
    with pytest.raises(ValueError):
        (WhitespaceTokenizer if cls is not WhitespaceTokenizer else CharacterTokenizer).load(tmp_path / "tok.json")


def test_ngram_decode_needs_a_whole_encoding():
    tok = NGramTokenizer(2)
    tok.train(["a b c"])
    assert tok.decode(tok.encode("a b c")) == "a b c"
    assert tok.decode(tok.encode("c a")) == "c a"  # the unseen bigram "c a" is <unk>, the words are not
    with pytest.raises(ValueError, match="not the encoding"):
        tok.decode(tok.encode("a b c")[:4])


def test_character_tokenizer_round_trips_lines(hamlet):
    tok = CharacterTokenizer()
    tok.train(hamlet.splitlines(), specials=["<unk>"])
    for line in hamlet.splitlines():
        assert tok.decode(tok.encode(line)) == line


def test_bad_arguments():
    with pytest.raises(TypeError):
        WhitespaceTokenizer()(3)
    with pytest.raises(ValueError, match="unk_token"):
        WhitespaceTokenizer().train(["a b"], specials=["<pad>"])
    tok = WhitespaceTokenizer()
    tok.train(["a b"], specials=[], unk_token=None)
    with pytest.raises(RuntimeError, match="not found"):
        tok.encode("c")
