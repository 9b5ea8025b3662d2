"""QuantizedLinear and QuantizedEmbedding: layers whose weights stay in a GGML block format.

The weight is a uint8 buffer of blocks, one row of blocks per output feature (per embedding). The
forward pass runs on the blocks through the backend's ``quant_matmul`` / ``quant_dequantize``
primitives (Cython on the CPU, quant.cl on OpenCL): the float32 matrix is never rebuilt.
These layers are for inference, as PyTorch's quantized modules are: they have no backward.

``activation_quant=True`` selects llama.cpp's faster integer path on the CPU: the activations are
quantized to Q8_0 blocks and each block product is summed in integers (docs/quantization.md gives
its speed and accuracy cost).
"""
from __future__ import annotations

import math

import numpy as np

from .. import creation
from .._ext import _quant
from ..backends.cpu import CPUBackend
from ..autograd.function import ArrayFunction
from ..nn.modules.module import Module
from ..tensor import Tensor, _make
from .formats import DEQUANTIZE_TYPES, GGMLType, block_size, padded_row_bytes, quantize_padded, qtype_of
from .quantized_tensor import QuantizedTensor

__all__ = ["QuantizedLinear", "QuantizedEmbedding"]

_NO_BACKWARD = ("{} has no backward: its weight is quantized for inference. Train the float model and "
                "quantize it afterwards")


class _QuantizedLinear(ArrayFunction):
    """y = x @ W^T + b with W in GGML blocks (rows of blocks: out_features x in_features)."""

    def forward(ctx, x, blocks, bias, qtype, activation_quant=False):
        xp = ctx.xp
        in_features = x.shape[-1]
        rows = xp.reshape(x, (math.prod(x.shape[:-1]), in_features))
        out = _matmul_8bit(xp, rows, blocks, qtype) if activation_quant else xp.quant_matmul(rows, blocks, qtype)
        if bias is not None:
            out = xp.add(out, bias)
        return xp.reshape(out, x.shape[:-1] + (blocks.shape[0],))

    def backward(ctx, grad):
        raise RuntimeError(_NO_BACKWARD.format("QuantizedLinear"))


def _matmul_8bit(xp, rows, blocks, qtype):
    """x @ W^T on Q8_0-quantized activations (_quant.matmul_x8); formats without an integer kernel
    (the K-quants, F16, BF16) take the float path."""
    if not isinstance(xp, CPUBackend):
        raise NotImplementedError("8-bit activations (activation_quant=True) are computed on the CPU only; "
                                  "set activation_quant=False on other devices")
    if not _quant.x8_supported(qtype):
        return xp.quant_matmul(rows, blocks, qtype)
    x = np.ascontiguousarray(rows, dtype=np.float32)
    out = np.empty((x.shape[0], blocks.shape[0]), np.float32)
    _quant.matmul_x8(np.ascontiguousarray(blocks), int(qtype), x, out)
    return out


class _QuantizedEmbedding(ArrayFunction):
    """Rows of a table in GGML blocks, looked up and decoded."""

    def forward(ctx, blocks, indices, qtype, embedding_dim):
        xp = ctx.xp
        rows = xp.getitem(blocks, xp.reshape(indices, (-1,)))
        return xp.reshape(xp.quant_dequantize(rows, qtype, embedding_dim), indices.shape + (embedding_dim,))

    def backward(ctx, grad):
        raise RuntimeError(_NO_BACKWARD.format("QuantizedEmbedding"))


def _check_qtype(qtype) -> GGMLType:
    qtype = qtype_of(qtype)
    if qtype not in DEQUANTIZE_TYPES:
        raise NotImplementedError(f"no quantized kernels for {qtype.name}; axonml computes on "
                                  f"{', '.join(t.name for t in DEQUANTIZE_TYPES)}")
    return qtype


