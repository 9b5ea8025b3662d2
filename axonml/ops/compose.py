"""torch.* functions composed from other ops: stacking and splitting, the matmul family's fused
forms (addmv, baddbmm ...), products (kron, tensordot, inner), differences and integrals, the
*_scatter functions, and index helpers.

Each is a few calls to ops that hold their own forward and backward, as PyTorch's own
decompositions of these functions are, so autograd and every device come with them.
"""
from __future__ import annotations

import itertools
import numbers

import numpy as np

from ..tensor import Tensor

__all__ = ["atleast_1d", "atleast_2d", "atleast_3d", "column_stack", "row_stack", "dstack", "hsplit", "vsplit",
           "dsplit", "tensor_split", "broadcast_tensors", "broadcast_shapes", "cartesian_prod", "combinations",
           "block_diag", "kron", "inner", "tensordot", "vdot", "ger", "chain_matmul", "addmv", "addr", "baddbmm",
           "addbmm", "rot90", "diff", "trapezoid", "trapz", "cumulative_trapezoid", "vander", "take_along_dim",
           "ravel", "trace", "tril_indices", "triu_indices", "unravel_index", "select_scatter", "slice_scatter",
           "diagonal_scatter", "index_copy", "masked_scatter", "rsub", "dist", "renorm"]


def _tensors(name: str, tensors) -> list:
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tensors[0]
    for t in tensors:
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}(): expected Tensors, got {type(t).__name__}")
    return list(tensors)


def _atleast(name: str, ndim: int, tensors):
    single = len(tensors) == 1 and isinstance(tensors[0], Tensor)
    results = []
    for t in _tensors(name, tensors):
        if t.ndim >= ndim:
            results.append(t)
        elif t.ndim == 0:
            results.append(t.reshape((1,) * ndim))
        elif ndim == 2 or t.ndim == 2:  # (n,) -> (1, n); (m, n) -> (m, n, 1)
            results.append(t.unsqueeze(0) if t.ndim == 1 else t.unsqueeze(-1))
        else:  # (n,) -> (1, n, 1)
            results.append(t.reshape(1, t.shape[0], 1))
    return results[0] if single else tuple(results)


def atleast_1d(*tensors):
    """Each input viewed with at least one dim; a single tensor in, a single tensor out."""
    return _atleast("atleast_1d", 1, tensors)


def atleast_2d(*tensors):
    """Each input viewed with at least two dims ((n,) becomes (1, n))."""
    return _atleast("atleast_2d", 2, tensors)


def atleast_3d(*tensors):
    """Each input viewed with at least three dims ((n,) becomes (1, n, 1), (m, n) becomes (m, n, 1))."""
    return _atleast("atleast_3d", 3, tensors)


def column_stack(tensors) -> Tensor:
    """Stack 0-d and 1-d tensors as columns, and concatenate 2-d ones along dim 1."""
    from .shape import cat
    columns = [t.reshape(-1, 1) if t.ndim < 2 else t for t in _tensors("column_stack", (tensors,))]
    return cat(columns, 1)


def row_stack(tensors) -> Tensor:
    """vstack under NumPy's other name."""
    from .shape import vstack
    return vstack(tensors)


def dstack(tensors) -> Tensor:
    """Concatenate along the third dim after atleast_3d."""
    from .shape import cat
    return cat(list(atleast_3d(*_tensors("dstack", (tensors,)))), 2)


def tensor_split(input: Tensor, indices_or_sections, dim: int = 0) -> tuple:
    """Split into n nearly equal parts (the first size % n one longer), or at the given indices (NumPy's array_split)."""
    size = input.shape[dim]
    if isinstance(indices_or_sections, Tensor):
        if indices_or_sections.dtype.is_floating_point or indices_or_sections.ndim > 1:
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to be a zero-dimensional or "
                               "one-dimensional tensor, but got a tensor with "
                               f"{indices_or_sections.ndim} dims")
        indices_or_sections = indices_or_sections.tolist()
    if isinstance(indices_or_sections, numbers.Integral):
        sections = int(indices_or_sections)
        if sections <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {sections}")
        base, extra = divmod(size, sections)
        bounds = list(itertools.accumulate([base + 1] * extra + [base] * (sections - extra)))[:-1]
    else:
        bounds = [int(i) for i in indices_or_sections]
    parts, start = [], 0
    for stop in bounds + [size]:
        stop = max(min(stop if stop >= 0 else stop + size, size), 0)
        parts.append(input.narrow(dim, min(start, size), max(stop - start, 0)))
        start = max(start, stop)
    return tuple(parts)


