"""Recurrent layers: RNN, LSTM, GRU and their single-step cells.

Parameter names and layouts are PyTorch's (weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k},
bias_hh_l{k}, with _reverse for the backward direction; gates stacked (i, f, g, o) for the LSTM
and (r, z, n) for the GRU), so a PyTorch state_dict loads unchanged. The recurrences are the ops
``axonml.lstm``, ``axonml.gru``, ``axonml.rnn_tanh``, ``axonml.rnn_relu`` and their ``*_cell`` forms.
"""
from __future__ import annotations

import math
import numbers
import warnings

from ... import creation
from ... import functional as _ops
from ...tensor import Tensor
from .. import init
from ..parameter import Parameter
from .module import Module

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


class RNNBase(Module):
    """The parameters and checks shared by RNN, LSTM and GRU.

    Args:
        mode: ``'RNN_TANH'``, ``'RNN_RELU'``, ``'LSTM'`` or ``'GRU'``.
        input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional: as :class:`RNN`.
        proj_size: must be 0.

    Shape:
        As :class:`RNN`, :class:`LSTM` and :class:`GRU`.

    Example::

        >>> rnn = nn.GRU(10, 20)
        >>> isinstance(rnn, nn.RNNBase)
        True
    """

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 device=None, dtype=None) -> None:
        super().__init__()
        if not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1 or isinstance(dropout, bool):
            raise ValueError("dropout should be a number in range [0, 1] representing the probability of an "
                             "element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                          f"expects num_layers greater than 1, but got dropout={dropout} and num_layers={num_layers}",
                          stacklevel=2)
        if not isinstance(bias, bool):
            raise TypeError(f"bias should be of type bool, got: {type(bias).__name__}")
        if not isinstance(batch_first, bool):
            raise TypeError(f"batch_first should be of type bool, got: {type(batch_first).__name__}")
        if not isinstance(input_size, int):
            raise TypeError(f"input_size should be of type int, got: {type(input_size).__name__}")
        if input_size <= 0:
            raise ValueError("input_size must be greater than zero")
        if not isinstance(hidden_size, int):
            raise TypeError(f"hidden_size should be of type int, got: {type(hidden_size).__name__}")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if proj_size > 0:
            raise NotImplementedError("LSTM with proj_size > 0 is not supported by axonml yet")
        if mode not in _GATES:
            raise ValueError("Unrecognized RNN mode: " + mode)
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        num_directions = 2 if bidirectional else 1
        gate_size = _GATES[mode] * hidden_size
        self._flat_weights_names = []
        self._all_weights = []
        for layer in range(num_layers):
            for direction in range(num_directions):
                layer_input_size = input_size if layer == 0 else hidden_size * num_directions
                suffix = "_reverse" if direction == 1 else ""
                shapes = {f"weight_ih_l{layer}{suffix}": (gate_size, layer_input_size),
                          f"weight_hh_l{layer}{suffix}": (gate_size, hidden_size)}
                if bias:
                    shapes[f"bias_ih_l{layer}{suffix}"] = (gate_size,)
                    shapes[f"bias_hh_l{layer}{suffix}"] = (gate_size,)
                for name, shape in shapes.items():
                    setattr(self, name, Parameter(creation.empty(shape, device=device, dtype=dtype)))
                self._flat_weights_names.extend(shapes)
                self._all_weights.append(list(shapes))
        self.reset_parameters()

    @property
    def _flat_weights(self) -> list:
        return [getattr(self, name) for name in self._flat_weights_names]

    @property
    def all_weights(self) -> list:
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def flatten_parameters(self) -> None:
        """Kept for PyTorch compatibility (a cuDNN memory layout); a no-op in axonml."""

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def check_input(self, input: Tensor) -> None:
        weight_dtype = self._flat_weights[0].dtype
        if input.dtype != weight_dtype:
            raise ValueError(f"RNN input dtype ({input.dtype}) does not match weight dtype ({weight_dtype}). "
                             f"Convert input: input.to({weight_dtype}), or convert model: model.to({input.dtype})")
        if input.dim() != 3:
            raise RuntimeError(f"input must have 3 dimensions, got {input.dim()}")
        if self.input_size != input.size(-1):
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, "
                               f"got {input.size(-1)}")

    def get_expected_hidden_size(self, input: Tensor) -> tuple[int, int, int]:
        mini_batch = input.size(0) if self.batch_first else input.size(1)
        num_directions = 2 if self.bidirectional else 1
        return (self.num_layers * num_directions, mini_batch, self.hidden_size)

    def check_hidden_size(self, hx: Tensor, expected_hidden_size: tuple,
                          msg: str = "Expected hidden size {}, got {}") -> None:
        if tuple(hx.size()) != tuple(expected_hidden_size):
            raise RuntimeError(msg.format(expected_hidden_size, list(hx.size())))

    def _prepare(self, input: Tensor, hx):
        """Add the batch dim to unbatched input (and hx), check shapes; returns (input, hx, batched)."""
        if input.dim() not in (2, 3):
            name = "LSTM" if self.mode == "LSTM" else ("GRU" if self.mode == "GRU" else "RNN")
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.dim()}D tensor instead")
        batched = input.dim() == 3
        batch_dim = 0 if self.batch_first else 1
        if not batched:
            input = input.unsqueeze(batch_dim)
        return input, batched

    def _zeros_state(self, input: Tensor) -> Tensor:
        return creation.zeros(*self.get_expected_hidden_size(input), dtype=input.dtype, device=input.device)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    def _single_state_forward(self, input: Tensor, hx: Tensor | None):
        input, batched = self._prepare(input, hx)
        if hx is None:
            hx = self._zeros_state(input)
        elif batched and hx.dim() != 3:
            raise RuntimeError(f"For batched 3-D input, hx should also be 3-D but got {hx.dim()}-D tensor")
        elif not batched:
            if hx.dim() != 2:
                raise RuntimeError(f"For unbatched 2-D input, hx should also be 2-D but got {hx.dim()}-D tensor")
            hx = hx.unsqueeze(1)
        self.check_input(input)
        self.check_hidden_size(hx, self.get_expected_hidden_size(input))
        recurrence = {"GRU": _ops.gru, "RNN_TANH": _ops.rnn_tanh, "RNN_RELU": _ops.rnn_relu}[self.mode]
        output, hidden = recurrence(input, hx, self._flat_weights, self.bias, self.num_layers, self.dropout,
                                    self.training, self.bidirectional, self.batch_first)
        if not batched:
            output = output.squeeze(0 if self.batch_first else 1)
            hidden = hidden.squeeze(1)
        return output, hidden


