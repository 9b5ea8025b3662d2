"""Matrix products: matmul (@), mm, bmm, mv, dot, outer, addmm, einsum, linear and bilinear.

Every product runs on the backend's ``gemm`` primitive, and every backward pass passes
transposes to it as flags: no transposed copy of an operand is made.
"""
from __future__ import annotations

import math
import string

from .._ext._autograd import apply
from ..autograd.function import ArrayFunction
from ..tensor import Tensor
from ._wirtinger import conj_if_complex
from .activation import relu_backward, relu_backward_column_sums

__all__ = ["matmul", "mm", "bmm", "mv", "dot", "outer", "addmm", "einsum", "linear", "bilinear", "cross"]

# PyTorch's C++ scalar-type names, used in its dtype-mismatch messages
_SCALAR_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
                 "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
                 "bool": "bool"}


def _check_tensor(x, name: str) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{name} must be a Tensor, not {type(x).__name__}")


def _check_same_dtype(a: Tensor, b: Tensor) -> None:
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{_SCALAR_NAMES[a._data.dtype.name]} != {_SCALAR_NAMES[b._data.dtype.name]}")


def _dims(shape) -> str:
    return "x".join(str(s) for s in shape)


def _broadcast_batch(a_batch: tuple, b_batch: tuple) -> None:
    """Raise PyTorch's error when two batch shapes don't broadcast."""
    ndim = max(len(a_batch), len(b_batch))
    a = (1,) * (ndim - len(a_batch)) + tuple(a_batch)
    b = (1,) * (ndim - len(b_batch)) + tuple(b_batch)
    for dim in range(ndim):
        if a[dim] != b[dim] and a[dim] != 1 and b[dim] != 1:
            raise RuntimeError(f"The size of tensor a ({a[dim]}) must match the size of tensor b ({b[dim]}) at "
                               f"non-singleton dimension {dim}")


# --- matmul ----------------------------------------------------------------------------------------

class Matmul(ArrayFunction):
    """NumPy/PyTorch matmul: a 1-D operand is a row (left) or column (right) vector, dropped afterwards."""

    def forward(ctx, a, b):
        xp = ctx.xp
        needs_a, needs_b = ctx.needs_input_grad
        ctx.a_shape, ctx.b_shape = a.shape, b.shape
        ctx.save_for_backward(a if needs_b else None, b if needs_a else None)
        out = xp.matmul(a, b)
        # the product's shape with the dims of 1-D operands kept (as size 1), which the gemms below use
        shape = out.shape + (1,) * (b.ndim == 1)
        ctx.out2_shape = shape[:-1] + (1,) + shape[-1:] if a.ndim == 1 else shape
        return out

    def backward(ctx, grad):
        xp = ctx.xp
        a, b = ctx.saved_tensors
        a_shape, b_shape = ctx.a_shape, ctx.b_shape
        needs_a, needs_b = ctx.needs_input_grad
        grad = xp.reshape(grad, ctx.out2_shape)
        grad_a = grad_b = None
        if needs_a:
            b2 = xp.reshape(b, (b_shape[0], 1)) if len(b_shape) == 1 else b
            grad_a = xp.gemm(grad, conj_if_complex(xp, b2), False, True)
            grad_a = xp.reshape(xp.sum_to(grad_a, _as_matrix_shape(a_shape, row=True)), a_shape)
        if needs_b:
            a2 = xp.reshape(a, (1, a_shape[0])) if len(a_shape) == 1 else a
            grad_b = _weight_grad(xp, conj_if_complex(xp, a2), grad, b_shape)
        return grad_a, grad_b


def _as_matrix_shape(shape: tuple, row: bool) -> tuple:
    if len(shape) != 1:
        return tuple(shape)
    return (1, shape[0]) if row else (shape[0], 1)


def _weight_grad(xp, a, grad, b_shape):
    """d(a @ b)/db for a (..., n, k): one gemm over all rows when b has no batch of its own."""
    k, m = a.shape[-1], grad.shape[-1]
    b2_shape = _as_matrix_shape(b_shape, row=False)
    if len(b2_shape) == 2 and a.ndim > 2:
        a_rows = xp.view(a, (-1, k))
        grad_rows = xp.view(grad, (-1, m))
        if a_rows is not None and grad_rows is not None:
            return xp.reshape(xp.gemm(a_rows, grad_rows, True, False), b_shape)
    grad_b = xp.gemm(a, grad, True, False)
    return xp.reshape(xp.sum_to(grad_b, b2_shape), b_shape)


