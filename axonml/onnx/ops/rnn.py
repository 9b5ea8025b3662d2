"""LSTM, GRU and RNN with ONNX's gate orders, activations, clip, peepholes, sequence_lens and layouts.

With the default activations and no peepholes, clip, input_forget or sequence_lens, LSTM and
GRU (linear_before_reset=1) run on axonml's fused recurrent ops, their weights reordered from
ONNX's gate order (LSTM i,o,f,c; GRU z,r,h) to PyTorch's (i,f,g,o; r,z,n). Everything else is
the step-by-step recurrence composed from axonml ops.
"""
from __future__ import annotations

import numpy as np

from ... import functional as T
from ...creation import zeros
from ...nn import functional as F
from ...ops import rnn as _rnn
from .._registry import register
from ._util import const, ints

_RNN_ATTRS = ("activation_alpha", "activation_beta", "activations", "clip", "direction", "hidden_size", "layout")

_DEFAULT_ALPHA = {"LeakyRelu": 0.01, "ThresholdedRelu": 1.0, "ScaledTanh": 1.0, "HardSigmoid": 0.2, "Elu": 1.0,
                  "Affine": 1.0}
_DEFAULT_BETA = {"ScaledTanh": 1.0, "HardSigmoid": 0.5, "Affine": 0.0}


def _activation(name, alpha, beta):
    if name == "Sigmoid":
        return T.sigmoid
    if name == "Tanh":
        return T.tanh
    if name == "Relu":
        return F.relu
    if name == "LeakyRelu":
        return lambda x: F.leaky_relu(x, alpha)
    if name == "ThresholdedRelu":
        return lambda x: T.where(x > alpha, x, x * 0)
    if name == "ScaledTanh":
        return lambda x: T.tanh(x * beta) * alpha
    if name == "HardSigmoid":
        return lambda x: T.clamp(x * alpha + beta, 0.0, 1.0)
    if name == "Elu":
        return lambda x: F.elu(x, alpha)
    if name == "Softsign":
        return F.softsign
    if name == "Softplus":
        return F.softplus
    if name == "Affine":
        return lambda x: x * alpha + beta
    raise NotImplementedError(f"activation {name!r} is not supported")


_ACTIVATIONS = {"Sigmoid", "Tanh", "Relu", "LeakyRelu", "ThresholdedRelu", "ScaledTanh", "HardSigmoid", "Elu",
                "Softsign", "Softplus", "Affine"}


def _activations(ctx, defaults):
    directions = 2 if ctx.attr("direction", "forward") == "bidirectional" else 1
    names = ctx.attr("activations") or defaults * directions
    names = [name[0].upper() + name[1:] if name.islower() else name for name in names]
    names = [{"Leakyrelu": "LeakyRelu", "Thresholdedrelu": "ThresholdedRelu", "Scaledtanh": "ScaledTanh",
              "Hardsigmoid": "HardSigmoid"}.get(name, name) for name in names]
    alphas = list(ctx.attr("activation_alpha") or [])
    betas = list(ctx.attr("activation_beta") or [])
    functions, alpha_index, beta_index = [], 0, 0
    for name in names:
        alpha = beta = None
        if name in _DEFAULT_ALPHA:
            alpha = alphas[alpha_index] if alpha_index < len(alphas) else _DEFAULT_ALPHA[name]
            alpha_index += 1
        if name in _DEFAULT_BETA:
            beta = betas[beta_index] if beta_index < len(betas) else _DEFAULT_BETA[name]
            beta_index += 1
        functions.append(_activation(name, alpha, beta))
    per_direction = len(defaults)
    return [functions[d * per_direction:(d + 1) * per_direction] for d in range(directions)], names


def _check(defaults):
    def check(ctx):
        names = ctx.attr("activations")
        if names:
            _, normalised = _activations(ctx, defaults)
            unknown = [name for name in normalised if name not in _ACTIVATIONS]
            if unknown:
                return f"activations {unknown} are not supported"
        if ctx.attr("direction", "forward") not in ("forward", "reverse", "bidirectional"):
            return f"direction {ctx.attr('direction')!r} is not supported"
        return None
    return check


def _prepare(ctx, x, sequence_lens, initial, count):
    """Time-major input, direction list, and (dirs, B, H) initial states (zeros where absent)."""
    if ctx.attr("layout", 0):
        x = x.transpose(0, 1)
        initial = [state.transpose(0, 1) if state is not None else None for state in initial]
    direction = ctx.attr("direction", "forward")
    directions = ["forward", "reverse"] if direction == "bidirectional" else [direction]
    hidden = ctx.attr("hidden_size")
    batch = x.shape[1]
    states = []
    for state in initial[:count]:
        if state is None:
            state = zeros((len(directions), batch, hidden), dtype=x.dtype, device=x.device)
        states.append(state)
    lengths = ints(sequence_lens) if sequence_lens is not None else None
    if lengths is not None and all(length == x.shape[0] for length in lengths):
        lengths = None
    return x, directions, states, lengths