def _split_along(name: str, input: Tensor, indices_or_sections, dim: int, min_ndim: int) -> tuple:
    if input.ndim < min_ndim:
        raise RuntimeError(f"torch.{name} requires a tensor with at least {min_ndim} dimension, but got a tensor "
                           f"with {input.ndim} dimensions!")
    if isinstance(indices_or_sections, numbers.Integral) and input.shape[dim] % indices_or_sections:
        raise RuntimeError(f"torch.{name} attempted to split along dimension {dim}, but the size of the dimension "
                           f"{input.shape[dim]} is not divisible by the split_size {indices_or_sections}!")
    return tensor_split(input, indices_or_sections, dim)


def hsplit(input: Tensor, indices_or_sections) -> tuple:
    """Split along dim 1 (dim 0 for 1-d input) into equal sections or at indices."""
    return _split_along("hsplit", input, indices_or_sections, 0 if input.ndim == 1 else 1, 1)


def vsplit(input: Tensor, indices_or_sections) -> tuple:
    """Split along dim 0 of a tensor with at least two dims."""
    return _split_along("vsplit", input, indices_or_sections, 0, 2)


def dsplit(input: Tensor, indices_or_sections) -> tuple:
    """Split along dim 2 of a tensor with at least three dims."""
    return _split_along("dsplit", input, indices_or_sections, 2, 3)


def broadcast_shapes(*shapes):
    """The shape that shapes broadcast to, without making tensors (torch.Size)."""
    from ..tensor import Size
    try:
        return Size(np.broadcast_shapes(*[(s,) if isinstance(s, numbers.Integral) else tuple(s) for s in shapes]))
    except ValueError:
        raise RuntimeError(f"Shape mismatch: objects cannot be broadcast to a single shape: "
                           f"{[tuple(s) if not isinstance(s, numbers.Integral) else (s,) for s in shapes]}") from None


def broadcast_tensors(*tensors) -> tuple:
    """Each tensor expanded (a view) to the shape they broadcast to."""
    tensors = _tensors("broadcast_tensors", tensors)
    shape = broadcast_shapes(*[t.shape for t in tensors])
    return tuple(t.expand(shape) for t in tensors)


def cartesian_prod(*tensors) -> Tensor:
    """Every combination of one element from each 1-d tensor, as rows (itertools.product order)."""
    from .shape import stack
    tensors = _tensors("cartesian_prod", tensors)
    if len(tensors) == 1:
        return tensors[0]
    grids = _meshgrid_ij(tensors)
    return stack([g.reshape(-1) for g in grids], 1)


def _meshgrid_ij(tensors: list) -> list:
    shape = [t.numel() for t in tensors]
    grids = []
    for i, t in enumerate(tensors):
        view = [1] * len(tensors)
        view[i] = -1
        grids.append(t.reshape(view).expand(shape))
    return grids


def combinations(input: Tensor, r: int = 2, with_replacement: bool = False) -> Tensor:
    """The length-r combinations of a 1-d tensor's elements, as rows (itertools.combinations order)."""
    from ..creation import tensor
    if input.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(input.shape)}")
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return input.new_zeros((0,))
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    rows = list(pick(range(input.shape[0]), r))
    if not rows:
        return input.new_zeros((0, r))
    index = tensor(np.array(rows, dtype=np.int64), device=input.device)
    return input[index]


