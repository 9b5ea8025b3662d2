"""Elementwise ops against PyTorch: forward, backward, promotion, broadcasting, errors."""
import pytest

from tests.oracle.oracle import check, check_raises

BINARY_SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((), (3,))]


@pytest.mark.parametrize("shapes", BINARY_SHAPES)
@pytest.mark.parametrize("op", ["add", "sub", "mul", "div"])
def test_binary(op, shapes, device):
    import operator
    fn = {"add": operator.add, "sub": operator.sub, "mul": operator.mul, "div": operator.truediv}[op]
    check(fn, list(shapes), device=device)


@pytest.mark.parametrize("scalar", [2, 0.5, -3])
def test_scalar_operands(scalar):
    check(lambda x: x * scalar + scalar - x / scalar, [(3, 2)])
    check(lambda x: scalar - x, [(4,)])
    check(lambda x: scalar / x, [(4,)])


def test_broadcast_mismatch_raises():
    check_raises(lambda x, y: x + y, [(3, 4), (5,)])
