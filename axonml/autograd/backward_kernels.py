"""Differentiable forms of the backend primitives that have no public op: gemm and the backward kernels.

A backward run with ``create_graph=True`` calls these (through axonml.autograd.recording) where a
first-order backward calls the primitive itself. Each is linear in the gradient it receives, so its
own backward is the adjoint kernel: a convolution's input gradient is a transposed convolution whose
backward is a convolution, max pooling's backward scatters and its adjoint gathers, and so on. The
backwards below are written against ``ctx.xp`` like every op, so they are differentiable again.
"""
from __future__ import annotations

from .function import ArrayFunction

__all__: list = []


def _sum_to(xp, a, shape):
    return a if tuple(a.shape) == tuple(shape) else xp.sum_to(a, tuple(shape))


class Gemm(ArrayFunction):
    """alpha * op(a) @ op(b) + beta * c, op transposing the last two dims when its flag is set."""

    def forward(ctx, a, b, trans_a, trans_b, alpha, beta, c):
        ctx.flags = (trans_a, trans_b, alpha, beta)
        ctx.shapes = (a.shape, b.shape, None if c is None else c.shape)
        needs_a, needs_b = ctx.needs_input_grad[:2]
        ctx.save_for_backward(a if needs_b else None, b if needs_a else None)
        return ctx.xp.gemm(a, b, trans_a, trans_b, alpha, beta, c)

    def backward(ctx, grad):
        xp = ctx.xp
        a, b = ctx.saved_tensors
        trans_a, trans_b, alpha, beta = ctx.flags
        a_shape, b_shape, c_shape = ctx.shapes
        needs_a, needs_b, needs_c = ctx.needs_input_grad[0], ctx.needs_input_grad[1], ctx.needs_input_grad[6]
        grad_a = grad_b = grad_c = None
        if needs_a:  # d op(a) = alpha * grad @ op(b)^T
            grad_a = xp.gemm(b, grad, trans_b, True, alpha) if trans_a else xp.gemm(grad, b, False, not trans_b, alpha)
            grad_a = _sum_to(xp, grad_a, a_shape)
        if needs_b:  # d op(b) = alpha * op(a)^T @ grad
            grad_b = xp.gemm(grad, a, True, trans_a, alpha) if trans_b else xp.gemm(a, grad, not trans_a, False, alpha)
            grad_b = _sum_to(xp, grad_b, b_shape)
        if needs_c:
            grad_c = _sum_to(xp, xp.mul(grad, beta) if beta != 1 else grad, c_shape)
        return grad_a, grad_b, None, None, None, None, grad_c


# --- convolution: the input and weight gradients, each bilinear in (grad, the other operand) -------------

def _fit(xp, out, grad_shape):
    """A convolution of the input-gradient side can see more output positions than grad has
    (conv_transpose's output_padding): keep grad's."""
    if tuple(out.shape) == tuple(grad_shape):
        return out
    return xp.getitem(out, tuple(slice(0, n) for n in grad_shape))


class ConvInputGrad(ArrayFunction):
    """conv_nd_backward's input gradient: the transposed convolution of grad with weight."""

    def forward(ctx, grad, weight, x_shape, stride, padding, dilation, groups):
        xp = ctx.xp
        ctx.params = (stride, padding, dilation, groups)
        ctx.grad_shape = grad.shape
        ctx.save_for_backward(grad, weight)
        grad_x, _ = xp.conv_nd_backward(grad, xp.empty(x_shape, grad.dtype), weight, stride, padding, dilation,
                                        groups, True, False)
        return grad_x

    def backward(ctx, grad_grad_x):
        xp = ctx.xp
        grad, weight = ctx.saved_tensors
        needs_grad, needs_weight = ctx.needs_input_grad[:2]
        stride, padding, dilation, groups = ctx.params
        d_grad = d_weight = None
        if needs_grad:
            d_grad = _fit(xp, xp.conv_nd(grad_grad_x, weight, None, stride, padding, dilation, groups), ctx.grad_shape)
        if needs_weight:
            _, d_weight = xp.conv_nd_backward(grad, grad_grad_x, weight, stride, padding, dilation, groups, False,
                                              True)
        return d_grad, d_weight, None, None, None, None, None


class ConvWeightGrad(ArrayFunction):
    """conv_nd_backward's weight gradient: the correlation of x with grad."""

    def forward(ctx, grad, x, weight_shape, stride, padding, dilation, groups):
        xp = ctx.xp
        ctx.params = (stride, padding, dilation, groups)
        ctx.grad_shape = grad.shape
        ctx.save_for_backward(grad, x)
        _, grad_weight = xp.conv_nd_backward(grad, x, xp.empty(weight_shape, grad.dtype), stride, padding, dilation,
                                             groups, False, True)
        return grad_weight

    def backward(ctx, grad_grad_weight):
        xp = ctx.xp
        grad, x = ctx.saved_tensors
        needs_grad, needs_x = ctx.needs_input_grad[:2]
        stride, padding, dilation, groups = ctx.params
        d_grad = d_x = None
        if needs_grad:
            d_grad = _fit(xp, xp.conv_nd(x, grad_grad_weight, None, stride, padding, dilation, groups), ctx.grad_shape)
        if needs_x:
            d_x, _ = xp.conv_nd_backward(grad, x, grad_grad_weight, stride, padding, dilation, groups, True, False)
        return d_grad, d_x, None, None, None, None, None


