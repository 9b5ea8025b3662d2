"""The shared generation code: KVCache, causal_mask, transformers' logits processors and generate."""
import numpy as np
import pytest
import torch
import transformers

import axonml
from axonml.llm import GPT2Config, GPT2LMHeadModel, KVCache
from axonml.llm.generation import (RepetitionPenaltyLogitsProcessor, TemperatureLogitsWarper, TopKLogitsWarper,
                                   TopPLogitsWarper, _sample, causal_mask)


@pytest.fixture(scope="module")
def model():
    axonml.manual_seed(0)
    config = GPT2Config(n_layer=2, n_embd=32, n_head=4, vocab_size=97, n_positions=128, initializer_range=0.6)
    model = GPT2LMHeadModel(config).eval()
    # large position embeddings make an untrained model's greedy output change with the position (and so
    # depend on the cache's position bookkeeping) instead of repeating one token
    model.transformer.wpe.weight.data = axonml.randn(128, 32) * 2.0
    return model


PROMPT = [[5, 17, 42, 3, 88, 60]]


def test_cache_update_appends_in_place_and_returns_views():
    cache = KVCache(num_layers=2, batch=1, num_kv_heads=2, head_dim=4, max_length=8)
    first = axonml.randn(1, 2, 3, 4)
    k_all, v_all = cache.update(0, first, first * 2)
    assert cache.length == 0                      # advanced by the last layer only
    cache.update(1, first, first)
    assert cache.length == 3
    step = axonml.randn(1, 2, 1, 4)
    k_all, v_all = cache.update(0, step, step * 2)
    assert k_all.shape == (1, 2, 4, 4)
    np.testing.assert_array_equal(k_all.numpy()[:, :, :3], first.numpy())
    np.testing.assert_array_equal(v_all.numpy()[:, :, 3:], (step * 2).numpy())
    assert np.shares_memory(k_all.numpy(), cache.keys[0].numpy())      # a view of the buffer, not a copy
    cache.update(1, step, step)
    assert cache.length == 4
    with pytest.raises(RuntimeError, match="max_length"):
        cache.update(0, axonml.randn(1, 2, 5, 4), axonml.randn(1, 2, 5, 4))
    with pytest.raises(ValueError, match="shape"):
        cache.update(0, axonml.randn(1, 3, 1, 4), axonml.randn(1, 3, 1, 4))
    cache.reset()
    assert cache.length == 0
    cache.advance(2)
    assert cache.length == 2


def test_causal_mask_is_bottom_right_aligned():
    mask = causal_mask(2, 5).numpy()
    np.testing.assert_array_equal(mask, [[1, 1, 1, 1, 0], [1, 1, 1, 1, 1]])
    assert causal_mask(1, 7) is None
    padded = causal_mask(1, 3, attention_mask=axonml.tensor([[0, 1, 1]])).numpy()
    np.testing.assert_array_equal(padded[0, 0], [[0, 1, 1]])
    with pytest.raises(ValueError):
        causal_mask(4, 3)


def _reference(processor, ids, scores):
    return processor(torch.tensor(ids), torch.tensor(scores)).numpy()


@pytest.mark.parametrize("ours, theirs", [
    (RepetitionPenaltyLogitsProcessor(1.7), transformers.RepetitionPenaltyLogitsProcessor(1.7)),
    (TemperatureLogitsWarper(0.6), transformers.TemperatureLogitsWarper(0.6)),
    (TopKLogitsWarper(5), transformers.TopKLogitsWarper(5)),
    (TopKLogitsWarper(1), transformers.TopKLogitsWarper(1)),
    (TopKLogitsWarper(500), transformers.TopKLogitsWarper(500)),
    (TopPLogitsWarper(0.8), transformers.TopPLogitsWarper(0.8)),
    (TopPLogitsWarper(0.05), transformers.TopPLogitsWarper(0.05)),
])
def test_processors_match_transformers(ours, theirs):
    rng = np.random.default_rng(1)
    scores = rng.standard_normal((3, 50)).astype(np.float32) * 3
    if not isinstance(ours, TopPLogitsWarper):    # torch's unstable sort orders tied tokens arbitrarily
        scores[1, :10] = 2.0                      # ties around the top-k cut
    ids = rng.integers(0, 50, (3, 7))
    np.testing.assert_allclose(ours(ids, scores), _reference(theirs, ids, scores), rtol=1e-6)