def block_diag(*tensors) -> Tensor:
    """A block-diagonal matrix of the inputs (0-d, 1-d as a row, or 2-d), zeros elsewhere."""
    from .. import _dtype
    tensors = [t.reshape(1, -1) if t.ndim < 2 else t for t in _tensors("block_diag", tensors)]
    for i, t in enumerate(tensors):
        if t.ndim != 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {i} has "
                               f"{t.ndim} dimensions")
    rows = sum(t.shape[0] for t in tensors)
    columns = sum(t.shape[1] for t in tensors)
    result_type = _dtype.result_type(*tensors) if tensors else _dtype.get_default_dtype()
    from ..creation import zeros
    out = zeros(rows, columns, dtype=result_type, device=tensors[0].device if tensors else None)
    row = column = 0
    pieces = []
    for t in tensors:
        pieces.append((slice(row, row + t.shape[0]), slice(column, column + t.shape[1]), t))
        row, column = row + t.shape[0], column + t.shape[1]
    return _assemble_blocks(out, pieces)


def _assemble_blocks(out: Tensor, pieces) -> Tensor:
    """Concatenate each block row (zeros, block, zeros), so the result carries every block's gradient."""
    from .shape import cat
    columns = out.shape[1]
    rows = []
    for r, c, t in pieces:
        left = out.new_zeros((t.shape[0], c.start))
        right = out.new_zeros((t.shape[0], columns - c.stop))
        rows.append(cat([left, t.to(out.dtype), right], 1))
    return cat(rows, 0) if rows else out


def kron(input: Tensor, other: Tensor) -> Tensor:
    """The Kronecker product: blocks input[i, j] * other, for inputs of any (broadcast) number of dims."""
    ndim = max(input.ndim, other.ndim)
    a = input.reshape((1,) * (ndim - input.ndim) + tuple(input.shape))
    b = other.reshape((1,) * (ndim - other.ndim) + tuple(other.shape))
    # interleave: a's dims at even positions, b's at odd, then merge each pair
    a_view = a.reshape([n for size in a.shape for n in (size, 1)])
    b_view = b.reshape([n for size in b.shape for n in (1, size)])
    return (a_view * b_view).reshape([x * y for x, y in zip(a.shape, b.shape)])


def tensordot(a: Tensor, b: Tensor, dims=2, out=None) -> Tensor:
    """Sum products over the last `dims` dims of a and the first of b, or over the listed dim pairs."""
    if out is not None:
        raise TypeError("tensordot(): out= is not supported")
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, numbers.Integral):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        dims_a, dims_b = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        dims_a, dims_b = ([dims[0]] if isinstance(dims[0], numbers.Integral) else list(dims[0]),
                          [dims[1]] if isinstance(dims[1], numbers.Integral) else list(dims[1]))
    if len(dims_a) != len(dims_b):
        raise RuntimeError("both dimension lists should have same length")
    dims_a = [d % a.ndim for d in dims_a] if a.ndim else dims_a
    dims_b = [d % b.ndim for d in dims_b] if b.ndim else dims_b
    for da, db in zip(dims_a, dims_b):
        if a.shape[da] != b.shape[db]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {a.shape[da]} in dim "
                               f"{da} and second has size {b.shape[db]} in dim {db}")
    free_a = [d for d in range(a.ndim) if d not in dims_a]
    free_b = [d for d in range(b.ndim) if d not in dims_b]
    contracted = int(np.prod([a.shape[d] for d in dims_a], dtype=np.int64))
    left = a.permute(*free_a, *dims_a).reshape(-1, contracted)
    right = b.permute(*dims_b, *free_b).reshape(contracted, -1)
    return (left @ right).reshape([a.shape[d] for d in free_a] + [b.shape[d] for d in free_b])


def inner(input: Tensor, other: Tensor) -> Tensor:
    """Sum of products over the last dims (a scalar product for 0-d operands)."""
    if input.ndim == 0 or other.ndim == 0:
        return input * other
    if input.shape[-1] != other.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got shapes "
                           f"{list(input.shape)} and {list(other.shape)}")
    return tensordot(input, other, ([-1], [-1]))


def vdot(input: Tensor, other: Tensor) -> Tensor:
    """The dot product of two 1-d tensors (conjugating the first: a no-op for real tensors)."""
    from .linalg import dot
    return dot(input, other)


def ger(input: Tensor, vec2: Tensor) -> Tensor:
    """The outer product (torch.outer under its BLAS name)."""
    from .linalg import outer
    return outer(input, vec2)