def _reverse_within(x, lengths):
    """Each batch column of time-major x reversed within its own length (padding left in place)."""
    steps, batch = x.shape[0], x.shape[1]
    order = np.tile(np.arange(steps)[:, None], (1, batch))
    for b, length in enumerate(lengths):
        order[:length, b] = np.arange(length)[::-1]
    index = const(order.reshape(steps, batch, *([1] * (x.ndim - 2))).astype(np.int64), x)
    return T.gather(x, 0, index.expand(*x.shape))


def _run_direction(x, step, states, reverse, lengths):
    """Run step over the time steps; returns (outputs (T, B, H), final states)."""
    steps = x.shape[0]
    if reverse:
        x = x.flip([0]) if lengths is None else _reverse_within(x, lengths)
    masks = None
    if lengths is not None:
        lengths_array = np.array(lengths)
        masks = [const((t < lengths_array).reshape(-1, 1), x) for t in range(steps)]
    outputs = []
    for t in range(steps):
        new_states = step(x[t], states)
        if masks is not None:
            new_states = [T.where(masks[t], new, old) for new, old in zip(new_states, states)]
            outputs.append(T.where(masks[t], new_states[0], new_states[0] * 0))
        else:
            outputs.append(new_states[0])
        states = new_states
    y = T.stack(outputs, 0)
    if reverse:
        y = y.flip([0]) if lengths is None else _reverse_within(y, lengths)
    return y, states


def _finish(ctx, outputs, finals):
    """Y (T, dirs, B, H) and the final states (dirs, B, H), in the requested layout."""
    y = T.stack(outputs, 1)
    finals = [T.stack([state[i] for state in finals], 0) for i in range(len(finals[0]))]
    if ctx.attr("layout", 0):
        y = y.permute(2, 0, 1, 3)
        finals = [state.transpose(0, 1) for state in finals]
    return (y, *finals)


def _clip(value, clip):
    return value if clip is None else T.clamp(value, -clip, clip)


def _blocks(weight, order, size):
    """weight's row blocks of `size` rows in the given order (a differentiable reindexing)."""
    index = np.concatenate([np.arange(block * size, (block + 1) * size) for block in order])
    return T.index_select(weight, 0, const(index.astype(np.int64), weight))


@register("LSTM", since=7, attrs=_RNN_ATTRS + ("input_forget",), check=_check(["Sigmoid", "Tanh", "Tanh"]))
def lstm(ctx, x, w, r, b=None, sequence_lens=None, initial_h=None, initial_c=None, peepholes=None):
    hidden = ctx.attr("hidden_size")
    x, directions, (h0, c0), lengths = _prepare(ctx, x, sequence_lens, [initial_h, initial_c], 2)
    functions, names = _activations(ctx, ["Sigmoid", "Tanh", "Tanh"])
    clip = ctx.attr("clip")
    plain = (names == ["Sigmoid", "Tanh", "Tanh"] * len(directions) and clip is None
             and not ctx.attr("input_forget", 0) and lengths is None
             and (peepholes is None or not bool((peepholes != 0).any().item())))
    if plain:
        params = []
        for d in range(len(directions)):
            params += [_blocks(w[d], (0, 2, 3, 1), hidden), _blocks(r[d], (0, 2, 3, 1), hidden)]
            if b is not None:
                params += [_blocks(b[d][:4 * hidden], (0, 2, 3, 1), hidden),
                           _blocks(b[d][4 * hidden:], (0, 2, 3, 1), hidden)]
        if len(directions) == 1 and directions[0] == "reverse":
            y, h_n, c_n = _rnn.lstm(x.flip([0]), (h0, c0), params, b is not None, 1, 0.0, False, False, False)
            y = y.flip([0]).unsqueeze(1)
        else:
            y, h_n, c_n = _rnn.lstm(x, (h0, c0), params, b is not None, 1, 0.0, False, len(directions) == 2, False)
            y = y.reshape(y.shape[0], y.shape[1], len(directions), hidden).permute(0, 2, 1, 3)
        if ctx.attr("layout", 0):
            return y.permute(2, 0, 1, 3), h_n.transpose(0, 1), c_n.transpose(0, 1)
        return y, h_n, c_n
    outputs, finals = [], []
    for d, direction in enumerate(directions):
        w_d, r_d = w[d].t(), r[d].t()
        bias = b[d][:4 * hidden] + b[d][4 * hidden:] if b is not None else None
        p = peepholes[d] if peepholes is not None else None
        f, g, h = functions[d]

        def step(x_t, state, w_d=w_d, r_d=r_d, bias=bias, p=p, f=f, g=g, h=h):
            h_prev, c_prev = state
            gates = T.matmul(x_t, w_d) + T.matmul(h_prev, r_d)
            if bias is not None:
                gates = gates + bias
            i, o, forget, c = T.split(gates, hidden, 1)
            if p is not None:
                i = i + p[:hidden] * c_prev
                forget = forget + p[2 * hidden:] * c_prev
            i = f(_clip(i, clip))
            forget = 1 - i if ctx.attr("input_forget", 0) else f(_clip(forget, clip))
            c = g(_clip(c, clip))
            c_new = forget * c_prev + i * c
            if p is not None:
                o = o + p[hidden:2 * hidden] * c_new
            o = f(_clip(o, clip))
            return [o * h(c_new), c_new]
        y, state = _run_direction(x, step, [h0[d], c0[d]], direction == "reverse", lengths)
        outputs.append(y)
        finals.append(state)
    return _finish(ctx, outputs, finals)


