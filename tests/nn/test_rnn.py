"""RNN, LSTM, GRU and their cells against PyTorch: outputs, final states and every gradient."""
import numpy as np
import pytest
import torch

import axonml
from axonml import nn
from tests.nn.parity import check_module, load_torch_state, to_axonml

SEQ, BATCH, IN, HIDDEN = 5, 3, 4, 6


def _pair(kind, *args, **kwargs):
    return getattr(nn, kind)(*args, **kwargs), getattr(torch.nn, kind)(*args, **kwargs)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("options", [dict(), dict(num_layers=2, bidirectional=True), dict(batch_first=True),
                                     dict(bias=False, num_layers=2)])
def test_recurrent_layer_matches_torch(kind, dtype, options, device):
    ours, theirs = _pair(kind, IN, HIDDEN, **options)
    shape = (BATCH, SEQ, IN) if options.get("batch_first") else (SEQ, BATCH, IN)
    check_module(ours, theirs, [shape], dtype=dtype, device=device)


@pytest.mark.parametrize("kind", ["RNN", "GRU"])
def test_initial_state_gets_gradient(kind, device):
    ours, theirs = _pair(kind, IN, HIDDEN, num_layers=2, bidirectional=True)
    check_module(ours, theirs, [(SEQ, BATCH, IN), (4, BATCH, HIDDEN)], dtype="float64", device=device)


def test_relu_rnn_matches_torch(device):
    ours, theirs = _pair("RNN", IN, HIDDEN, num_layers=2, nonlinearity="relu")
    check_module(ours, theirs, [(SEQ, BATCH, IN)], dtype="float64", device=device)
    assert repr(ours) == repr(theirs)


class _LSTMWithState(torch.nn.Module):
    """Calls an LSTM with (h0, c0) passed as separate inputs, so both get gradients in check_module."""

    def __init__(self, lstm):
        super().__init__()
        self.lstm = lstm

    def forward(self, x, h0, c0):
        return self.lstm(x, (h0, c0))


class _AxLSTMWithState(nn.Module):
    def __init__(self, lstm):
        super().__init__()
        self.lstm = lstm

    def forward(self, x, h0, c0):
        return self.lstm(x, (h0, c0))


def test_lstm_initial_states_get_gradients(device):
    ours, theirs = _pair("LSTM", IN, HIDDEN, num_layers=2, bidirectional=True, batch_first=True)
    check_module(_AxLSTMWithState(ours), _LSTMWithState(theirs),
                 [(BATCH, SEQ, IN), (4, BATCH, HIDDEN), (4, BATCH, HIDDEN)], dtype="float64", device=device)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_unbatched_input(kind, device):
    ours, theirs = _pair(kind, IN, HIDDEN, num_layers=2)
    check_module(ours, theirs, [(SEQ, IN)], dtype="float64", device=device)


def test_eval_mode_without_dropout_between_layers(device):
    ours, theirs = _pair("LSTM", IN, HIDDEN, num_layers=3, dropout=0.5)
    check_module(ours, theirs, [(SEQ, BATCH, IN)], dtype="float64", train=False, device=device)


def test_dropout_between_layers_in_training():
    layer = nn.GRU(IN, HIDDEN, num_layers=2, dropout=0.9)
    x = axonml.randn(SEQ, BATCH, IN)
    layer.eval()
    reference = np.asarray(layer(x)[0].detach())
    layer.train()
    out = np.asarray(layer(x)[0].detach())
    assert not np.allclose(out, reference)
    single = nn.GRU(IN, HIDDEN)
    single.train()
    np.testing.assert_array_equal(np.asarray(single(x)[0].detach()), np.asarray(single.eval()(x)[0].detach()))


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_state_dict_names_and_repr(kind):
    ours, theirs = _pair(kind, IN, HIDDEN, num_layers=2, bidirectional=True, batch_first=True, dropout=0.1)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs)
    assert [tuple(p.shape) for p in ours.parameters()] == [tuple(p.shape) for p in theirs.parameters()]


def test_default_init_is_uniform_in_one_over_sqrt_hidden():
    layer = nn.LSTM(IN, 100)
    bound = 1 / np.sqrt(100)
    values = np.concatenate([np.asarray(p.detach()).ravel() for p in layer.parameters()])
    assert np.abs(values).max() <= bound and np.abs(values).max() > 0.99 * bound


@pytest.mark.parametrize("kind", ["RNNCell", "LSTMCell", "GRUCell"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_cells_match_torch(kind, dtype, device):
    ours, theirs = _pair(kind, IN, HIDDEN)
    check_module(ours, theirs, [(BATCH, IN)], dtype=dtype, device=device)
    ours, theirs = _pair(kind, IN, HIDDEN, bias=False)
    hidden = (BATCH, HIDDEN)
    if kind == "LSTMCell":
        check_module(_AxLSTMWithState(ours), _LSTMWithState(theirs), [(BATCH, IN), hidden, hidden], dtype=dtype,
                     device=device)
    else:
        check_module(ours, theirs, [(BATCH, IN), hidden], dtype=dtype, device=device)
    assert repr(ours) == repr(theirs)


def test_relu_cell_and_unbatched_cell(device):
    ours, theirs = _pair("RNNCell", IN, HIDDEN, nonlinearity="relu")
    check_module(ours, theirs, [(BATCH, IN)], dtype="float64", device=device)
    ours, theirs = _pair("GRUCell", IN, HIDDEN)
    check_module(ours, theirs, [(IN,)], dtype="float64", device=device)


def test_errors_match_torch():
    layer = nn.LSTM(IN, HIDDEN)
    with pytest.raises(RuntimeError, match="input.size\\(-1\\) must be equal to input_size"):
        layer(axonml.randn(SEQ, BATCH, IN + 1))
    with pytest.raises(RuntimeError, match="Expected hidden\\[0\\] size"):
        layer(axonml.randn(SEQ, BATCH, IN), (axonml.zeros(1, BATCH + 1, HIDDEN), axonml.zeros(1, BATCH, HIDDEN)))
    with pytest.raises(ValueError, match="Expected input to be 2D or 3D"):
        layer(axonml.randn(1, SEQ, BATCH, IN))
    with pytest.raises(ValueError, match="dtype"):
        layer(axonml.randn(SEQ, BATCH, IN, dtype=axonml.float64))
    with pytest.raises(ValueError):
        nn.RNN(IN, HIDDEN, nonlinearity="sigmoid")
    with pytest.raises(ValueError):
        nn.GRU(IN, HIDDEN, dropout=2)


def test_lstm_output_feeds_a_loss_end_to_end():
    ours, theirs = _pair("LSTM", IN, HIDDEN, batch_first=True)
    load_torch_state(ours, theirs)
    x = np.random.default_rng(0).standard_normal((BATCH, SEQ, IN)).astype(np.float32)
    out_t, (h_t, _) = theirs(torch.from_numpy(x))
    out_a, (h_a, _) = ours(to_axonml(torch.from_numpy(x)))
    (out_t[:, -1] - h_t[0]).abs().sum().backward()
    (out_a[:, -1] - h_a[0]).abs().sum().backward()
    np.testing.assert_allclose(np.asarray(ours.weight_hh_l0.grad), theirs.weight_hh_l0.grad.numpy(), atol=1e-5)
