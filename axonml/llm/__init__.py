"""Language models that load published weights: BERT, GPT-2 and Llama-family decoders from GGUF.

Each model lives in its own module and is imported on first use, so ``import axonml.llm`` stays
cheap and the command line can reach one model without building the others.
"""
from __future__ import annotations

import importlib

_EXPORTS = {
    "BertConfig": "bert", "BertModel": "bert", "BertForSequenceClassification": "bert",
    "BertForMaskedLM": "bert", "mean_pooling": "bert", "encode_sentences": "bert",
    "GPT2Config": "gpt2", "GPT2Model": "gpt2", "GPT2LMHeadModel": "gpt2",
    "LlamaConfig": "llama", "LlamaForCausalLM": "llama", "load_gguf": "llama", "GGUFTokenizer": "gguf_tokenizer",
    "GenerationMixin": "generation", "KVCache": "generation", "CausalLMOutput": "generation",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'axonml.llm' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))