def chain_matmul(*matrices) -> Tensor:
    """The product of two or more matrices, left to right (use linalg.multi_dot for the best order)."""
    matrices = _tensors("chain_matmul", matrices)
    if not matrices:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    result = matrices[0]
    for m in matrices[1:]:
        result = result @ m
    return result


def _scaled_sum(beta, input: Tensor, alpha, product: Tensor) -> Tensor:
    """beta * input + alpha * product, where beta == 0 ignores input's values (NaN included), as BLAS does."""
    scaled = product if alpha == 1 else product * alpha
    if beta == 0:  # input still broadcasts into the result and gets a zero gradient, as in torch
        return scaled + input.where(input.new_zeros((), dtype=_bool()), 0.0)
    return (input if beta == 1 else input * beta) + scaled


def _bool():
    from .. import _dtype
    return _dtype.bool


def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta=1, alpha=1) -> Tensor:
    """beta * input + alpha * (mat @ vec)."""
    from .linalg import mv
    return _scaled_sum(beta, input, alpha, mv(mat, vec))


def addr(input: Tensor, vec1: Tensor, vec2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """beta * input + alpha * outer(vec1, vec2)."""
    from .linalg import outer
    return _scaled_sum(beta, input, alpha, outer(vec1, vec2))


def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """beta * input + alpha * (batch1 @ batch2), batch by batch."""
    from .linalg import bmm
    return _scaled_sum(beta, input, alpha, bmm(batch1, batch2))


def addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """beta * input + alpha * the sum over the batch of batch1[i] @ batch2[i]."""
    from .linalg import bmm
    return _scaled_sum(beta, input, alpha, bmm(batch1, batch2).sum(0))


def rot90(input: Tensor, k: int = 1, dims=(0, 1)) -> Tensor:
    """Rotate by 90 degrees k times in the plane of dims, from the first dim towards the second."""
    from .shape import flip
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if input.ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {input.ndim}")
    first, second = dims[0] % input.ndim, dims[1] % input.ndim
    if first == second:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {dims[0]} and dim1 = {dims[1]}")
    k %= 4
    if k == 1:
        return flip(input, [second]).transpose(first, second)
    if k == 2:
        return flip(input, [first, second])
    if k == 3:
        return flip(input, [first]).transpose(first, second)
    return input.clone()


def diff(input: Tensor, n: int = 1, dim: int = -1, prepend: Tensor | None = None,
         append: Tensor | None = None) -> Tensor:
    """The n-th forward difference along dim, after concatenating prepend and append."""
    from .shape import cat
    if input.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    parts = [t for t in (prepend, input, append) if t is not None]
    x = cat(parts, dim) if len(parts) > 1 else input
    for _ in range(n):
        length = x.shape[dim]
        if length == 0:
            break
        later, earlier = x.narrow(dim, 1, length - 1), x.narrow(dim, 0, length - 1)
        x = (later != earlier) if x.dtype.name == "bool" else later - earlier
    return x


def _spacing(y: Tensor, x, dx, dim: int):
    if x is not None:
        return diff(x, dim=dim if x.ndim > 1 else -1) if isinstance(x, Tensor) else None
    return 1.0 if dx is None else dx


def _along(x: Tensor, dim: int, ndim: int) -> Tensor:
    """A 1-d sample-spacing tensor shaped to broadcast along dim of an ndim tensor."""
    if x.ndim != 1:
        return x
    shape = [1] * ndim
    shape[dim % ndim] = -1
    return x.reshape(shape)


def trapezoid(y: Tensor, x: Tensor | None = None, *, dx=None, dim: int = -1) -> Tensor:
    """The trapezoidal rule along dim, with sample points x (1-d or like y) or a constant spacing dx."""
    length = y.shape[dim]
    if length == 0:
        return y.sum(dim)
    left, right = y.narrow(dim, 0, length - 1), y.narrow(dim, 1, length - 1)
    if x is not None:
        spacing = _along(diff(x, dim=-1 if x.ndim == 1 else dim), dim, y.ndim)
        return ((left + right) * spacing).sum(dim) / 2
    return (left + right).sum(dim) * ((1.0 if dx is None else dx) / 2)


def trapz(y: Tensor, x: Tensor | None = None, *, dx=None, dim: int = -1) -> Tensor:
    """trapezoid under NumPy's older name."""
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y: Tensor, x: Tensor | None = None, *, dx=None, dim: int = -1) -> Tensor:
    """The running trapezoidal integral along dim (one element shorter than y there)."""
    length = y.shape[dim]
    left, right = y.narrow(dim, 0, max(length - 1, 0)), y.narrow(dim, min(1, length), max(length - 1, 0))
    if x is not None:
        spacing = _along(diff(x, dim=-1 if x.ndim == 1 else dim), dim, y.ndim)
        return ((left + right) * spacing / 2).cumsum(dim)
    return ((left + right) * ((1.0 if dx is None else dx) / 2)).cumsum(dim)


