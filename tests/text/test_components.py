"""Normalizers, pre-tokenizers and decoders against the tokenizers library's components."""
import pytest
import tokenizers
from tokenizers import decoders as hf_decoders
from tokenizers import normalizers as hf_normalizers
from tokenizers import pre_tokenizers as hf_pre

from axonml.text import decoders, normalizers, pre_tokenizers

from .conftest import SENTENCES

NORMALIZERS = [
    (normalizers.BertNormalizer(), hf_normalizers.BertNormalizer()),
    (normalizers.BertNormalizer(lowercase=False), hf_normalizers.BertNormalizer(lowercase=False)),
    (normalizers.BertNormalizer(strip_accents=False), hf_normalizers.BertNormalizer(strip_accents=False)),
    (normalizers.BertNormalizer(clean_text=False, handle_chinese_chars=False),
     hf_normalizers.BertNormalizer(clean_text=False, handle_chinese_chars=False)),
    (normalizers.Lowercase(), hf_normalizers.Lowercase()),
    (normalizers.UnicodeNormalizer("NFKC"), hf_normalizers.NFKC()),
    (normalizers.UnicodeNormalizer("NFD"), hf_normalizers.NFD()),
    (normalizers.Sequence([normalizers.UnicodeNormalizer("NFD"), normalizers.StripAccents()]),
     hf_normalizers.Sequence([hf_normalizers.NFD(), hf_normalizers.StripAccents()])),
    (normalizers.Prepend("▁"), hf_normalizers.Prepend("▁")),
    (normalizers.Replace(" ", "▁"), hf_normalizers.Replace(" ", "▁")),
    (normalizers.Replace(None, " ", regex_pattern=r" {2,}"), hf_normalizers.Replace(tokenizers.Regex(r" {2,}"), " ")),
]


@pytest.mark.parametrize("ours,theirs", NORMALIZERS, ids=lambda n: type(n).__name__)
def test_normalizer_matches_tokenizers(ours, theirs):
    for text in SENTENCES:
        assert ours(text) == theirs.normalize_str(text), text


PRE_TOKENIZERS = [
    (pre_tokenizers.ByteLevel(), hf_pre.ByteLevel(add_prefix_space=False)),
    (pre_tokenizers.ByteLevel(add_prefix_space=True), hf_pre.ByteLevel(add_prefix_space=True)),
    (pre_tokenizers.BertPreTokenizer(), hf_pre.BertPreTokenizer()),
    (pre_tokenizers.Whitespace(), hf_pre.Whitespace()),
    (pre_tokenizers.WhitespaceSplit(), hf_pre.WhitespaceSplit()),
    (pre_tokenizers.Digits(True), hf_pre.Digits(individual_digits=True)),
    (pre_tokenizers.Digits(False), hf_pre.Digits(individual_digits=False)),
    (pre_tokenizers.Punctuation(), hf_pre.Punctuation()),
    (pre_tokenizers.Metaspace(), hf_pre.Metaspace()),
    (pre_tokenizers.Metaspace(prepend_scheme="never"), hf_pre.Metaspace(prepend_scheme="never")),
    (pre_tokenizers.Sequence([pre_tokenizers.Digits(True), pre_tokenizers.ByteLevel()]),
     hf_pre.Sequence([hf_pre.Digits(individual_digits=True), hf_pre.ByteLevel(add_prefix_space=False)])),
]
for behavior in ("removed", "isolated", "merged_with_previous", "merged_with_next", "contiguous"):
    ours_name = "".join(part.capitalize() for part in behavior.split("_"))
    for invert in (False, True):
        PRE_TOKENIZERS.append((pre_tokenizers.Split(" ", ours_name, invert), hf_pre.Split(" ", behavior, invert)))
        PRE_TOKENIZERS.append((pre_tokenizers.Split(behavior=ours_name, invert=invert, regex_pattern=r"\d+|,"),
                               hf_pre.Split(tokenizers.Regex(r"\d+|,"), behavior, invert)))


@pytest.mark.parametrize("ours,theirs", PRE_TOKENIZERS, ids=lambda p: type(p).__name__)
def test_pre_tokenizer_matches_tokenizers(ours, theirs):
    for text in SENTENCES + ["a--b-c", "--x--", "1,,2,3,,"]:
        assert ours.split(text) == [piece for piece, _ in theirs.pre_tokenize_str(text)], text


def test_byte_level_alphabet_is_gpt2s():
    alphabet = pre_tokenizers.ByteLevel.alphabet()
    assert sorted(alphabet) == sorted(hf_pre.ByteLevel.alphabet())
    assert pre_tokenizers.bytes_to_unicode()[ord(" ")] == "Ġ"


DECODERS = [
    (decoders.ByteLevel(), hf_decoders.ByteLevel(),
     ["Hello", "Ġworld", "Ġ", "ðŁ", "¤", "Ĺ", "<x>", "a\xad", " b"]),
    (decoders.WordPiece(), hf_decoders.WordPiece(), ["[CLS]", "un", "##aff", "##able", ",", "don", "'", "t",
                                                     "?", "[SEP]"]),
    (decoders.WordPiece(cleanup=False), hf_decoders.WordPiece(cleanup=False), ["a", "##b", ".", "c"]),
    (decoders.Metaspace(), hf_decoders.Metaspace(), ["▁Hello", "▁wor", "ld", "▁", "▁x"]),
    (decoders.Sequence([decoders.Replace("▁", " "), decoders.Fuse(), decoders.Strip(" ", 1, 0)]),
     hf_decoders.Sequence([hf_decoders.Replace("▁", " "), hf_decoders.Fuse(), hf_decoders.Strip(" ", 1, 0)]),
     ["▁▁Hello", "▁wor", "ld", "▁"]),
    (decoders.Strip("x", 2, 1), hf_decoders.Strip("x", 2, 1), ["xxxax", "xb", "axx", "b"]),
    (decoders.ByteFallback(), hf_decoders.ByteFallback(),
     ["▁a", "<0xC3>", "<0xA9>", "b", "<0xE4>", "<0xBD>", "c", "<0xZZ>", "<0x41>", "<0xFF>"]),
    (decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(),
                        decoders.Strip(" ", 1, 0)]),
     hf_decoders.Sequence([hf_decoders.Replace("▁", " "), hf_decoders.ByteFallback(), hf_decoders.Fuse(),
                           hf_decoders.Strip(" ", 1, 0)]),
     ["▁Hello", "<0x0A>", "▁wor", "ld", "<0xF0>", "<0x9F>", "<0xA4>", "<0x97>"]),
]


@pytest.mark.parametrize("ours,theirs,tokens", DECODERS, ids=lambda d: type(d).__name__)
def test_decoder_matches_tokenizers(ours, theirs, tokens):
    assert ours(tokens) == theirs.decode(tokens)


def test_unsupported_components_are_clear_errors():
    with pytest.raises(ValueError, match="unsupported normalizer 'Nmt'"):
        normalizers.normalizer_from_json({"type": "Nmt"})
    with pytest.raises(ValueError, match="unsupported pre-tokenizer 'UnicodeScripts'"):
        pre_tokenizers.pre_tokenizer_from_json({"type": "UnicodeScripts"})
    with pytest.raises(ValueError, match="unsupported decoder 'CTC'"):
        decoders.decoder_from_json({"type": "CTC"})
    with pytest.raises(ValueError, match="pattern"):
        pre_tokenizers.pre_tokenizer_from_json({"type": "Split", "pattern": "x", "behavior": "Isolated"})
    with pytest.raises(ValueError, match="behavior"):
        pre_tokenizers.Split(" ", "Sideways")