class QuantizedLinear(Module):
    r"""Linear with its weight in a GGML block format: :math:`y = x W^T + b`, computed on the blocks.

    Args:
        in_features: size of each input sample. Rows that are not whole blocks (84 inputs in a 32-value
            format) are stored zero-padded to whole blocks; the kernels read only ``in_features`` values.
        out_features: size of each output sample.
        qtype: the weight's GGML type ('Q8_0', 'Q4_0', 'Q4_1', 'Q5_0', 'Q5_1', 'F16', 'BF16', and Q4_K/Q6_K
            for weights read from GGUF files). Default: 'Q8_0'.
        bias: whether the layer adds a (float32) bias. Default: ``True``.
        activation_quant: quantize the activations to Q8_0 blocks and sum each block product in integers,
            as llama.cpp does: faster, at a relative error of about 0.5% of the float path's result
            (CPU only; Q4_0, Q4_1, Q5_0, Q5_1 and Q8_0 weights, other formats keep float activations).
            Deterministic: every CPU computes the same bits. Default: ``False``.

    Shape:
        - Input: :math:`(*, H_{in})` float32; Output: :math:`(*, H_{out})` float32.

    Attributes:
        weight_blocks: uint8 buffer ``(out_features, in_features / block_size * type_size)``.
        bias: float32 buffer ``(out_features)`` or ``None``.

    Example::

        >>> q = QuantizedLinear.from_float(nn.Linear(64, 10), "Q4_0")
        >>> q(axonml.randn(8, 64)).shape
        axonml.Size([8, 10])
    """

    def __init__(self, in_features: int, out_features: int, qtype="Q8_0", bias: bool = True, device=None, *,
                 activation_quant: bool = False) -> None:
        super().__init__()
        self.qtype = _check_qtype(qtype)
        self.activation_quant = bool(activation_quant)
        self.in_features, self.out_features = int(in_features), int(out_features)
        row_bytes = padded_row_bytes(self.in_features, self.qtype)
        self.register_buffer("weight_blocks", creation.zeros((self.out_features, row_bytes), dtype="uint8",
                                                             device=device))
        self.register_buffer("bias", creation.zeros(self.out_features, device=device) if bias else None)

    @classmethod
    def from_float(cls, linear, qtype="Q8_0", *, activation_quant: bool = False) -> "QuantizedLinear":
        """A QuantizedLinear holding ``linear``'s weight quantized to qtype (and its bias in float32)."""
        weight = _host_float(linear.weight)
        module = cls(weight.shape[1], weight.shape[0], qtype, bias=linear.bias is not None,
                     activation_quant=activation_quant)
        module.weight_blocks = _make(quantize_padded(weight, module.qtype))
        if linear.bias is not None:
            module.bias = _make(_host_float(linear.bias).copy())
        return module.to(linear.weight.device)

    @classmethod
    def from_quantized(cls, weight: QuantizedTensor, bias=None, *, activation_quant: bool = False) -> "QuantizedLinear":
        """A QuantizedLinear on a weight that is already quantized (e.g. read from a GGUF file)."""
        out_features, in_features = weight.shape  # rows of whole blocks, as GGUF stores them
        module = cls(in_features, out_features, weight.qtype, bias=bias is not None,
                     activation_quant=activation_quant)
        module.weight_blocks = _make(np.array(weight.blocks))
        if bias is not None:
            module.bias = _make(np.asarray(_host_float(bias), np.float32).copy())
        return module

    def weight(self) -> QuantizedTensor:
        """The weight as a QuantizedTensor (its blocks copied to the host), its rows zero-padded to whole blocks:
        shape ``(out_features, in_features rounded up to the block size)``."""
        return QuantizedTensor(self.weight_blocks.cpu().numpy(), self.qtype, (self.out_features, _padded(self.in_features,
                                                                                                  self.qtype)))

    def forward(self, input: Tensor) -> Tensor:
        if not isinstance(input, Tensor):
            raise TypeError(f"QuantizedLinear expects a Tensor, got {type(input).__name__}")
        if input.dtype.name != "float32":
            raise TypeError(f"QuantizedLinear computes on float32 activations, got {input.dtype}")
        if input.ndim == 0 or input.shape[-1] != self.in_features:
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({_rows_text(input)} and "
                               f"{self.in_features}x{self.out_features})")
        return _QuantizedLinear.apply(input, self.weight_blocks, self.bias, int(self.qtype), self.activation_quant)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, qtype={self.qtype.name}, "
                f"bias={self.bias is not None}" + (", activation_quant=True" if self.activation_quant else ""))


class QuantizedEmbedding(Module):
    r"""Embedding with its table in a GGML block format; looked-up rows are decoded to float32.

    Args:
        num_embeddings: size of the table.
        embedding_dim: size of each vector (rows zero-padded to whole blocks, as QuantizedLinear's).
        qtype: the table's GGML type. Default: 'Q8_0'.
        padding_idx: kept from the float Embedding (it only matters for training). Default: ``None``.

    Shape:
        - Input: integer tensor of any shape (*); Output: (*, embedding_dim) float32.

    Example::

        >>> q = QuantizedEmbedding.from_float(nn.Embedding(100, 64), "Q8_0")
        >>> q(axonml.tensor([[1, 2, 3]])).shape
        axonml.Size([1, 3, 64])
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, qtype="Q8_0", padding_idx: int | None = None,
                 device=None) -> None:
        super().__init__()
        self.qtype = _check_qtype(qtype)
        self.num_embeddings, self.embedding_dim = int(num_embeddings), int(embedding_dim)
        self.padding_idx = padding_idx
        row_bytes = padded_row_bytes(self.embedding_dim, self.qtype)
        self.register_buffer("weight_blocks", creation.zeros((self.num_embeddings, row_bytes), dtype="uint8",
                                                             device=device))

    @classmethod
    def from_float(cls, embedding, qtype="Q8_0") -> "QuantizedEmbedding":
        """A QuantizedEmbedding holding ``embedding``'s table quantized to qtype."""
        weight = _host_float(embedding.weight)
        module = cls(weight.shape[0], weight.shape[1], qtype, getattr(embedding, "padding_idx", None))
        module.weight_blocks = _make(quantize_padded(weight, module.qtype))
        return module.to(embedding.weight.device)

    def weight(self) -> QuantizedTensor:
        """The table as a QuantizedTensor (its blocks copied to the host), rows zero-padded to whole blocks."""
        return QuantizedTensor(self.weight_blocks.cpu().numpy(), self.qtype, (self.num_embeddings,
                                                                        _padded(self.embedding_dim, self.qtype)))

    def forward(self, input: Tensor) -> Tensor:
        if not isinstance(input, Tensor) or input.dtype.name not in ("int64", "int32", "int16", "int8", "uint8"):
            raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                               f"Long, Int; but got {getattr(input, 'dtype', type(input).__name__)} instead")
        return _QuantizedEmbedding.apply(self.weight_blocks, input, int(self.qtype), self.embedding_dim)

    def extra_repr(self) -> str:
        return f"{self.num_embeddings}, {self.embedding_dim}, qtype={self.qtype.name}"


def _host_float(t) -> np.ndarray:
    array = t.detach().cpu().numpy() if isinstance(t, Tensor) else np.asarray(t)
    return np.asarray(array, dtype=np.float32)


def _rows_text(input: Tensor) -> str:
    shape = tuple(input.shape)
    return f"{math.prod(shape[:-1])}x{shape[-1]}" if shape else "scalar"


def _padded(features: int, qtype) -> int:
    return -(-features // block_size(qtype)) * block_size(qtype)