def vander(x: Tensor, N: int | None = None, increasing: bool = False) -> Tensor:
    """The Vandermonde matrix of a 1-d x: columns x**(N-1) ... x**0 (or increasing powers)."""
    from ..creation import arange
    if x.ndim != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    columns = x.shape[0] if N is None else N
    if columns < 0:
        raise RuntimeError("N must be non-negative.")
    powers = arange(columns, device=x.device)
    if not increasing:
        powers = powers.flip(0)
    base = x if x.dtype.is_floating_point or x.dtype.name == "int64" else x.to(_int64())
    return base.unsqueeze(1) ** powers.to(base.dtype)


def _int64():
    from .. import _dtype
    return _dtype.int64


def take_along_dim(input: Tensor, indices: Tensor, dim: int | None = None) -> Tensor:
    """gather with NumPy's broadcasting of input and indices (take_along_axis); dim None works on the flat input."""
    if dim is None:
        return input.reshape(-1).gather(0, indices.reshape(-1))
    dim %= input.ndim
    shape_input, shape_index = list(input.shape), list(indices.shape)
    shape_input[dim] = shape_index[dim] = 1
    common = broadcast_shapes(shape_input, shape_index)
    target_input, target_index = list(common), list(common)
    target_input[dim], target_index[dim] = input.shape[dim], indices.shape[dim]
    return input.expand(target_input).gather(dim, indices.expand(target_index))


def ravel(input: Tensor) -> Tensor:
    """The elements as a 1-d tensor (a view when the layout allows)."""
    return input.reshape(-1)


def trace(input: Tensor) -> Tensor:
    """The sum of a matrix's main diagonal."""
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    n = min(input.shape)
    if n == 0:
        return input.sum()
    from ..creation import arange
    index = arange(n, device=input.device)
    return input[index, index].sum()


def _triangle_indices(name: str, row: int, col: int, offset: int, lower: bool, dtype, device) -> Tensor:
    from .. import _dtype
    from ..creation import tensor
    if row < 0 or col < 0:
        raise RuntimeError(f"{name}: row and col must be non-negative, got {row} and {col}")
    rows, cols = (np.tril_indices if lower else np.triu_indices)(row, offset, col)
    return tensor(np.stack([rows, cols]).astype(np.int64), dtype=dtype or _dtype.int64, device=device)


def tril_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None, layout=None) -> Tensor:
    """The (2, N) row and column indices of the lower triangle of a row x col matrix."""
    return _triangle_indices("tril_indices", row, col, offset, True, dtype, device)


def triu_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None, layout=None) -> Tensor:
    """The (2, N) row and column indices of the upper triangle of a row x col matrix."""
    return _triangle_indices("triu_indices", row, col, offset, False, dtype, device)


def unravel_index(indices: Tensor, shape) -> tuple:
    """The coordinates in shape of each flat index (row-major), one tensor per dim."""
    if isinstance(shape, numbers.Integral):
        shape = (shape,)
    if indices.dtype.is_floating_point:
        raise TypeError(f"expected 'indices' to be integer dtype, but got {indices.dtype}")
    total = int(np.prod(shape, dtype=np.int64))
    if indices.numel() and (int(indices.min()) < -total or int(indices.max()) >= total):
        raise RuntimeError("'indices' must be in range [-prod(shape), prod(shape) - 1]")
    flat = indices.long() % total if total else indices.long()
    coordinates = []
    for size in reversed(shape):
        coordinates.append(flat % size)
        flat = flat.div(size, rounding_mode="floor")
    return tuple(reversed(coordinates))