class RNN(RNNBase):
    r"""A multi-layer Elman RNN: :math:`h_t = \tanh(x_t W_{ih}^T + b_{ih} + h_{t-1} W_{hh}^T + b_{hh})`.

    Args:
        input_size: features of the input x.
        hidden_size: features of the hidden state h.
        num_layers: stacked recurrent layers. Default: 1.
        nonlinearity: ``'tanh'`` or ``'relu'``. Default: ``'tanh'``.
        bias: use b_ih and b_hh. Default: ``True``.
        batch_first: input and output are (N, L, H) instead of (L, N, H). Default: ``False``.
        dropout: dropout on the outputs of each layer but the last. Default: 0.
        bidirectional: a bidirectional RNN. Default: ``False``.

    Inputs: input, h_0
        - input: (L, N, H_in), (N, L, H_in) with batch_first, or unbatched (L, H_in).
        - h_0: (D * num_layers, N, H_out); zeros if not given.

    Outputs: output, h_n
        - output: (L, N, D * H_out), the last layer's h_t for every t.
        - h_n: (D * num_layers, N, H_out), every layer's final hidden state.

    Shape:
        - input: :math:`(L, N, H_{in})`, :math:`(N, L, H_{in})` with batch_first, or :math:`(L, H_{in})`.
        - h_0, h_n: :math:`(D \cdot num\_layers, N, H_{out})`, or without N for unbatched input.
        - output: :math:`(L, N, D \cdot H_{out})` (batch first with batch_first), D = 2 if bidirectional else 1.

    Example::

        >>> rnn = nn.RNN(10, 20, 2)
        >>> output, hn = rnn(axonml.randn(5, 3, 10), axonml.randn(2, 3, 20))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, nonlinearity: str = "tanh",
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device=None, dtype=None) -> None:
        if nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__(mode, input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None):
        return self._single_state_forward(input, hx)


class LSTM(RNNBase):
    r"""A multi-layer long short-term memory RNN.

    .. math::
        i_t = \sigma(W_{ii} x_t + b_{ii} + W_{hi} h_{t-1} + b_{hi}), \quad
        f_t = \sigma(W_{if} x_t + b_{if} + W_{hf} h_{t-1} + b_{hf}),

        g_t = \tanh(W_{ig} x_t + b_{ig} + W_{hg} h_{t-1} + b_{hg}), \quad
        o_t = \sigma(W_{io} x_t + b_{io} + W_{ho} h_{t-1} + b_{ho}),

        c_t = f_t \odot c_{t-1} + i_t \odot g_t, \quad h_t = o_t \odot \tanh(c_t)

    Args:
        input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional: as :class:`RNN`.
        proj_size: must be 0 (projections are not supported yet).

    Inputs: input, (h_0, c_0)
        - h_0, c_0: (D * num_layers, N, H); zeros if not given.

    Outputs: output, (h_n, c_n)

    Shape:
        - input: :math:`(L, N, H_{in})`, :math:`(N, L, H_{in})` with batch_first, or :math:`(L, H_{in})`.
        - h_0, c_0, h_n, c_n: :math:`(D \cdot num\_layers, N, H_{out})`, or without N for unbatched input.
        - output: :math:`(L, N, D \cdot H_{out})` (batch first with batch_first), D = 2 if bidirectional else 1.

    Example::

        >>> lstm = nn.LSTM(10, 20, 2)
        >>> output, (hn, cn) = lstm(axonml.randn(5, 3, 10))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 device=None, dtype=None) -> None:
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None):
        input, batched = self._prepare(input, hx)
        if hx is None:
            hx = (self._zeros_state(input), self._zeros_state(input))
        elif batched:
            if hx[0].dim() != 3 or hx[1].dim() != 3:
                raise RuntimeError("For batched 3-D input, hx and cx should also be 3-D but got "
                                   f"({hx[0].dim()}-D, {hx[1].dim()}-D) tensors")
        else:
            if hx[0].dim() != 2 or hx[1].dim() != 2:
                raise RuntimeError("For unbatched 2-D input, hx and cx should also be 2-D but got "
                                   f"({hx[0].dim()}-D, {hx[1].dim()}-D) tensors")
            hx = (hx[0].unsqueeze(1), hx[1].unsqueeze(1))
        self.check_input(input)
        expected = self.get_expected_hidden_size(input)
        self.check_hidden_size(hx[0], expected, "Expected hidden[0] size {}, got {}")
        self.check_hidden_size(hx[1], expected, "Expected hidden[1] size {}, got {}")
        output, h_n, c_n = _ops.lstm(input, hx, self._flat_weights, self.bias, self.num_layers, self.dropout,
                                     self.training, self.bidirectional, self.batch_first)
        if not batched:
            output = output.squeeze(0 if self.batch_first else 1)
            h_n, c_n = h_n.squeeze(1), c_n.squeeze(1)
        return output, (h_n, c_n)