def matmul(input: Tensor, other: Tensor) -> Tensor:
    """Matrix product with PyTorch's rules for 1-D operands and broadcast batch dims.

    Args:
        input: (..., n, k) or (k,)
        other: (..., k, m) or (k,)

    Example::

        >>> axonml.matmul(axonml.randn(10, 3, 4), axonml.randn(4, 5)).shape
        axonml.Size([10, 3, 5])
    """
    _check_tensor(input, "input")
    _check_tensor(other, "other")
    a_shape, b_shape = input._data.shape, other._data.shape
    if not a_shape or not b_shape:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {len(a_shape)}D "
                           f"and {len(b_shape)}D")
    if a_shape[-1] != b_shape[0 if len(b_shape) == 1 else -2]:
        raise RuntimeError(_matmul_mismatch(a_shape, b_shape))
    if len(a_shape) > 2 or len(b_shape) > 2:
        _broadcast_batch(a_shape[:-2], b_shape[:-2])
    _check_same_dtype(input, other)
    return apply(Matmul, input, other)


def _matmul_mismatch(a_shape, b_shape) -> str:
    if len(a_shape) == 1 and len(b_shape) == 1:
        return (f"inconsistent tensor size, expected tensor [{a_shape[0]}] and src [{b_shape[0]}] to have the "
                f"same number of elements, but got {a_shape[0]} and {b_shape[0]} elements respectively")
    if len(b_shape) == 1:
        return f"size mismatch, got input ({a_shape[-2]}), mat ({_dims(a_shape[-2:])}), vec ({b_shape[0]})"
    if len(a_shape) == 1:
        return f"size mismatch, got input ({b_shape[-1]}), mat ({_dims(b_shape[-2:][::-1])}), vec ({a_shape[0]})"
    return f"mat1 and mat2 shapes cannot be multiplied ({_rows(a_shape)}x{a_shape[-1]} and {_dims(b_shape[-2:])})"


def _rows(shape) -> int:
    """How many rows a (..., k) tensor has when its leading dims are flattened."""
    rows = 1
    for s in shape[:-1]:
        rows *= s
    return rows


def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """Product of two matrices (n, k) @ (k, m) -> (n, m); no broadcasting."""
    _check_tensor(input, "input")
    _check_tensor(mat2, "mat2")
    if input._data.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if mat2._data.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    if input._data.shape[1] != mat2._data.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({_dims(input._data.shape)} and "
                           f"{_dims(mat2._data.shape)})")
    _check_same_dtype(input, mat2)
    return apply(Matmul, input, mat2)


def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """Batched product (b, n, k) @ (b, k, m) -> (b, n, m); no broadcasting."""
    _check_tensor(input, "input")
    _check_tensor(mat2, "mat2")
    if input._data.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if mat2._data.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    batch, _, k = input._data.shape
    if mat2._data.shape[:2] != (batch, k):
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{batch}, {k}] but "
                           f"got: [{mat2._data.shape[0]}, {mat2._data.shape[1]}].")
    _check_same_dtype(input, mat2)
    return apply(Matmul, input, mat2)


def mv(input: Tensor, vec: Tensor) -> Tensor:
    """Matrix-vector product (n, k) @ (k,) -> (n,)."""
    _check_tensor(input, "input")
    _check_tensor(vec, "vec")
    if input._data.ndim != 2 or vec._data.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {input._data.ndim}, {vec._data.ndim}")
    if input._data.shape[1] != vec._data.shape[0]:
        raise RuntimeError(_matmul_mismatch(input._data.shape, vec._data.shape))
    _check_same_dtype(input, vec)
    return apply(Matmul, input, vec)


def dot(input: Tensor, other: Tensor) -> Tensor:
    """Inner product of two 1-D tensors (a 0-d tensor)."""
    _check_tensor(input, "input")
    _check_tensor(other, "other")
    if input._data.ndim != 1 or other._data.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input._data.ndim}D and {other._data.ndim}D tensors")
    if input._data.shape != other._data.shape:
        raise RuntimeError(_matmul_mismatch(input._data.shape, other._data.shape))
    if input._data.dtype != other._data.dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                           f"{input.dtype.scalar_name} and {other.dtype.scalar_name}")
    return apply(Matmul, input, other)


