"""GPT-2 against transformers' GPT2 with the same state dict: logits, loss, padding, loading, generation."""
import numpy as np
import pytest
import torch
import transformers

import axonml
from axonml.llm import GPT2Config, GPT2LMHeadModel, GPT2Model

SIZES = dict(n_layer=2, n_embd=48, n_head=4, vocab_size=101, n_positions=64)


@pytest.fixture(scope="module")
def reference():
    torch.manual_seed(0)
    model = transformers.GPT2LMHeadModel(transformers.GPT2Config(**SIZES, bos_token_id=0, eos_token_id=0)).eval()
    with torch.no_grad():                       # varied, position-dependent predictions from an untrained model
        model.transformer.wpe.weight.normal_(0, 2.0)
        model.transformer.wte.weight.normal_(0, 0.6)
    return model


@pytest.fixture(scope="module")
def ours(reference):
    model = GPT2LMHeadModel(GPT2Config(**SIZES)).eval()
    model.load_state_dict({name: axonml.from_numpy(value.detach().numpy().copy())
                           for name, value in reference.state_dict().items()})
    return model


IDS = np.random.default_rng(0).integers(0, 101, (2, 12))


def test_state_dict_names_and_shapes_are_transformers(reference, ours):
    theirs = {name: tuple(value.shape) for name, value in reference.state_dict().items()}
    assert {name: tuple(value.shape) for name, value in ours.state_dict().items()} == theirs
    assert ours.transformer.h[0].attn.c_attn.weight.shape == (48, 144)        # Conv1D: (in, out)
    assert ours.lm_head.weight is ours.transformer.wte.weight


def test_logits_and_loss_match(reference, ours):
    with torch.no_grad():
        expected = reference(torch.tensor(IDS), labels=torch.tensor(IDS))
    output = ours(axonml.from_numpy(IDS), labels=axonml.from_numpy(IDS))
    np.testing.assert_allclose(output.logits.detach().numpy(), expected.logits.numpy(), atol=1e-4)
    np.testing.assert_allclose(output.loss.item(), expected.loss.item(), rtol=1e-5)
    output.loss.backward()
    assert ours.transformer.h[1].mlp.c_fc.weight.grad is not None
    ours.zero_grad()


def test_incremental_logits_match_full_forward(ours):
    ids = axonml.from_numpy(IDS)
    with axonml.no_grad():
        full = ours(ids).logits.numpy()
        first = ours(ids[:, :7], use_cache=True)
        cache = first.past_key_values
        assert cache.length == 7
        steps = [first.logits.numpy()]
        for position in range(7, 12):
            steps.append(ours(ids[:, position:position + 1], past_key_values=cache, use_cache=True).logits.numpy())
    np.testing.assert_allclose(np.concatenate(steps, axis=1), full, atol=1e-4)
    with axonml.no_grad():
        last = ours(ids, logits_to_keep=1).logits.numpy()
    assert last.shape == (2, 1, 101)
    np.testing.assert_allclose(last, full[:, -1:], atol=1e-5)


def test_padding_mask_matches(reference, ours):
    mask = np.ones_like(IDS)
    mask[1, 8:] = 0                                # the second sequence is right-padded
    with torch.no_grad():
        expected = reference(torch.tensor(IDS), attention_mask=torch.tensor(mask)).logits.numpy()
    with axonml.no_grad():
        got = ours(axonml.from_numpy(IDS), attention_mask=axonml.from_numpy(mask)).logits.numpy()
    real = mask.astype(bool)
    np.testing.assert_allclose(got[real], expected[real], atol=1e-4)


@pytest.mark.parametrize("penalty", [1.0, 1.5])
def test_greedy_tokens_match(reference, ours, penalty):
    prompt = IDS[:1, :6]
    with torch.no_grad():
        theirs = reference.generate(torch.tensor(prompt), max_new_tokens=20, do_sample=False, pad_token_id=0,
                                    eos_token_id=None, repetition_penalty=penalty).numpy()
    mine = ours.generate(prompt, max_new_tokens=20, repetition_penalty=penalty).numpy()
    np.testing.assert_array_equal(mine, theirs)
    assert len(set(mine[0, 6:].tolist())) > 3


def test_from_pretrained_reads_transformers_directories(reference, ours, tmp_path):
    reference.save_pretrained(tmp_path / "lm")                      # lm_head.weight omitted: tied
    loaded = GPT2LMHeadModel.from_pretrained(tmp_path / "lm")
    assert not loaded.training
    with axonml.no_grad():
        np.testing.assert_allclose(loaded(axonml.from_numpy(IDS)).logits.numpy(),
                                   ours(axonml.from_numpy(IDS)).logits.numpy(), atol=1e-6)
    reference.transformer.save_pretrained(tmp_path / "base")        # names without "transformer."
    base = GPT2Model.from_pretrained(tmp_path / "base")
    with torch.no_grad():
        expected = reference.transformer(torch.tensor(IDS)).last_hidden_state.numpy()
    with axonml.no_grad():
        np.testing.assert_allclose(base(axonml.from_numpy(IDS)).numpy(), expected, atol=1e-4)
    lm_from_base = GPT2LMHeadModel.from_pretrained(tmp_path / "base")
    assert lm_from_base.lm_head.weight is lm_from_base.transformer.wte.weight


def test_bad_input_and_files(ours, tmp_path):
    with pytest.raises(ValueError, match="n_positions"):
        ours(axonml.zeros(1, 65, dtype=axonml.int64))
    with pytest.raises(FileNotFoundError, match="config.json"):
        GPT2LMHeadModel.from_pretrained(tmp_path)
    (tmp_path / "config.json").write_text('{"model_type": "bert"}')
    with pytest.raises(ValueError, match="bert"):
        GPT2LMHeadModel.from_pretrained(tmp_path)
    with pytest.raises(ValueError, match="multiple"):
        GPT2Config(n_embd=50, n_head=4)


@pytest.mark.parametrize("use_cache", [True, False])
def test_left_padded_batch_generates_like_transformers(reference, ours, use_cache):
    prompts = [IDS[0, :8].tolist(), IDS[1, :5].tolist()]
    width = max(len(p) for p in prompts)
    ids = np.array([[0] * (width - len(p)) + p for p in prompts])
    mask = np.array([[0] * (width - len(p)) + [1] * len(p) for p in prompts])
    with torch.no_grad():
        theirs = reference.generate(torch.tensor(ids), attention_mask=torch.tensor(mask), max_new_tokens=12,
                                    do_sample=False, pad_token_id=0, eos_token_id=None).numpy()
    mine = ours.generate(ids, attention_mask=mask, max_new_tokens=12, use_cache=use_cache).numpy()
    np.testing.assert_array_equal(mine, theirs)
    alone = ours.generate([prompts[1]], max_new_tokens=12).numpy()
    np.testing.assert_array_equal(mine[1, width:], alone[0, len(prompts[1]):])    # padding changes nothing
    with pytest.raises(ValueError, match="left"):
        ours.generate(ids, attention_mask=mask[:, ::-1], max_new_tokens=2)