def test_processors_reject_bad_settings():
    for make in (lambda: TemperatureLogitsWarper(0.0), lambda: TopKLogitsWarper(0), lambda: TopPLogitsWarper(1.5),
                 lambda: RepetitionPenaltyLogitsProcessor(-1.0)):
        with pytest.raises(ValueError):
            make()


def test_sampler_draws_from_the_distribution():
    probabilities = np.array([[0.1, 0.6, 0.0, 0.3]] * 20000)
    draws = _sample(probabilities, np.random.default_rng(0))
    frequencies = np.bincount(draws, minlength=4) / len(draws)
    np.testing.assert_allclose(frequencies, probabilities[0], atol=0.01)
    assert frequencies[2] == 0


def test_greedy_with_and_without_cache_agree(model):
    cached = model.generate(PROMPT, max_new_tokens=24).numpy()
    uncached = model.generate(PROMPT, max_new_tokens=24, use_cache=False).numpy()
    np.testing.assert_array_equal(cached, uncached)
    assert cached.shape == (1, len(PROMPT[0]) + 24)
    assert len(set(cached[0, 6:].tolist())) > 3              # not a degenerate repetition
    np.testing.assert_array_equal(model.generate(PROMPT, max_new_tokens=24).numpy(), cached)


def test_sampling_is_reproducible_and_cache_independent(model):
    settings = dict(max_new_tokens=20, do_sample=True, temperature=0.8, top_k=20, top_p=0.9,
                    repetition_penalty=1.2, seed=7)
    first = model.generate(PROMPT, **settings).numpy()
    np.testing.assert_array_equal(model.generate(PROMPT, **settings).numpy(), first)
    np.testing.assert_array_equal(model.generate(PROMPT, use_cache=False, **settings).numpy(), first)
    other = model.generate(PROMPT, **{**settings, "seed": 8}).numpy()
    assert not np.array_equal(other, first)
    top1 = model.generate(PROMPT, max_new_tokens=10, do_sample=True, top_k=1, seed=3).numpy()
    np.testing.assert_array_equal(top1, model.generate(PROMPT, max_new_tokens=10).numpy())


def test_streamer_and_eos(model):
    free = model.generate(PROMPT, max_new_tokens=12).numpy()[0, 6:].tolist()
    eos = free[4]
    streamed = []
    out = model.generate(PROMPT, max_new_tokens=12, eos_token_id=eos, streamer=streamed.append).numpy()
    stop = free.index(eos)
    assert streamed == free[:stop + 1]
    assert out[0, 6:].tolist() == free[:stop + 1]
    batch = model.generate(PROMPT * 2, max_new_tokens=3).numpy()
    np.testing.assert_array_equal(batch[0], batch[1])


def test_generate_rejects_bad_input(model):
    with pytest.raises(ValueError, match="context"):
        model.generate(PROMPT, max_new_tokens=200)
    with pytest.raises(ValueError, match="input_ids"):
        model.generate([[]], max_new_tokens=2)
    with pytest.raises(ValueError, match="temperature"):
        model.generate(PROMPT, max_new_tokens=2, do_sample=True, temperature=0.0)
    greedy = model.generate(PROMPT, max_new_tokens=4).numpy()
    np.testing.assert_array_equal(model.generate(PROMPT, max_new_tokens=4, temperature=0.0, top_k=3).numpy(), greedy)


def test_generate_on_device(model, device):
    expected = model.generate(PROMPT, max_new_tokens=12).numpy()
    moved = GPT2LMHeadModel(model.config).eval()
    moved.load_state_dict(model.state_dict())
    moved = moved.to(device)
    for use_cache in (True, False):
        out = moved.generate(PROMPT, max_new_tokens=12, use_cache=use_cache)
        assert out.device.type == device
        np.testing.assert_array_equal(out.cpu().numpy(), expected)
