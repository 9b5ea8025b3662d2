"""``axonml predict`` for language models: text from a GGUF or GPT-2 model, sentence embeddings from BERT.

:func:`run_predict` is called by :mod:`axonml.cli.predict` when its MODEL is a ``.gguf`` file or a
Hugging Face model directory. With ``--prompt`` the model generates, streaming each token to stdout
as it is produced, then prints the prompt-processing and generation speeds (tokens/s) on stderr.
With ``--embed`` a BERT directory prints one L2-normalised, mean-pooled embedding per sentence.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

from ..cli.errors import CommandError

__all__ = ["run_predict"]


def run_predict(args: argparse.Namespace) -> int:
    """Generate text or print embeddings as ``args`` (the ``axonml predict`` namespace) say; returns the exit status."""
    path = getattr(args, "model_path", None) or args.checkpoint
    if not os.path.exists(path):
        raise CommandError(f"no such model: {path}")
    if getattr(args, "embed", None):
        if getattr(args, "prompt", None) is not None:
            raise CommandError("give either --prompt (generate) or --embed (embeddings), not both")
        return _embed(path, args)
    if getattr(args, "prompt", None) is None:
        raise CommandError("give --prompt TEXT to generate text (or --embed TEXT for a BERT model's embeddings)")
    return _generate(path, args)


# --- generation ---------------------------------------------------------------------------------------------

def _load_causal(path: str, device: str):
    """(model, tokenizer, eos ids) of a .gguf file or a GPT-2 directory."""
    try:
        if path.lower().endswith(".gguf"):
            from .llama import load_gguf
            model, tokenizer = load_gguf(path)
            eos = tokenizer.eos_token_id
        else:
            model_type = _model_type(path)
            if model_type != "gpt2":
                raise CommandError(f"{path} holds a {model_type!r} model; --prompt generates with .gguf files and "
                                   "GPT-2 directories" + (" (use --embed for BERT)" if model_type == "bert" else ""))
            from ..text import Tokenizer
            from .gpt2 import GPT2LMHeadModel
            tokenizer_file = os.path.join(path, "tokenizer.json")
            if not os.path.isfile(tokenizer_file):
                raise CommandError(f"{path} has no tokenizer.json to encode the prompt with")
            model, tokenizer = GPT2LMHeadModel.from_pretrained(path), Tokenizer.from_file(tokenizer_file)
            eos = getattr(model.config, "eos_token_id", None)
    except (ValueError, NotImplementedError, OSError) as error:
        raise CommandError(f"cannot load {path}: {error}") from None
    if device != "cpu":
        try:
            model = model.to(device)
        except Exception as error:  # a missing OpenCL platform or kernel: say which
            raise CommandError(f"cannot run the model on {device}: {error}") from None
    return model, tokenizer, eos


def _prompt_ids(tokenizer, args) -> list[int]:
    if args.chat:
        template = getattr(tokenizer, "apply_chat_template", None)
        if template is None:
            raise CommandError("--chat needs a model whose file carries a chat template (a .gguf file)")
        try:
            text = template([{"role": "user", "content": args.prompt}])
        except ValueError as error:
            raise CommandError(str(error)) from None
        return tokenizer.encode(text, add_special_tokens=False)
    ids = tokenizer.encode(args.prompt)
    if not ids:
        raise CommandError("the prompt encodes to no tokens: give some text")
    return ids


class _Stream:
    """Prints the text of the tokens generated so far as they come (holding back an unfinished character),
    and times the first token (the prompt's processing) and the rest."""

    def __init__(self, tokenizer, eos, echo: bool) -> None:
        self.tokenizer, self.eos, self.echo = tokenizer, eos, echo
        self.ids: list[int] = []
        self.printed = ""
        self.start = time.perf_counter()
        self.first = None

    def __call__(self, token_id: int) -> None:
        if self.first is None:
            self.first = time.perf_counter()
        self.ids.append(int(token_id))
        if self.echo and token_id != self.eos:
            text = self.text()
            if not text.endswith("\ufffd"):
                sys.stdout.write(text[len(self.printed):])
                sys.stdout.flush()
                self.printed = text

    def text(self) -> str:
        ids = self.ids[:-1] if self.ids and self.ids[-1] == self.eos else self.ids
        return self.tokenizer.decode(ids)


def _generate(path: str, args) -> int:
    from ..autograd import no_grad
    model, tokenizer, eos = _load_causal(path, getattr(args, "device", "cpu") or "cpu")
    ids = _prompt_ids(tokenizer, args)
    temperature = args.temperature or 0.0
    stream = _Stream(tokenizer, eos, echo=not args.json)
    try:
        with no_grad():
            model.generate(ids, max_new_tokens=args.max_new_tokens, do_sample=temperature > 0,
                           temperature=temperature if temperature > 0 else 1.0, top_k=args.top_k, top_p=args.top_p,
                           repetition_penalty=args.repetition_penalty or 1.0, eos_token_id=eos, seed=args.seed,
                           streamer=stream)
    except ValueError as error:  # a prompt longer than the context, a bad sampling setting
        raise CommandError(str(error)) from None
    end = time.perf_counter()
    generated = len(stream.ids)
    prompt_seconds = (stream.first or end) - stream.start
    rest = end - stream.first if stream.first is not None and generated > 1 else 0.0
    speeds = {"prompt_tokens": len(ids), "prompt_tokens_per_s": len(ids) / prompt_seconds if prompt_seconds else None,
              "generated_tokens": generated, "tokens_per_s": (generated - 1) / rest if rest else None}
    if args.json:
        print(json.dumps({"prompt": args.prompt, "completion": stream.text(), **speeds}, indent=2))
        return 0
    sys.stdout.write(stream.text()[len(stream.printed):] + "\n")
    sys.stdout.flush()
    print(f"prompt: {len(ids)} tokens, {_rate(speeds['prompt_tokens_per_s'])}; generation: {generated} tokens, "
          f"{_rate(speeds['tokens_per_s'])}", file=sys.stderr)
    return 0


def _rate(value) -> str:
    return "n/a tokens/s" if value is None else f"{value:.1f} tokens/s"


# --- embeddings ---------------------------------------------------------------------------------------------

def _model_type(path: str) -> str:
    from ._pretrained import read_config
    try:
        return str(read_config(path).get("model_type", "unknown"))
    except (OSError, ValueError) as error:
        raise CommandError(str(error)) from None


def _embed(path: str, args) -> int:
    if path.lower().endswith(".gguf") or _model_type(path) != "bert":
        raise CommandError(f"--embed needs a BERT model directory (config.json with model_type 'bert'); {path} is "
                           "not one")
    from ..text import BertTokenizer
    from .bert import BertModel, encode_sentences
    try:
        model, tokenizer = BertModel.from_pretrained(path), BertTokenizer.from_pretrained(path)
    except (ValueError, OSError) as error:
        raise CommandError(f"cannot load {path}: {error}") from None
    device = getattr(args, "device", "cpu") or "cpu"
    if device != "cpu":
        model = model.to(device)
    embeddings = encode_sentences(model, tokenizer, list(args.embed)).cpu().numpy()
    if args.json:
        print(json.dumps([{"text": text, "embedding": [float(v) for v in row]}
                          for text, row in zip(args.embed, embeddings)]))
        return 0
    for text, row in zip(args.embed, embeddings):
        print(f"{text}\t" + " ".join(f"{v:.6f}" for v in row))
    return 0