class GRU(RNNBase):
    r"""A multi-layer gated recurrent unit RNN.

    .. math::
        r_t = \sigma(W_{ir} x_t + b_{ir} + W_{hr} h_{t-1} + b_{hr}), \quad
        z_t = \sigma(W_{iz} x_t + b_{iz} + W_{hz} h_{t-1} + b_{hz}),

        n_t = \tanh(W_{in} x_t + b_{in} + r_t \odot (W_{hn} h_{t-1} + b_{hn})), \quad
        h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}

    Arguments, inputs and outputs as :class:`RNN` (without ``nonlinearity``).

    Args:
        input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional: as :class:`RNN`.

    Shape:
        As :class:`RNN`: input :math:`(L, N, H_{in})`, h_0 and h_n :math:`(D \cdot num\_layers, N, H_{out})`,
        output :math:`(L, N, D \cdot H_{out})`.

    Example::

        >>> gru = nn.GRU(10, 20, 2)
        >>> output, hn = gru(axonml.randn(5, 3, 10))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, device=None,
                 dtype=None) -> None:
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None):
        return self._single_state_forward(input, hx)


class RNNCellBase(Module):
    """The parameters shared by the single-step cells: weight_ih, weight_hh, bias_ih, bias_hh.

    Args:
        input_size, hidden_size: feature sizes.
        bias: use b_ih and b_hh.
        num_chunks: gate blocks in the weights (1 for RNNCell, 4 for LSTMCell, 3 for GRUCell).

    Shape:
        As :class:`RNNCell`, :class:`LSTMCell` and :class:`GRUCell`.

    Example::

        >>> cell = nn.GRUCell(10, 20)
        >>> cell.weight_ih.shape
        axonml.Size([60, 10])
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int, device=None,
                 dtype=None) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = Parameter(creation.empty((num_chunks * hidden_size, input_size), device=device, dtype=dtype))
        self.weight_hh = Parameter(creation.empty((num_chunks * hidden_size, hidden_size), device=device,
                                                  dtype=dtype))
        if bias:
            self.bias_ih = Parameter(creation.empty(num_chunks * hidden_size, device=device, dtype=dtype))
            self.bias_hh = Parameter(creation.empty(num_chunks * hidden_size, device=device, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.__dict__.get("bias", True) is not True:
            s += f", bias={self.bias}"
        if self.__dict__.get("nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def _batched(self, input: Tensor, name: str) -> bool:
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D instead")
        return input.dim() == 2

    def _check_hidden(self, hx: Tensor, batched: bool) -> None:
        if hx.dim() != (2 if batched else 1):
            raise RuntimeError(f"{type(self).__name__}: Expected hidden to be {2 if batched else 1}D, got "
                               f"{hx.dim()}D instead")


class RNNCell(RNNCellBase):
    r"""One Elman RNN step: :math:`h' = \tanh(x W_{ih}^T + b_{ih} + h W_{hh}^T + b_{hh})`.

    Args:
        input_size, hidden_size: feature sizes.
        bias: use b_ih and b_hh. Default: ``True``.
        nonlinearity: ``'tanh'`` or ``'relu'``. Default: ``'tanh'``.

    Shape:
        - input: :math:`(N, H_{in})` or :math:`(H_{in})`.
        - hx, output: :math:`(N, H_{out})` or :math:`(H_{out})`; hx zeros if not given.

    Example::

        >>> cell = nn.RNNCell(10, 20)
        >>> hx = cell(axonml.randn(3, 10))
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        batched = self._batched(input, "RNNCell")
        if not batched:
            input = input.unsqueeze(0)
        if hx is None:
            hx = creation.zeros(input.size(0), self.hidden_size, dtype=input.dtype, device=input.device)
        else:
            self._check_hidden(hx, batched)
            hx = hx if batched else hx.unsqueeze(0)
        if self.nonlinearity == "tanh":
            h = _ops.rnn_tanh_cell(input, hx, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        elif self.nonlinearity == "relu":
            h = _ops.rnn_relu_cell(input, hx, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        else:
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        return h if batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step; returns (h', c'). Gates as :class:`LSTM`.

    Args:
        input_size, hidden_size: feature sizes.
        bias: use b_ih and b_hh. Default: ``True``.

    Shape:
        - input: :math:`(N, H_{in})` or :math:`(H_{in})`.
        - hx = (h, c), and the output (h', c'): each :math:`(N, H_{out})` or :math:`(H_{out})`; zeros if not given.

    Example::

        >>> cell = nn.LSTMCell(10, 20)
        >>> hx, cx = cell(axonml.randn(3, 10))
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None):
        batched = self._batched(input, "LSTMCell")
        if not batched:
            input = input.unsqueeze(0)
        if hx is None:
            zeros = creation.zeros(input.size(0), self.hidden_size, dtype=input.dtype, device=input.device)
            hx = (zeros, zeros)
        else:
            self._check_hidden(hx[0], batched)
            hx = hx if batched else (hx[0].unsqueeze(0), hx[1].unsqueeze(0))
        h, c = _ops.lstm_cell(input, hx, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """One GRU step; returns h'. Gates as :class:`GRU`.

    Args:
        input_size, hidden_size: feature sizes.
        bias: use b_ih and b_hh. Default: ``True``.

    Shape:
        - input: :math:`(N, H_{in})` or :math:`(H_{in})`.
        - hx, output: :math:`(N, H_{out})` or :math:`(H_{out})`; hx zeros if not given.

    Example::

        >>> cell = nn.GRUCell(10, 20)
        >>> hx = cell(axonml.randn(3, 10))
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        batched = self._batched(input, "GRUCell")
        if not batched:
            input = input.unsqueeze(0)
        if hx is None:
            hx = creation.zeros(input.size(0), self.hidden_size, dtype=input.dtype, device=input.device)
        else:
            self._check_hidden(hx, batched)
            hx = hx if batched else hx.unsqueeze(0)
        h = _ops.gru_cell(input, hx, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return h if batched else h.squeeze(0)