def _scatter_into(name: str, input: Tensor, src: Tensor, index) -> Tensor:
    """A copy of input with input[index] replaced by src (differentiable in both)."""
    target = input[index]
    if tuple(target.shape) != tuple(src.shape):
        raise RuntimeError(f"{name}: expected src to have a size equal to the slice of self. src size = "
                           f"{list(src.shape)}, slice size = {list(target.shape)}")
    out = input.clone()
    out[index] = src
    return out


def select_scatter(input: Tensor, src: Tensor, dim: int, index: int) -> Tensor:
    """A copy of input with input.select(dim, index) replaced by src."""
    position = [slice(None)] * input.ndim
    position[dim] = index
    return _scatter_into("select_scatter", input, src, tuple(position))


def slice_scatter(input: Tensor, src: Tensor, dim: int = 0, start=None, end=None, step: int = 1) -> Tensor:
    """A copy of input with the slice start:end:step of dim replaced by src."""
    position = [slice(None)] * input.ndim
    position[dim] = slice(start, end, step)
    return _scatter_into("slice_scatter", input, src, tuple(position))


def diagonal_scatter(input: Tensor, src: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """A copy of input with the diagonal (offset, dim1, dim2) replaced by src (diagonal's dim last)."""
    from ..creation import arange
    dim1, dim2 = dim1 % input.ndim, dim2 % input.ndim
    rows, columns = input.shape[dim1], input.shape[dim2]
    length = max(min(rows, columns - offset) if offset >= 0 else min(rows + offset, columns), 0)
    steps = arange(length, device=input.device)
    position = [slice(None)] * input.ndim
    position[dim1] = steps + max(-offset, 0)
    position[dim2] = steps + max(offset, 0)
    # advanced indices on two dims put the diagonal first (adjacent) or first overall: move it last as torch does
    out = input.clone()
    moved = src.movedim(-1, min(dim1, dim2)) if abs(dim1 - dim2) == 1 else src.movedim(-1, 0)
    if tuple(out[tuple(position)].shape) != tuple(moved.shape):
        raise RuntimeError(f"diagonal_scatter: expected src to have a size equal to the diagonal of self. "
                           f"src size = {list(src.shape)}")
    out[tuple(position)] = moved
    return out


def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    """A copy of input with the slices at index along dim replaced by source's."""
    position = [slice(None)] * input.ndim
    position[dim % max(input.ndim, 1)] = index
    if index.ndim > 1:
        raise IndexError("index_copy_(): Index should have dimension 1 or 0 (got " + str(index.ndim) + ")")
    out = input.clone()
    out[tuple(position)] = source
    return out


def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """A copy of input whose elements where mask is True are source's first elements, in row-major order."""
    mask = mask.expand(input.shape) if tuple(mask.shape) != tuple(input.shape) else mask
    count = int(mask.sum())
    if source.numel() < count:
        raise RuntimeError("masked_scatter: expected source to have at least as many elements as ones in mask")
    out = input.clone()
    out[mask] = source.reshape(-1)[:count]
    return out


def rsub(input: Tensor, other, *, alpha=1) -> Tensor:
    """other - alpha * input."""
    return other - (input * alpha if alpha != 1 else input)


def dist(input: Tensor, other: Tensor, p: float = 2) -> Tensor:
    """The p-norm of input - other (broadcast)."""
    from .reduce import norm
    return norm(input - other, p)


def renorm(input: Tensor, p: float, dim: int, maxnorm: float) -> Tensor:
    """Each slice along dim rescaled so that its p-norm is at most maxnorm (PyTorch's 1e-7 guard)."""
    from .reduce import norm
    if p <= 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    other_dims = [d for d in range(input.ndim) if d != dim % input.ndim]
    norms = norm(input, p, other_dims, keepdim=True) if other_dims else input.abs()
    factor = (maxnorm / (norms + 1e-7)).where(norms > maxnorm, norms.new_ones(()))
    return input * factor