# --- outer, addmm --------------------------------------------------------------------------------------

class Outer(ArrayFunction):
    def forward(ctx, a, b):
        xp = ctx.xp
        needs_a, needs_b = ctx.needs_input_grad
        ctx.save_for_backward(a if needs_b else None, b if needs_a else None)
        return xp.mul(xp.reshape(a, (a.shape[0], 1)), b)

    def backward(ctx, grad):
        xp = ctx.xp
        a, b = ctx.saved_tensors
        needs_a, needs_b = ctx.needs_input_grad
        grad_a = xp.reshape(xp.gemm(grad, xp.reshape(b, (b.shape[0], 1))), (grad.shape[0],)) if needs_a else None
        grad_b = xp.reshape(xp.gemm(xp.reshape(a, (1, a.shape[0])), grad), (grad.shape[1],)) if needs_b else None
        return grad_a, grad_b


def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """Outer product of two 1-D tensors: (n,) x (m,) -> (n, m)."""
    _check_tensor(input, "input")
    _check_tensor(vec2, "vec2")
    if input._data.ndim != 1:
        raise RuntimeError(f"outer: Expected 1-D argument self, but got {input._data.ndim}-D")
    if vec2._data.ndim != 1:
        raise RuntimeError(f"outer: Expected 1-D argument vec2, but got {vec2._data.ndim}-D")
    _check_same_dtype(input, vec2)
    return apply(Outer, input, vec2)


class Addmm(ArrayFunction):
    """beta * input + alpha * (mat1 @ mat2), as one gemm that starts from input."""

    def forward(ctx, c, a, b, beta, alpha):
        needs_c, needs_a, needs_b = ctx.needs_input_grad[:3]
        ctx.c_shape, ctx.beta, ctx.alpha = c.shape, beta, alpha
        ctx.save_for_backward(a if needs_b else None, b if needs_a else None)
        return ctx.xp.gemm(a, b, False, False, alpha, beta, c)

    def backward(ctx, grad):
        xp = ctx.xp
        a, b = ctx.saved_tensors
        needs_c, needs_a, needs_b = ctx.needs_input_grad[:3]
        grad_c = None
        if needs_c:
            grad_c = xp.sum_to(grad, ctx.c_shape)
            grad_c = xp.mul(grad_c, ctx.beta) if ctx.beta != 1 else grad_c
        grad_a = xp.gemm(grad, b, False, True, ctx.alpha) if needs_a else None
        grad_b = xp.gemm(a, grad, True, False, ctx.alpha) if needs_b else None
        return grad_c, grad_a, grad_b, None, None


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """beta * input + alpha * (mat1 @ mat2); input broadcasts to (n, m). With beta=0, input is ignored."""
    _check_tensor(input, "input")
    _check_tensor(mat1, "mat1")
    _check_tensor(mat2, "mat2")
    if mat1._data.ndim != 2:
        raise RuntimeError("mat1 must be a matrix, got {}-D tensor".format(mat1._data.ndim))
    if mat2._data.ndim != 2:
        raise RuntimeError("mat2 must be a matrix, got {}-D tensor".format(mat2._data.ndim))
    if mat1._data.shape[1] != mat2._data.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({_dims(mat1._data.shape)} and "
                           f"{_dims(mat2._data.shape)})")
    _check_same_dtype(mat1, mat2)
    _check_same_dtype(input, mat1)
    target = (mat1._data.shape[0], mat2._data.shape[1])
    shape = input._data.shape
    if len(shape) > 2 or any(s not in (1, t) for s, t in zip(shape[::-1], target[::-1])):
        raise RuntimeError(f"The expanded size of the tensor ({target[-1]}) must match the existing size "
                           f"({shape[-1] if shape else 1}) at non-singleton dimension 1.  Target sizes: "
                           f"{list(target)}.  Tensor sizes: {list(shape)}")
    return apply(Addmm, input, mat1, mat2, float(beta), float(alpha))


# --- einsum ----------------------------------------------------------------------------------------

