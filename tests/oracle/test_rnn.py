"""Recurrent ops against PyTorch (ops/rnn.py): the single steps (lstm_cell, gru_cell, rnn_*_cell) and the
multi-layer sequence ops (lstm, gru, rnn_tanh, rnn_relu), forward and every gradient.

The module-level tests (nn.LSTM, nn.GRUCell ...) are in tests/nn/test_rnn.py.
"""
import pytest

from tests.oracle.oracle import check, check_raises, namespace

BATCH, IN, HIDDEN, SEQ = 3, 4, 5, 6
GATES = {"lstm": 4, "gru": 3, "rnn_tanh": 1, "rnn_relu": 1}


def _cell_shapes(kind, bias):
    gates = GATES[kind] * HIDDEN
    hidden = [(BATCH, HIDDEN), (BATCH, HIDDEN)] if kind == "lstm" else [(BATCH, HIDDEN)]
    weights = [(gates, IN), (gates, HIDDEN)] + ([(gates,), (gates,)] if bias else [])
    return [(BATCH, IN)] + hidden + weights


def _cell(kind):
    def call(x, *rest):
        ops = namespace(x)
        if kind == "lstm":
            h, c, *weights = rest
            return getattr(ops, "lstm_cell")(x, (h, c), *weights)
        return getattr(ops, kind + "_cell")(x, *rest)
    return call


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("kind", sorted(GATES))
def test_cell(kind, bias, device):
    check(_cell(kind), _cell_shapes(kind, bias), device=device)


def _sequence(kind, num_layers, bidirectional, batch_first, bias):
    """(fn, input shapes) of a sequence op: x, the initial state(s), then the flat weight list."""
    directions = 2 if bidirectional else 1
    gates = GATES[kind] * HIDDEN
    state = (num_layers * directions, BATCH, HIDDEN)
    states = 2 if kind == "lstm" else 1
    weights = []
    for layer in range(num_layers):
        layer_in = IN if layer == 0 else HIDDEN * directions
        for _ in range(directions):
            weights += [(gates, layer_in), (gates, HIDDEN)] + ([(gates,), (gates,)] if bias else [])
    x_shape = (BATCH, SEQ, IN) if batch_first else (SEQ, BATCH, IN)

    def call(x, *rest):
        hx = tuple(rest[:states]) if kind == "lstm" else rest[0]
        return getattr(namespace(x), kind)(x, hx, list(rest[states:]), bias, num_layers, 0.0, False,
                                           bidirectional, batch_first)
    return call, [x_shape] + [state] * states + weights


@pytest.mark.parametrize("options", [dict(num_layers=1, bidirectional=False, batch_first=False, bias=True),
                                     dict(num_layers=2, bidirectional=True, batch_first=False, bias=True),
                                     dict(num_layers=1, bidirectional=False, batch_first=True, bias=False)],
                         ids=["one_layer", "two_layers_bidirectional", "batch_first_no_bias"])
@pytest.mark.parametrize("kind", sorted(GATES))
def test_sequence(kind, options, device):
    fn, shapes = _sequence(kind, **options)
    check(fn, shapes, device=device)


def test_cell_errors(device):
    # hidden size that does not match w_hh, input width that does not match w_ih
    check_raises(_cell("gru"), [(BATCH, IN), (BATCH, HIDDEN + 1), (3 * HIDDEN, IN), (3 * HIDDEN, HIDDEN)],
                 device=device)
    check_raises(_cell("rnn_tanh"), [(BATCH, IN + 1), (BATCH, HIDDEN), (HIDDEN, IN), (HIDDEN, HIDDEN)],
                 device=device)
    check_raises(_cell("lstm"), [(BATCH, IN), (BATCH, HIDDEN), (BATCH, HIDDEN + 1), (4 * HIDDEN, IN),
                                 (4 * HIDDEN, HIDDEN)], device=device)
    check_raises(_cell("lstm"), [(BATCH, IN), (BATCH - 1, HIDDEN), (BATCH, HIDDEN), (4 * HIDDEN, IN),
                                 (4 * HIDDEN, HIDDEN)], device=device)
