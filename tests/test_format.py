"""repr(tensor) is PyTorch's, with ``axonml.`` where PyTorch writes ``torch.``."""
import numpy as np
import pytest
import torch

import axonml

rng = np.random.default_rng(0)

CASES = {
    "mixed_signs": np.array([-1.0, 2.0], np.float32),
    "fixed_matrix": np.array([[1.0, -2.5], [3.25, 100.125]], np.float32),
    "fixed_wide": np.array([0.5, 123.456, -7.0], np.float32),
    "integral_floats": np.array([[1.0, 20.0], [-300.0, 4.0]], np.float32),
    "sci_small": np.array([1e-5, 1.0, 2.0], np.float32),
    "sci_large": np.array([1e9, -2.0], np.float32),
    "sci_ratio": np.array([0.5, 2000.0], np.float32),
    "zeros": np.zeros((2, 3), np.float32),
    "nonfinite": np.array([np.nan, np.inf, -np.inf, 1.5], np.float32),
    "nonfinite_integral": np.array([np.nan, 2.0, -np.inf], np.float32),
    "float64": np.array([1.0, 2.5], np.float64),
    "float16": np.array([1.0, 2.5], np.float16),
    "int64": np.array([[1, -20], [300, 4]], np.int64),
    "int32": np.array([5, -6], np.int32),
    "uint8": np.array([0, 255], np.uint8),
    "bool": np.array([True, False, True]),
    "scalar": np.array(3.5, np.float32),
    "scalar_int": np.array(-7, np.int64),
    "scalar_float64": np.array(1e-7, np.float64),
    "scalar_bool": np.array(False),
    "empty": np.zeros((0,), np.float32),
    "empty_2d": np.zeros((0, 3), np.float32),
    "empty_int": np.zeros((2, 0), np.int64),
    "empty_float64": np.zeros((0,), np.float64),
    "randn_3d": rng.standard_normal((2, 3, 4)).astype(np.float32),
    "randn_4d": rng.standard_normal((2, 2, 2, 3)).astype(np.float32),
    "long_row_wraps": rng.standard_normal(40).astype(np.float32),
    "long_int_row_wraps": np.arange(-60, 60, dtype=np.int64),
    "summarized_1d": np.arange(2000, dtype=np.float32) / 7,
    "summarized_2d": rng.standard_normal((50, 40)).astype(np.float32),
    "summarized_3d": np.arange(3000, dtype=np.int64).reshape(10, 10, 30),
    "summarized_short_rows": rng.standard_normal((1001, 1)).astype(np.float64),
    "threshold_exactly": np.ones(1000, np.float32),
    "magnitudes": (rng.standard_normal((3, 5)) * np.logspace(-6, 6, 5)).astype(np.float32),
}


def _pair(array, requires_grad=False):
    return (torch.tensor(array, requires_grad=requires_grad),
            axonml.tensor(array, requires_grad=requires_grad))


def _expected(torch_tensor) -> str:
    return repr(torch_tensor).replace("torch.", "axonml.")


@pytest.mark.parametrize("name", list(CASES))
def test_repr_matches_torch(name):
    expected, actual = _pair(CASES[name])
    assert repr(actual) == _expected(expected)
    assert str(actual) == str(expected).replace("torch.", "axonml.")


@pytest.mark.parametrize("name", ["mixed_signs", "fixed_matrix", "float64", "scalar", "empty_2d", "randn_3d",
                                  "summarized_2d"])
def test_repr_of_tensors_requiring_grad_matches_torch(name):
    expected, actual = _pair(CASES[name], requires_grad=True)
    assert repr(actual) == _expected(expected)


@pytest.mark.parametrize("make", [lambda x: x * 2, lambda x: x.sum(), lambda x: x.exp(), lambda x: x + 1,
                                  lambda x: x.view(-1)], ids=["mul", "sum", "exp", "add", "view"])
def test_repr_with_grad_fn_matches_torch(make):
    expected, actual = _pair(CASES["fixed_matrix"], requires_grad=True)
    assert repr(make(actual)) == _expected(make(expected))


def test_long_suffix_moves_to_the_next_line():
    array = rng.standard_normal((3, 7)).astype(np.float64)
    expected, actual = _pair(array, requires_grad=True)
    assert repr(actual * 2) == _expected(expected * 2)


@pytest.mark.parametrize("options", [dict(precision=2), dict(sci_mode=True), dict(sci_mode=False),
                                     dict(threshold=5, edgeitems=2), dict(linewidth=40), dict(profile="short"),
                                     dict(edgeitems=0, threshold=3)],
                         ids=["precision", "sci_on", "sci_off", "threshold", "linewidth", "short", "no_edgeitems"])
def test_printoptions_match_torch(options):
    array = (rng.standard_normal((4, 6)) * 30).astype(np.float32)
    expected, actual = _pair(array)
    try:
        torch.set_printoptions(**options)
        axonml.set_printoptions(**options)
        assert repr(actual) == _expected(expected)
    finally:
        torch.set_printoptions(profile="default")
        axonml.set_printoptions(profile="default")


def test_parameter_repr_matches_torch():
    array = CASES["fixed_matrix"]
    expected = torch.nn.Parameter(torch.tensor(array))
    actual = axonml.nn.Parameter(axonml.tensor(array))
    assert repr(actual) == _expected(expected)


def test_device_suffix(device):
    if device == "cpu":
        pytest.skip("the cpu device adds no suffix")
    t = axonml.tensor([1.0, -2.0], device=device)
    assert repr(t) == f"tensor([ 1., -2.], device='{t.device}')"


@pytest.mark.parametrize("spec", ["", ".4f", "8.2e", ">10", "g"])
@pytest.mark.parametrize("value, dtype", [(0.123456, "float32"), (3.0, "float64"), (7, "int64"), (True, "bool")])
def test_format_of_a_0d_tensor_matches_torch(value, dtype, spec):
    expected = format(torch.tensor(value, dtype=getattr(torch, dtype)), spec)
    assert format(axonml.tensor(value, dtype=getattr(axonml, dtype)), spec) == expected


def test_format_of_a_tensor_with_dims_takes_only_an_empty_spec():
    x = axonml.tensor([1.0, 2.0])
    assert f"{x}" == str(x)
    with pytest.raises(TypeError):
        f"{x:.4f}"
    with pytest.raises(TypeError):
        f"{torch.tensor([1.0, 2.0]):.4f}"