class Einsum(ArrayFunction):
    """einsum on explicit subscripts (ellipses already expanded to letters, one list per operand).

    The gradient of operand i is einsum of the output gradient with the other operands, onto
    i's subscripts; letters only i has are broadcast back, repeated letters fill a diagonal.
    """

    def forward(ctx, subscripts, output, shape, *operands):
        xp = ctx.xp
        ctx.subscripts, ctx.output, ctx.shape = subscripts, output, shape
        ctx.save_for_backward(*operands)
        broadcast = [x if x.shape == s else xp.broadcast_to(x, s) for x, s in zip(operands, shape)]
        return xp.einsum(_equation(subscripts, output), *broadcast)

    def backward(ctx, grad):
        xp = ctx.xp
        saved = ctx.saved_tensors
        subscripts, output = ctx.subscripts, ctx.output
        operands = [x if x.shape == s else xp.broadcast_to(x, s) for x, s in zip(saved, ctx.shape)]
        grads = [None, None, None]
        for i, operand in enumerate(operands):
            if not ctx.needs_input_grad[i + 3]:
                grads.append(None)
                continue
            others = [s for j, s in enumerate(subscripts) if j != i]
            other_arrays = [o for j, o in enumerate(operands) if j != i]
            grad_i = _einsum_operand_grad(xp, grad, output, others, other_arrays, subscripts[i], operand)
            grads.append(xp.sum_to(grad_i, saved[i].shape))
        return tuple(grads)


def _einsum_operand_grad(xp, grad, output, others, other_arrays, own, operand):
    elsewhere = set(output).union(*others)
    unique = list(dict.fromkeys(own))
    kept = [c for c in unique if c in elsewhere]
    sizes = dict(zip(own, operand.shape))
    result = xp.einsum(_equation([output] + others, kept), grad, *other_arrays)
    if len(kept) != len(unique):  # letters summed inside this operand alone: broadcast back along them
        result = xp.reshape(result, tuple(sizes[c] if c in kept else 1 for c in unique))
        result = xp.broadcast_to(result, tuple(sizes[c] for c in unique))
    if len(unique) == len(own):
        return result
    # repeated letters: the gradient lives on the diagonal they select
    full = xp.zeros(operand.shape, operand.dtype)
    steps = _contiguous_strides(operand.shape)
    diagonal_strides = tuple(sum(st for c2, st in zip(own, steps) if c2 == c) for c in unique)
    xp.copy_into(xp.as_strided(full, tuple(sizes[c] for c in unique), diagonal_strides, 0), result)
    return full


def _contiguous_strides(shape) -> list:
    strides, step = [], 1
    for s in reversed(shape):
        strides.append(step)
        step *= s
    return strides[::-1]


def _equation(subscripts, output) -> str:
    return ",".join("".join(s) for s in subscripts) + "->" + "".join(output)


def _ellipsis_split(term: str, where: str) -> tuple[str, str] | None:
    """(letters before, letters after) a term's '...', or None without one; stray dots are torch's RuntimeError."""
    before, found, after = term.partition("...")
    if "." in before:
        raise RuntimeError(f"einsum(): found '.' for {where} that is not part of any ellipsis"
                           + (" (...)" if where == "output" else ""))
    if not found:
        return None
    if "." in after:
        raise RuntimeError(f"einsum(): found '.' for {where} for which an ellipsis was already found"
                           if where != "output" else
                           "einsum(): found '.' for output but an ellipsis (...) was already found")
    return before, after


def _check_letters(term: str, start: int) -> None:
    """RuntimeError for a subscript outside [a-zA-Z]; term starts at index start of the equation."""
    for k, c in enumerate(term):
        if c not in string.ascii_letters and c != ".":
            raise RuntimeError(f"einsum(): invalid subscript given at index {start + k} in the equation string, "
                               "subscripts must be in [a-zA-Z]")


