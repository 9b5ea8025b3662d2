"""Recurrent layers: the LSTM, GRU and Elman (tanh/relu) recurrences, whole sequences at a time.

The input projection of every timestep is one matmul outside the recurrence (``linear`` over
(T, B, in)); the ops below then run the time loop for one layer and direction: per step one
gemm with W_hh and the gate math. Backward walks the steps in reverse, keeping each step's
pre-activation gradient, and finishes with one gemm over all steps for dW_hh.

Gate orders are PyTorch's: LSTM (i, f, g, o), GRU (r, z, n). The public functions have the
signatures of torch.lstm / torch.gru / torch.rnn_tanh / torch.rnn_relu and their *_cell forms.
"""
from __future__ import annotations

from .._ext._autograd import apply
from ..autograd.function import ArrayFunction
from ..tensor import Tensor

__all__ = ["lstm", "gru", "rnn_tanh", "rnn_relu", "lstm_cell", "gru_cell", "rnn_tanh_cell", "rnn_relu_cell"]


def _steps(length: int, reverse: bool) -> range:
    return range(length - 1, -1, -1) if reverse else range(length)


class LSTMSequence(ArrayFunction):
    """One LSTM layer and direction over a sequence: (gates_x, h0, c0, w_hh) -> (outputs, h_n, c_n).

    gates_x (T, B, 4H) is x_t @ W_ih^T + b_ih + b_hh for every step. Per step: one gemm and one
    fused gate kernel (the backend's lstm_cell); backward likewise, plus one gemm for dW_hh.
    """

    @staticmethod
    def forward(ctx, gates_x, h0, c0, w_hh, reverse):
        xp = ctx.xp
        length, batch, gate_size = gates_x.shape
        outputs = xp.empty((length, batch, gate_size // 4), gates_x.dtype)
        activations, cells, tanh_cells = [None] * length, [None] * length, [None] * length
        previous = [None] * length
        h, c = h0, c0
        for t in _steps(length, reverse):
            gates = xp.gemm(h, w_hh, trans_b=True, beta=1.0, c=xp.getitem(gates_x, t))
            h_next = xp.getitem(outputs, t)
            c_next, tanh_c = xp.lstm_cell(gates, c, h_next)
            activations[t], cells[t], tanh_cells[t], previous[t] = gates, c, tanh_c, h
            h, c = h_next, c_next
        if any(ctx.needs_input_grad):
            ctx.save_for_backward(w_hh)
            ctx.intermediates = (activations, cells, tanh_cells, xp.stack(previous, 0))
            ctx.reverse = reverse
        return outputs, xp.copy(h), c

    @staticmethod
    def backward(ctx, grad_outputs, grad_h, grad_c):
        xp = ctx.xp
        (w_hh,) = ctx.saved_tensors
        activations, cells, tanh_cells, previous = ctx.intermediates
        length, batch, hidden = grad_outputs.shape
        grad_gates = xp.empty((length, batch, 4 * hidden), grad_outputs.dtype)
        dh_next, dc_next = grad_h, grad_c
        for t in _steps(length, not ctx.reverse):
            d_gates = xp.getitem(grad_gates, t)
            dc_next = xp.lstm_cell_backward(xp.getitem(grad_outputs, t), dh_next, dc_next, activations[t], cells[t],
                                            tanh_cells[t], d_gates)
            dh_next = xp.gemm(d_gates, w_hh)
        needs = ctx.needs_input_grad
        grad_w_hh = None
        if needs[3]:
            grad_w_hh = xp.gemm(xp.reshape(grad_gates, (length * batch, 4 * hidden)),
                                xp.reshape(previous, (length * batch, hidden)), trans_a=True)
        return (grad_gates if needs[0] else None, dh_next if needs[1] else None, dc_next if needs[2] else None,
                grad_w_hh, None)


class GRUSequence(ArrayFunction):
    """One GRU layer and direction over a sequence: (gates_x, h0, w_hh, b_hh) -> (outputs, h_n).

    gates_x (T, B, 3H) is x_t @ W_ih^T + b_ih; b_hh stays separate because PyTorch's new gate
    is n = tanh(x W_in + b_in + r * (h W_hn + b_hn)).
    """

    @staticmethod
    def forward(ctx, gates_x, h0, w_hh, b_hh, reverse):
        xp = ctx.xp
        length, batch, gate_size = gates_x.shape
        hidden = gate_size // 3
        outputs = xp.empty((length, batch, hidden), gates_x.dtype)
        keep = any(ctx.needs_input_grad)
        saved = [None] * length
        previous = [None] * length
        h = h0
        for t in _steps(length, reverse):
            gx = xp.getitem(gates_x, t)
            gh = xp.gemm(h, w_hh, trans_b=True) if b_hh is None else xp.gemm(h, w_hh, trans_b=True, beta=1.0, c=b_hh)
            rz = xp.sigmoid(xp.add(gx[:, :2 * hidden], gh[:, :2 * hidden]))
            r, z = rz[:, :hidden], rz[:, hidden:]
            gh_n = gh[:, 2 * hidden:]
            n = xp.tanh(xp.add(gx[:, 2 * hidden:], xp.mul(r, gh_n)))
            h_next = xp.add(n, xp.mul(z, xp.sub(h, n)))
            xp.setitem(outputs, t, h_next)
            if keep:
                saved[t], previous[t] = (rz, n, gh_n), h
            h = h_next
        if keep:
            ctx.save_for_backward(w_hh)
            ctx.intermediates = (saved, xp.stack(previous, 0))
            ctx.reverse = reverse
        return outputs, h

    @staticmethod
    def backward(ctx, grad_outputs, grad_h):
        xp = ctx.xp
        (w_hh,) = ctx.saved_tensors
        saved, previous = ctx.intermediates
        length, batch, hidden = grad_outputs.shape
        grad_gx = xp.empty((length, batch, 3 * hidden), grad_outputs.dtype)
        grad_gh = xp.empty((length, batch, 3 * hidden), grad_outputs.dtype)
        dh_next = grad_h
        for t in _steps(length, not ctx.reverse):
            rz, n, gh_n = saved[t]
            r, z = rz[:, :hidden], rz[:, hidden:]
            h_prev = xp.getitem(previous, t)
            dh = xp.add(xp.getitem(grad_outputs, t), dh_next)
            dn_pre = xp.mul(xp.mul(dh, xp.sub(1.0, z)), xp.sub(1.0, xp.mul(n, n)))
            d_rz = xp.concatenate([xp.mul(dn_pre, gh_n), xp.mul(dh, xp.sub(h_prev, n))], 1)
            d_rz_pre = xp.mul(d_rz, xp.mul(rz, xp.sub(1.0, rz)))
            xp.setitem(grad_gx, t, xp.concatenate([d_rz_pre, dn_pre], 1))
            d_gh = xp.concatenate([d_rz_pre, xp.mul(dn_pre, r)], 1)
            xp.setitem(grad_gh, t, d_gh)
            dh_next = xp.add(xp.mul(dh, z), xp.gemm(d_gh, w_hh))
        needs = ctx.needs_input_grad
        flat_gh = xp.reshape(grad_gh, (length * batch, 3 * hidden))
        grad_w_hh = xp.gemm(flat_gh, xp.reshape(previous, (length * batch, hidden)), trans_a=True) \
            if needs[2] else None
        grad_b_hh = xp.sum(flat_gh, 0, False) if needs[3] else None
        return grad_gx if needs[0] else None, dh_next if needs[1] else None, grad_w_hh, grad_b_hh, None


class ElmanSequence(ArrayFunction):
    """One tanh/relu RNN layer and direction: (gates_x, h0, w_hh, nonlinearity) -> (outputs, h_n).

    gates_x (T, B, H) is x_t @ W_ih^T + b_ih + b_hh for every step.
    """

    @staticmethod
    def forward(ctx, gates_x, h0, w_hh, nonlinearity, reverse):
        xp = ctx.xp
        length, batch, hidden = gates_x.shape
        outputs = xp.empty((length, batch, hidden), gates_x.dtype)
        keep = any(ctx.needs_input_grad)
        previous = [None] * length
        h = h0
        for t in _steps(length, reverse):
            pre = xp.gemm(h, w_hh, trans_b=True, beta=1.0, c=xp.getitem(gates_x, t))
            h_next = xp.tanh(pre) if nonlinearity == "tanh" else xp.maximum(pre, 0)
            xp.setitem(outputs, t, h_next)
            previous[t] = h
            h = h_next
        if keep:
            ctx.save_for_backward(w_hh)
            ctx.previous = xp.stack(previous, 0)
            ctx.outputs = outputs
            ctx.nonlinearity = nonlinearity
            ctx.reverse = reverse
        return outputs, h

    @staticmethod
    def backward(ctx, grad_outputs, grad_h):
        xp = ctx.xp
        (w_hh,) = ctx.saved_tensors
        outputs = ctx.outputs
        length, batch, hidden = grad_outputs.shape
        grad_pre = xp.empty((length, batch, hidden), grad_outputs.dtype)
        dh_next = grad_h
        for t in _steps(length, not ctx.reverse):
            h = xp.getitem(outputs, t)
            dh = xp.add(xp.getitem(grad_outputs, t), dh_next)
            if ctx.nonlinearity == "tanh":
                d_pre = xp.mul(dh, xp.sub(1.0, xp.mul(h, h)))
            else:
                d_pre = xp.where(xp.gt(h, 0), dh, xp.zeros((), dh.dtype))
            xp.setitem(grad_pre, t, d_pre)
            dh_next = xp.gemm(d_pre, w_hh)
        needs = ctx.needs_input_grad
        grad_w_hh = xp.gemm(xp.reshape(grad_pre, (length * batch, hidden)),
                            xp.reshape(ctx.previous, (length * batch, hidden)), trans_a=True) if needs[2] else None
        return grad_pre if needs[0] else None, dh_next if needs[1] else None, grad_w_hh, None, None


# --- one layer, one direction --------------------------------------------------------------------------
def _input_gates(input: Tensor, w_ih: Tensor, b_ih: Tensor | None, b_hh: Tensor | None) -> Tensor:
    """x_t @ W_ih^T + biases for every step at once: one (T*B, in) x (in, G) product."""
    from .linalg import linear
    bias = b_ih if b_hh is None else (b_hh if b_ih is None else b_ih + b_hh)
    return linear(input, w_ih, bias)


def _run_direction(mode: str, input: Tensor, hx: Tensor, cx: Tensor | None, weights: list, has_biases: bool,
                   reverse: bool):
    w_ih, w_hh = weights[0], weights[1]
    b_ih, b_hh = (weights[2], weights[3]) if has_biases else (None, None)
    if mode == "LSTM":
        outputs, h, c = apply(LSTMSequence, _input_gates(input, w_ih, b_ih, b_hh), hx, cx, w_hh, reverse)
        return outputs, h, c
    if mode == "GRU":
        outputs, h = apply(GRUSequence, _input_gates(input, w_ih, b_ih, None), hx, w_hh, b_hh, reverse)
        return outputs, h, None
    nonlinearity = "tanh" if mode == "RNN_TANH" else "relu"
    outputs, h = apply(ElmanSequence, _input_gates(input, w_ih, b_ih, b_hh), hx, w_hh, nonlinearity, reverse)
    return outputs, h, None


def _check_weights(params, has_biases: bool, num_layers: int, bidirectional: bool) -> int:
    per_direction = 4 if has_biases else 2
    expected = per_direction * num_layers * (2 if bidirectional else 1)
    if len(params) != expected:
        raise RuntimeError(f"expected {expected} weight tensors for {num_layers} layer(s) "
                           f"{'bidirectional' if bidirectional else 'unidirectional'} with has_biases={has_biases}, "
                           f"got {len(params)}")
    return per_direction


def _multi_layer(mode: str, input: Tensor, hx: Tensor, cx: Tensor | None, params, has_biases: bool,
                 num_layers: int, dropout: float, train: bool, bidirectional: bool, batch_first: bool):
    from .shape import cat, stack
    per_direction = _check_weights(params, has_biases, num_layers, bidirectional)
    num_directions = 2 if bidirectional else 1
    layer_input = input.transpose(0, 1) if batch_first else input
    final_h, final_c = [], []
    for layer in range(num_layers):
        outputs = []
        for direction in range(num_directions):
            index = layer * num_directions + direction
            weights = params[index * per_direction:(index + 1) * per_direction]
            out, h, c = _run_direction(mode, layer_input, hx[index], cx[index] if cx is not None else None, weights,
                                       has_biases, reverse=direction == 1)
            outputs.append(out)
            final_h.append(h)
            final_c.append(c)
        layer_input = outputs[0] if num_directions == 1 else cat(outputs, 2)
        if dropout > 0 and train and layer < num_layers - 1:
            from .nn import dropout as dropout_op
            layer_input = dropout_op(layer_input, dropout, True)
    output = layer_input.transpose(0, 1) if batch_first else layer_input
    h_n = stack(final_h, 0)
    return output, h_n, (stack(final_c, 0) if cx is not None else None)


def lstm(input: Tensor, hx, params, has_biases: bool, num_layers: int, dropout: float, train: bool,
         bidirectional: bool, batch_first: bool):
    """A multi-layer LSTM over input (T, B, in) or (B, T, in) with batch_first.

    Args:
        hx: (h0, c0), each (num_layers * num_directions, B, H).
        params: per layer and direction, [w_ih, w_hh, b_ih, b_hh] (no biases if not has_biases).

    Returns:
        (output, h_n, c_n)
    """
    h0, c0 = hx
    return _multi_layer("LSTM", input, h0, c0, list(params), has_biases, num_layers, dropout, train, bidirectional,
                        batch_first)


def gru(input: Tensor, hx: Tensor, params, has_biases: bool, num_layers: int, dropout: float, train: bool,
        bidirectional: bool, batch_first: bool):
    """A multi-layer GRU; arguments as :func:`lstm` with hx a single tensor. Returns (output, h_n)."""
    output, h_n, _ = _multi_layer("GRU", input, hx, None, list(params), has_biases, num_layers, dropout, train,
                                  bidirectional, batch_first)
    return output, h_n


def rnn_tanh(input: Tensor, hx: Tensor, params, has_biases: bool, num_layers: int, dropout: float, train: bool,
             bidirectional: bool, batch_first: bool):
    """A multi-layer Elman RNN with tanh; arguments as :func:`gru`. Returns (output, h_n)."""
    output, h_n, _ = _multi_layer("RNN_TANH", input, hx, None, list(params), has_biases, num_layers, dropout, train,
                                  bidirectional, batch_first)
    return output, h_n


def rnn_relu(input: Tensor, hx: Tensor, params, has_biases: bool, num_layers: int, dropout: float, train: bool,
             bidirectional: bool, batch_first: bool):
    """A multi-layer Elman RNN with relu; arguments as :func:`gru`. Returns (output, h_n)."""
    output, h_n, _ = _multi_layer("RNN_RELU", input, hx, None, list(params), has_biases, num_layers, dropout, train,
                                  bidirectional, batch_first)
    return output, h_n


# --- single steps ------------------------------------------------------------------------------------
def _check_cell(input: Tensor, states, w_ih: Tensor, w_hh: Tensor) -> None:
    """RuntimeError, with PyTorch's messages, for a step whose input or states do not fit the weights."""
    if input.shape[-1] != w_ih.shape[1]:
        raise RuntimeError(f"input has inconsistent input_size: got {input.shape[-1]} expected {w_ih.shape[1]}")
    for k, state in enumerate(states):
        if state.shape[0] != input.shape[0]:
            raise RuntimeError(f"Input batch size {input.shape[0]} doesn't match hidden{k} batch size "
                               f"{state.shape[0]}")
        if state.shape[-1] != w_hh.shape[1]:
            raise RuntimeError(f"hidden{k} has inconsistent hidden_size: got {state.shape[-1]}, expected "
                               f"{w_hh.shape[1]}")


def _cell(mode: str, input: Tensor, hx: Tensor, cx: Tensor | None, w_ih: Tensor, w_hh: Tensor,
          b_ih: Tensor | None, b_hh: Tensor | None):
    _check_cell(input, (hx,) if cx is None else (hx, cx), w_ih, w_hh)
    has_biases = b_ih is not None
    weights = [w_ih, w_hh] + ([b_ih, b_hh] if has_biases else [])
    step = input.unsqueeze(0)
    _, h, c = _run_direction(mode, step, hx, cx, weights, has_biases, reverse=False)
    return h, c


def lstm_cell(input: Tensor, hx, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
              b_hh: Tensor | None = None):
    """One LSTM step: input (B, in), hx = (h, c) each (B, H). Returns (h', c')."""
    return _cell("LSTM", input, hx[0], hx[1], w_ih, w_hh, b_ih, b_hh)


def gru_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
             b_hh: Tensor | None = None) -> Tensor:
    """One GRU step: input (B, in), hx (B, H). Returns h'."""
    return _cell("GRU", input, hx, None, w_ih, w_hh, b_ih, b_hh)[0]


def rnn_tanh_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
                  b_hh: Tensor | None = None) -> Tensor:
    """One tanh RNN step: h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)."""
    return _cell("RNN_TANH", input, hx, None, w_ih, w_hh, b_ih, b_hh)[0]


def rnn_relu_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
                  b_hh: Tensor | None = None) -> Tensor:
    """One relu RNN step: h' = relu(x W_ih^T + b_ih + h W_hh^T + b_hh)."""
    return _cell("RNN_RELU", input, hx, None, w_ih, w_hh, b_ih, b_hh)[0]
