"""torch.* spellings of Tensor methods: in-place functions, copy variants of views, aliases; finfo/iinfo."""
import math

import numpy as np
import pytest
import torch

import axonml
from axonml.ops import aliases
from tests.oracle.oracle import assert_close

UNARY_INPLACE = [n for n in aliases._INPLACE if n in aliases.__all__ and hasattr(torch, n) and n not in
                 ("clamp_", "clamp_max_", "clamp_min_", "clip_", "fill_", "index_put_", "detach_", "gcd_", "lcm_",
                  "ldexp_", "xlogy_", "addmv_")]


@pytest.mark.parametrize("name", UNARY_INPLACE)
def test_inplace_function_matches_torch(name, device):
    values = np.random.default_rng(0).uniform(0.1, 0.9, (3, 4)).astype(np.float32)
    ours, theirs = axonml.from_numpy(values.copy()).to(device), torch.from_numpy(values.copy())
    result = getattr(axonml, name)(ours)
    getattr(torch, name)(theirs)
    assert result is ours
    assert_close(ours, theirs)


def test_inplace_functions_with_arguments():
    x, t = axonml.tensor([-2.0, 0.5, 3.0]), torch.tensor([-2.0, 0.5, 3.0])
    axonml.clamp_(x, -1.0, 1.0), torch.clamp_(t, -1.0, 1.0)
    assert_close(x, t)
    axonml.fill_(x, 7.0), torch.fill_(t, 7.0)
    assert_close(x, t)
    mat, vec = np.arange(6.0, dtype=np.float32).reshape(3, 2), np.array([1.0, -1.0], dtype=np.float32)
    axonml.addmv_(x, axonml.from_numpy(mat), axonml.from_numpy(vec), alpha=2)
    torch.addmv_(t, torch.from_numpy(mat), torch.from_numpy(vec), alpha=2)
    assert_close(x, t)


COPIES = [("transpose_copy", (0, 1)), ("permute_copy", ((1, 0, 2),)), ("squeeze_copy", ()), ("t_copy", None),
          ("unsqueeze_copy", (1,)), ("view_copy", ((6, 4),)), ("expand_copy", ((2, 3, 1, 4),)),
          ("select_copy", (1, 0)), ("narrow_copy", (2, 1, 2)), ("detach_copy", ()), ("alias_copy", None)]


@pytest.mark.parametrize("name, args", COPIES)
def test_copy_variants_match_torch_and_own_their_memory(name, args):
    shape = (3, 4) if name == "t_copy" else (2, 3, 1, 4) if name == "expand_copy" else (2, 3, 4)
    if name == "squeeze_copy":
        shape = (2, 1, 3, 4)
    values = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    x = axonml.from_numpy(values.copy())
    args = args or ()
    result = getattr(axonml, name)(x, *args)
    assert_close(result, getattr(torch, name)(torch.from_numpy(values.copy()), *args))
    result.add_(1.0)
    assert_close(x, torch.from_numpy(values))  # the input is untouched


def test_slice_copy_and_split_copies_match_torch():
    values = np.arange(24, dtype=np.float32).reshape(4, 6)
    x, t = axonml.from_numpy(values), torch.from_numpy(values)
    assert_close(axonml.slice_copy(x, 1, 1, 5, 2), torch.slice_copy(t, 1, 1, 5, 2))
    for ours, theirs in zip(axonml.split_copy(x, 2, 1), torch.split_copy(t, 2, 1)):
        assert_close(ours, theirs)
    for ours, theirs in zip(axonml.split_with_sizes(x, [1, 3]), torch.split_with_sizes(t, [1, 3])):
        assert_close(ours, theirs)
    for ours, theirs in zip(axonml.unbind_copy(x, 1), torch.unbind_copy(t, 1)):
        assert_close(ours, theirs)


def test_method_aliases():
    a, b = axonml.tensor([6.0, -3.0]), axonml.tensor([4.0, 2.0])
    assert axonml.divide(a, b).tolist() == [1.5, -1.5]
    assert axonml.multiply(a, b).tolist() == [24.0, -6.0]
    assert axonml.subtract(a, b, alpha=2).tolist() == [-2.0, -7.0]
    assert axonml.negative(a).tolist() == [-6.0, 3.0]
    assert axonml.is_floating_point(a) and not axonml.is_floating_point(axonml.tensor([1]))


def test_every_alias_names_a_real_method():
    for name in aliases.__all__:
        assert callable(getattr(axonml, name)), name


@pytest.mark.parametrize("name", ["float16", "float32", "float64"])
def test_finfo_matches_torch(name):
    ours, theirs = axonml.finfo(getattr(axonml, name)), torch.finfo(getattr(torch, name))
    for field in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution"):
        assert getattr(ours, field) == getattr(theirs, field), field
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("name", ["uint8", "int8", "int16", "int32", "int64"])
def test_iinfo_matches_torch(name):
    ours, theirs = axonml.iinfo(getattr(axonml, name)), torch.iinfo(getattr(torch, name))
    assert (ours.bits, ours.max, ours.min) == (theirs.bits, theirs.max, theirs.min)
    assert repr(ours) == repr(theirs)


def test_info_of_the_wrong_kind_raises_as_torch():
    with pytest.raises(TypeError):
        axonml.finfo(axonml.int32)
    with pytest.raises(TypeError):
        axonml.iinfo(axonml.float32)


def test_constants():
    assert (axonml.pi, axonml.e, axonml.inf) == (torch.pi, torch.e, torch.inf)
    assert math.isnan(axonml.nan) and axonml.newaxis is None