def _parse_einsum(equation: str, operands) -> tuple[list, list]:
    """Subscripts per operand and the output subscripts, with '...' replaced by fresh letters.

    Malformed equations raise RuntimeError with torch's messages.
    """
    equation = equation.replace(" ", "")
    inputs, arrow, output = equation.partition("->")
    terms = inputs.split(",")
    if len(terms) != len(operands):
        raise RuntimeError(f"einsum(): more operands were provided than specified in the equation"
                           if len(operands) > len(terms) else
                           "einsum(): fewer operands were provided than specified in the equation")
    start = 0
    for term in terms:
        _check_letters(term, start)
        start += len(term) + 1
    if arrow:
        _check_letters(output, len(inputs) + 2)
    splits = [_ellipsis_split(term, f"operand {i}") for i, term in enumerate(terms)]
    free = [c for c in string.ascii_letters if c not in equation]
    ellipsis_ndim = 0
    for split, x in zip(splits, operands):
        if split is not None:
            ellipsis_ndim = max(ellipsis_ndim, x._data.ndim - len(split[0]) - len(split[1]))
    ellipsis = free[:ellipsis_ndim]
    subscripts = []
    for i, (term, split, x) in enumerate(zip(terms, splits, operands)):
        ndim = x._data.ndim
        if split is None:
            letters = list(term)
            if len(letters) != ndim:
                raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(letters)}) does not "
                                   f"match the number of dimensions ({ndim}) for operand {i} and no ellipsis was "
                                   "given")
        else:
            before, after = split
            n = ndim - len(before) - len(after)
            if n < 0:
                raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(before) + len(after)}) "
                                   f"is more than the number of dimensions ({ndim}) for operand {i}")
            letters = list(before) + ellipsis[ellipsis_ndim - n:] + list(after)
        subscripts.append(letters)
    if arrow:
        split = _ellipsis_split(output, "output")
        named = output if split is None else split[0] + split[1]
        seen = set().union(*subscripts)
        for c in named:
            if named.count(c) > 1:
                raise RuntimeError(f"einsum(): output subscript {c} appears more than once in the output")
            if c not in seen:
                raise RuntimeError(f"einsum(): output subscript {c} does not appear in the equation for any input "
                                   "operand")
        out = list(named) if split is None else list(split[0]) + ellipsis + list(split[1])
    else:
        counts = {}
        for s in subscripts:
            for c in s:
                counts[c] = counts.get(c, 0) + 1
        out = ellipsis + sorted(c for c, n in counts.items() if n == 1 and c not in ellipsis)
    return subscripts, out