# --- pooling ---------------------------------------------------------------------------------------------

class MaxPoolBackward(ArrayFunction):
    """Scatter grad to the recorded maxima; its adjoint gathers from them."""

    def forward(ctx, grad, indices, x_shape, ndim):
        ctx.grad_shape, ctx.indices, ctx.ndim = grad.shape, indices, ndim
        return ctx.xp.max_pool_nd_backward(grad, indices, x_shape, ndim)

    def backward(ctx, grad_grad_x):
        xp = ctx.xp
        planes = tuple(grad_grad_x.shape[:grad_grad_x.ndim - ctx.ndim])
        flat = xp.reshape(grad_grad_x, planes + (-1,))
        index = xp.reshape(ctx.indices, planes + (-1,))
        gathered = xp.take_along_axis(flat, index, len(planes))
        return xp.reshape(gathered, ctx.grad_shape), None, None, None


class AvgPoolBackward(ArrayFunction):
    """Spread grad over each window; its adjoint is the average pooling itself."""

    def forward(ctx, grad, x_shape, kernel, stride, padding, count_include_pad, divisor_override):
        ctx.output_size = tuple(grad.shape[grad.ndim - len(kernel):])
        ctx.params = (kernel, stride, padding, count_include_pad, divisor_override)
        return ctx.xp.avg_pool_nd_backward(grad, x_shape, kernel, stride, padding, count_include_pad,
                                           divisor_override)

    def backward(ctx, grad_grad_x):
        kernel, stride, padding, count_include_pad, divisor_override = ctx.params
        d_grad = ctx.xp.avg_pool_nd(grad_grad_x, kernel, stride, padding, ctx.output_size, count_include_pad,
                                    divisor_override)
        return d_grad, None, None, None, None, None, None


class AdaptiveAvgPoolBackward(ArrayFunction):
    def forward(ctx, grad, x_shape, ndim):
        ctx.output_size = tuple(grad.shape[grad.ndim - ndim:])
        return ctx.xp.adaptive_avg_pool_nd_backward(grad, x_shape, ndim)

    def backward(ctx, grad_grad_x):
        return ctx.xp.adaptive_avg_pool_nd(grad_grad_x, ctx.output_size), None, None


# --- embedding ---------------------------------------------------------------------------------------------

class EmbeddingBackward(ArrayFunction):
    """Sum grad's rows into the rows indices name; its adjoint looks those rows up again."""

    def forward(ctx, grad, indices, num_weights, padding_idx):
        ctx.indices, ctx.padding_idx = indices, padding_idx
        return ctx.xp.embedding_backward(grad, indices, num_weights, padding_idx)

    def backward(ctx, grad_grad_weight):
        xp = ctx.xp
        rows = xp.getitem(grad_grad_weight, ctx.indices)
        if ctx.padding_idx is not None:
            padded = xp.reshape(xp.eq(ctx.indices, ctx.padding_idx), tuple(ctx.indices.shape) + (1,))
            rows = xp.where(padded, 0, rows)
        return rows, None, None, None


# --- einsum ----------------------------------------------------------------------------------------------

class EinsumPrimitive(ArrayFunction):
    """The einsum primitive (explicit '->' equation): each operand's gradient is an einsum of the output
    gradient with the other operands."""

    def forward(ctx, equation, *operands):
        ctx.equation = equation
        ctx.save_for_backward(*operands)
        return ctx.xp.einsum(equation, *operands)

    def backward(ctx, grad):
        xp = ctx.xp
        operands = ctx.saved_tensors
        inputs, output = ctx.equation.split("->")
        subscripts = inputs.split(",")
        grads = [None]
        for i, letters in enumerate(subscripts):
            if not ctx.needs_input_grad[i + 1]:
                grads.append(None)
                continue
            others = [s for j, s in enumerate(subscripts) if j != i]
            if len(set(letters)) != len(letters) or not set(letters) <= set(output).union(*others):
                raise NotImplementedError(f"create_graph=True: einsum '{ctx.equation}' repeats or sums away a letter "
                                          f"of operand {i}, so its gradient cannot be differentiated again")
            equation = ",".join([output] + others) + "->" + letters
            grads.append(xp.einsum(equation, grad, *[operands[j] for j in range(len(operands)) if j != i]))
        return tuple(grads)