@register("GRU", since=7, attrs=_RNN_ATTRS + ("linear_before_reset",), check=_check(["Sigmoid", "Tanh"]))
def gru(ctx, x, w, r, b=None, sequence_lens=None, initial_h=None):
    hidden = ctx.attr("hidden_size")
    x, directions, (h0,), lengths = _prepare(ctx, x, sequence_lens, [initial_h], 1)
    functions, names = _activations(ctx, ["Sigmoid", "Tanh"])
    clip = ctx.attr("clip")
    before_reset = bool(ctx.attr("linear_before_reset", 0))
    outputs, finals = [], []
    for d, direction in enumerate(directions):
        w_d, r_d = w[d].t(), r[d].t()
        w_bias = b[d][:3 * hidden] if b is not None else None
        r_bias = b[d][3 * hidden:] if b is not None else None
        f, g = functions[d]

        def step(x_t, state, w_d=w_d, r_d=r_d, w_bias=w_bias, r_bias=r_bias, f=f, g=g):
            (h_prev,) = state
            x_gates = T.matmul(x_t, w_d)
            if w_bias is not None:
                x_gates = x_gates + w_bias
            x_z, x_r, x_h = T.split(x_gates, hidden, 1)
            r_z, r_r, r_h = T.split(r_d, hidden, 1)
            b_z = b_r = b_h = None
            if r_bias is not None:
                b_z, b_r, b_h = T.split(r_bias, hidden, 0)
            z = x_z + T.matmul(h_prev, r_z)
            reset = x_r + T.matmul(h_prev, r_r)
            if b_z is not None:
                z, reset = z + b_z, reset + b_r
            z, reset = f(_clip(z, clip)), f(_clip(reset, clip))
            if before_reset:
                recurrent = T.matmul(h_prev, r_h)
                if b_h is not None:
                    recurrent = recurrent + b_h
                candidate = x_h + reset * recurrent
            else:
                candidate = x_h + T.matmul(reset * h_prev, r_h)
                if b_h is not None:
                    candidate = candidate + b_h
            candidate = g(_clip(candidate, clip))
            return [(1 - z) * candidate + z * h_prev]
        y, state = _run_direction(x, step, [h0[d]], direction == "reverse", lengths)
        outputs.append(y)
        finals.append(state)
    return _finish(ctx, outputs, finals)


@register("RNN", since=7, attrs=_RNN_ATTRS, check=_check(["Tanh"]))
def rnn(ctx, x, w, r, b=None, sequence_lens=None, initial_h=None):
    hidden = ctx.attr("hidden_size")
    x, directions, (h0,), lengths = _prepare(ctx, x, sequence_lens, [initial_h], 1)
    functions, _ = _activations(ctx, ["Tanh"])
    clip = ctx.attr("clip")
    outputs, finals = [], []
    for d, direction in enumerate(directions):
        w_d, r_d = w[d].t(), r[d].t()
        bias = b[d][:hidden] + b[d][hidden:] if b is not None else None
        (f,) = functions[d]

        def step(x_t, state, w_d=w_d, r_d=r_d, bias=bias, f=f):
            value = T.matmul(x_t, w_d) + T.matmul(state[0], r_d)
            if bias is not None:
                value = value + bias
            return [f(_clip(value, clip))]
        y, state = _run_direction(x, step, [h0[d]], direction == "reverse", lengths)
        outputs.append(y)
        finals.append(state)
    return _finish(ctx, outputs, finals)