def einsum(equation: str, *operands) -> Tensor:
    """Sum of products over the subscripts of equation (Einstein notation), as torch.einsum.

    Example::

        >>> axonml.einsum("bij,bjk->bik", axonml.randn(2, 3, 4), axonml.randn(2, 4, 5)).shape
        axonml.Size([2, 3, 5])
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    for x in operands:
        _check_tensor(x, "einsum(): operand")
    subscripts, output = _parse_einsum(equation, operands)
    sizes = {}  # a letter's size; size-1 dims broadcast against it
    for letters, x in zip(subscripts, operands):
        for c, size in zip(letters, x._data.shape):
            known = sizes.get(c)
            if known is not None and known != size and known != 1 and size != 1:
                raise RuntimeError(f"einsum(): operands do not broadcast with remapped shapes (original->"
                                   f"remapped): subscript {c} has size {known} and {size}")
            sizes[c] = size if known in (None, 1) else known
    shapes = tuple(tuple(sizes[c] for c in letters) for letters in subscripts)
    return apply(Einsum, subscripts, output, shapes, *operands)


# --- linear -------------------------------------------------------------------------------------------

class Linear(ArrayFunction):
    """y = act(x @ weight^T + bias) as one gemm: weight enters transposed by flag.

    ``activation`` is None or "relu". On the CPU the bias and the ReLU are the gemm's epilogue, applied in
    its last stores; elsewhere the bias enters as gemm's C operand and relu runs in place on the fresh
    output (no second array, no second op). The ReLU's gradient is relu's own (relu_backward).
    ``tile`` is the CPU gemm's tile width for the three products (0: its default); the autotuned Linear
    of a compiled graph uses subclasses that set it (:func:`axonml.fusion.linear.tiled_linear`).
    """

    tile = 0

    def forward(ctx, x, weight, bias, activation=None):
        xp = ctx.xp
        needs_x, needs_weight = ctx.needs_input_grad[:2]
        out_features, in_features = weight.shape
        ctx.x_shape = x.shape
        ctx.bias_shape = None if bias is None else bias.shape
        ctx.activation = activation
        rows = xp.reshape(x, (math.prod(x.shape[:-1]), in_features))  # explicit: -1 fails for 0 features
        out = xp.reshape(ctx.product(rows, weight, bias, activation == "relu"), x.shape[:-1] + (out_features,))
        ctx.save_for_backward(x if needs_weight else None, weight if needs_x else None,
                              out if activation is not None and any(ctx.needs_input_grad[:3]) else None)
        return out

    def product(ctx, rows, weight, bias, relu: bool):
        """relu?(rows @ weight^T + bias) as a new (rows, out_features) array: the forward's product, which the
        kernels of the autotuned Linear replace."""
        xp = ctx.xp
        fused = getattr(xp, "gemm_epilogue", None)  # the CPU's: bias and relu in the gemm's last stores
        out = fused(rows, weight, False, True, bias, relu, ctx.tile) if fused is not None else None
        if out is None:
            out = xp.gemm(rows, weight, False, True, 1.0, 0.0 if bias is None else 1.0, bias, ctx.tile)
            if relu:
                xp.relu_into(out)
        return out

    def backward(ctx, grad):
        xp = ctx.xp
        x, weight, out = ctx.saved_tensors
        needs_x, needs_weight, needs_bias = ctx.needs_input_grad[:3]
        x_shape = ctx.x_shape
        out_features = grad.shape[-1]
        grad_rows = xp.reshape(grad, (math.prod(grad.shape[:-1]), out_features))
        bias_sums = None
        if ctx.activation == "relu":
            out_rows = xp.reshape(out, grad_rows.shape)
            if needs_bias:
                grad_rows, bias_sums = relu_backward_column_sums(xp, grad_rows, out_rows)
            else:
                grad_rows = relu_backward(xp, grad_rows, out_rows)
        tile = ctx.tile
        grad_x = xp.reshape(xp.gemm(grad_rows, weight, tile=tile), x_shape) if needs_x else None
        grad_weight = None
        if needs_weight:
            grad_weight = xp.gemm(grad_rows, xp.reshape(x, (math.prod(x_shape[:-1]), x_shape[-1])), True, False,
                                  tile=tile)
        grad_bias = None
        if needs_bias:
            grad_bias = xp.sum_to(xp.sum(grad_rows, 0, False) if bias_sums is None else bias_sums, ctx.bias_shape)
        return grad_x, grad_weight, grad_bias, None


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = input @ weight^T + bias.

    Args:
        input: (*, in_features)
        weight: (out_features, in_features)
        bias: (out_features,) or None

    Shape:
        output: (*, out_features)
    """
    _check_tensor(input, "input")
    _check_tensor(weight, "weight")
    if weight._data.ndim == 1 and input._data.ndim:
        return matmul(input, weight) if bias is None else matmul(input, weight) + bias
    _check_linear(input, weight, bias)
    return apply(Linear, input, weight, bias, None)


def linear_relu(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """relu(input @ weight^T + bias) as one op: the fused bias + activation of a feed-forward block.

    The same values and gradients as ``F.relu(F.linear(input, weight, bias))``, without the second
    pass over the output or the array it would allocate.

    Args:
        input: (*, in_features). weight: (out_features, in_features). bias: (out_features,) or None.

    Shape:
        output: (*, out_features)
    """
    _check_tensor(input, "input")
    _check_tensor(weight, "weight")
    if weight._data.ndim == 1 and input._data.ndim:
        return linear(input, weight, bias).relu()
    _check_linear(input, weight, bias)
    return apply(Linear, input, weight, bias, "relu")


def _check_linear(input: Tensor, weight: Tensor, bias: Tensor | None) -> None:
    """PyTorch's shape and dtype errors of linear, for a 2-D weight."""
    x_shape, w_shape = input._data.shape, weight._data.shape
    if weight._data.ndim != 2 or not x_shape:
        raise RuntimeError(f"both arguments to linear need to be at least 1D, but they are {len(x_shape)}D and "
                           f"{len(w_shape)}D")
    if x_shape[-1] != w_shape[1]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({_rows(x_shape)}x{x_shape[-1]} and "
                           f"{w_shape[1]}x{w_shape[0]})")
    _check_same_dtype(input, weight)
    if bias is not None:
        _check_tensor(bias, "bias")
        if bias._data.dtype != weight._data.dtype:
            _check_same_dtype(weight, bias)
        if bias._data.ndim > 1 or (bias._data.ndim == 1 and bias._data.shape[0] not in (1, w_shape[0])):
            raise RuntimeError(f"The expanded size of the tensor ({w_shape[0]}) must match the existing size "
                               f"({bias._data.shape[-1]}) at non-singleton dimension 1.  Target sizes: "
                               f"[{_rows(x_shape)}, {w_shape[0]}].  Tensor sizes: {list(bias._data.shape)}")


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    r"""y = input1^T weight input2 + bias, per output feature: :math:`y_o = x_1^T A_o x_2 + b_o`.

    Args:
        input1: (*, in1_features)
        input2: (*, in2_features), the same leading dims as input1
        weight: (out_features, in1_features, in2_features)
        bias: (out_features,) or None

    Shape:
        output: (*, out_features)
    """
    for x, name in ((input1, "input1"), (input2, "input2"), (weight, "weight")):
        _check_tensor(x, name)
    shape1, shape2, w_shape = input1._data.shape, input2._data.shape, weight._data.shape
    if len(shape1) != len(shape2):
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {len(shape1)} and {len(shape2)}")
    for d, (a, b) in enumerate(zip(shape1[:-1], shape2[:-1])):
        if a != b:
            raise RuntimeError(f"bilinear(): input batch dimensions do not match at dim {d}: got {a} and {b}")
    for k, size in ((1, shape1[-1]), (2, shape2[-1])):
        if size != w_shape[k]:
            raise RuntimeError(f"bilinear(): input{k} size does not match weight size: got {size} but expected "
                               f"{w_shape[k]}")
    if bias is not None and (bias._data.ndim != 1 or bias._data.shape[0] != w_shape[0]):
        raise RuntimeError(f"bilinear(): bias size does not match weight size: got {bias._data.shape[-1]} but "
                           f"expected {w_shape[0]}")
    rows1 = input1.reshape(-1, shape1[-1])
    rows2 = input2.reshape(-1, shape2[-1])
    out = einsum("bi,oij,bj->bo", rows1, weight, rows2).reshape(tuple(shape1[:-1]) + (w_shape[0],))
    return out if bias is None else out + bias


# --- cross ---------------------------------------------------------------------------------------------

def _cross(name: str, input: Tensor, other: Tensor, dim: int) -> Tensor:
    """The cross product along dim of input and other broadcast together, composed from narrow and mul."""
    _check_tensor(input, "input")
    _check_tensor(other, "other")
    if input._data.dtype != other._data.dtype:
        raise RuntimeError(f"{name}: expected both inputs to have the same dtype, but got "
                           f"{input.dtype.scalar_name} and {other.dtype.scalar_name}")
    ndim = input._data.ndim
    if other._data.ndim != ndim:
        raise RuntimeError(f"{name}: inputs must have the same number of dimensions.")
    if not -ndim <= dim < ndim:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-ndim}, {ndim - 1}], but got {dim})")
    shape = _broadcast_shape(input._data.shape, other._data.shape)
    a, b = input.expand(shape), other.expand(shape)
    if shape[dim] != 3:
        raise RuntimeError(f"{name}: inputs dimension {dim} must have length 3. Got {a.shape[dim]} and {b.shape[dim]}")
    dim %= ndim
    a0, a1, a2 = (a.narrow(dim, i, 1) for i in range(3))
    b0, b1, b2 = (b.narrow(dim, i, 1) for i in range(3))
    from .shape import cat
    return cat([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], dim)


def _broadcast_shape(a_shape, b_shape) -> tuple:
    ndim = max(len(a_shape), len(b_shape))
    _broadcast_batch(a_shape, b_shape)
    a = (1,) * (ndim - len(a_shape)) + tuple(a_shape)
    b = (1,) * (ndim - len(b_shape)) + tuple(b_shape)
    return tuple(max(x, y) for x, y in zip(a, b))


def cross(input: Tensor, other: Tensor, dim: int | None = None) -> Tensor:
    """The cross product of 3-vectors along dim (torch.cross); batch dims broadcast.

    dim=None takes the first dim of size 3, as PyTorch does (torch.linalg.cross defaults to -1).
    """
    if dim is None:
        _check_tensor(input, "input")
        _check_tensor(other, "other")
        sizes = _broadcast_shape(input._data.shape, other._data.shape)
        if 3 not in sizes:
            raise RuntimeError("no dimension of size 3 in input")
        dim = sizes.index(3)
    return _cross("linalg.cross", input, other, dim)
