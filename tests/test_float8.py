"""The float8 storage dtypes against PyTorch: casts bit for bit, creation, views, printing, promotion,
the ops PyTorch has for them (and the error for the others), finfo and safetensors files."""
import ml_dtypes
import numpy as np
import pytest
import safetensors.torch
import torch

import axonml

NAMES = ["float8_e4m3fn", "float8_e4m3fnuz", "float8_e5m2", "float8_e5m2fnuz", "float8_e8m0fnu"]
_EDGES = np.array([0.0, -0.0, 1.0, -1.0, 0.1, 1.5, 3.0, -3.0, 240.0, 248.0, 448.0, 464.0, 465.0, 480.0, 57344.0,
                   61440.0, 65536.0, 1e9, -1e9, 2.0 ** -127, 2.0 ** -128, 1e-45, 2.0 ** 127 * 1.5, np.inf, -np.inf,
                   np.nan], np.float32)


def _bits(t):
    return t.view(torch.uint8).numpy() if isinstance(t, torch.Tensor) else t.view(axonml.uint8).numpy()


def _sample() -> np.ndarray:
    """Float32 values from every part of the range: random bit patterns, normals at several scales, edges."""
    rng = np.random.default_rng(0)
    patterns = rng.integers(0, 2 ** 32, size=200_000, dtype=np.uint64).astype(np.uint32).view(np.float32)
    scaled = (rng.standard_normal(20_000) * rng.choice([1e-3, 1.0, 30.0, 300.0, 3e4], 20_000)).astype(np.float32)
    return np.concatenate([patterns, scaled, _EDGES])


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("source", ["float32", "float64", "float16", "bfloat16", "int32", "int64", "uint8", "bool"])
def test_casts_into_float8_round_and_saturate_as_torch(name, source):
    values = torch.from_numpy(_sample())
    if source != "float32":
        values = values.clamp(-7e4, 7e4).to(getattr(torch, source))
    x = axonml.from_numpy(values.view(torch.int16).numpy().view(ml_dtypes.bfloat16) if source == "bfloat16"
                          else values.numpy())
    got = x.to(getattr(axonml, name))
    assert got.dtype == getattr(axonml, name)
    np.testing.assert_array_equal(_bits(got), _bits(values.to(getattr(torch, name))))


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("target", ["float32", "float64", "float16", "bfloat16", "int32", "bool"])
def test_casts_out_of_float8_match_torch(name, target):
    every = torch.arange(256, dtype=torch.uint8).view(getattr(torch, name))
    if target == "int32":  # NaN, infinities and values beyond int32 have no int32 value: undefined in C
        every = every[every.float().abs() < 2.0 ** 31]
    x = axonml.from_numpy(every.view(torch.uint8).numpy().copy()).view(getattr(axonml, name))
    got, expected = x.to(getattr(axonml, target)), every.to(getattr(torch, target))
    np.testing.assert_array_equal(got.float().numpy(), expected.float().numpy())


@pytest.mark.parametrize("name", NAMES)
def test_creation_rounds_as_torch(name):
    a, t = getattr(axonml, name), getattr(torch, name)
    values = [0.3, -200.0, 2.5, 1e-3, 7.0, 0.0]
    if name in ("float8_e4m3fn", "float8_e5m2", "float8_e8m0fnu"):
        # PyTorch saturates e4m3fn, goes to infinity in e5m2, keeps the exponent in e8m0 (torch.tensor
        # refuses these values for the fnuz types: "cannot be converted ... without overflow")
        values += [-1000.0, 1e9, float("inf")]
    np.testing.assert_array_equal(_bits(axonml.tensor(values, dtype=a)), _bits(torch.tensor(values, dtype=t)))
    np.testing.assert_array_equal(_bits(axonml.full((3,), 100.0, dtype=a)), _bits(torch.full((3,), 100.0, dtype=t)))
    for make in ("zeros", "ones"):
        np.testing.assert_array_equal(_bits(getattr(axonml, make)(2, 3, dtype=a)),
                                      _bits(getattr(torch, make)(2, 3, dtype=t)))


@pytest.mark.parametrize("name", NAMES)
def test_views_and_printing_match_torch(name):
    values = [1.5, -300.0, 0.01, 2.0, 1e-3, 448.0]
    t = torch.tensor(values).reshape(2, 3).to(getattr(torch, name))
    x = axonml.tensor(values).reshape(2, 3).to(getattr(axonml, name))
    assert repr(x) == repr(t).replace("torch.", "axonml.")
    assert x.view(axonml.int8).tolist() == t.view(torch.int8).tolist()
    back = axonml.tensor(t.view(torch.uint8).tolist(), dtype=axonml.uint8).view(getattr(axonml, name))
    np.testing.assert_array_equal(_bits(back), _bits(t))
    np.testing.assert_array_equal(x[:, :2].contiguous().view(axonml.float16).numpy(),
                                  t[:, :2].contiguous().view(torch.float16).numpy())
    assert x.is_floating_point() and x.dtype.is_floating_point and x.element_size() == 1
    assert x.dtype.is_signed == t.dtype.is_signed
    assert x.type() == t.type().replace("torch.", "axonml.")


@pytest.mark.parametrize("name", NAMES)
def test_promotion_with_any_other_type_is_refused_as_torch_refuses_it(name):
    for other in ["float32", "float16", "bfloat16", "int8", "bool", "float8_e5m2", "float8_e4m3fn"]:
        if other == name:
            continue
        with pytest.raises(RuntimeError) as expected:
            torch.promote_types(getattr(torch, name), getattr(torch, other))
        with pytest.raises(RuntimeError) as got:
            axonml.promote_types(getattr(axonml, name), getattr(axonml, other))
        assert str(got.value) == str(expected.value)
    assert axonml.promote_types(getattr(axonml, name), getattr(axonml, name)) is getattr(axonml, name)
    x, t = axonml.ones(2, dtype=getattr(axonml, name)), torch.ones(2, dtype=getattr(torch, name))
    for scalar in (1, 1.5, True):
        assert axonml.result_type(x, scalar).name == str(torch.result_type(t, scalar)).removeprefix("torch.")
    with pytest.raises(RuntimeError, match="Promotion for Float8 Types is not supported"):
        x.to(getattr(axonml, name)) + axonml.ones(2)


_SUPPORTED = {
    "cat": lambda m, x, y: m.cat([x, y]), "stack": lambda m, x, y: m.stack([x, y]),
    "where": lambda m, x, y: m.where(x == y, x, y), "eq": lambda m, x, y: x == y, "ne": lambda m, x, y: x != y,
    "isnan": lambda m, x, y: x.isnan(), "index": lambda m, x, y: x[m.tensor([2, 0])],
    "clone": lambda m, x, y: x.clone(), "transpose": lambda m, x, y: x.reshape(2, 2).t().contiguous(),
    "roll": lambda m, x, y: x.roll(1), "repeat": lambda m, x, y: x.repeat(2),
    "index_select": lambda m, x, y: x.index_select(0, m.tensor([3, 1])), "fill_": lambda m, x, y: x.clone().fill_(2),
    "zero_": lambda m, x, y: x.clone().zero_(), "copy_": lambda m, x, y: m.empty(4, dtype=x.dtype).copy_(y),
    "slice": lambda m, x, y: x[1:3], "expand": lambda m, x, y: x[:1].expand(3),
}


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("op", list(_SUPPORTED))
def test_the_ops_torch_has_for_float8_work(name, op):
    values, others = [1.0, 2.0, -3.0, 0.5], [1.0, 4.0, 2.0, 0.5]
    t = [torch.tensor(v).to(getattr(torch, name)) for v in (values, others)]
    x = [axonml.tensor(v).to(getattr(axonml, name)) for v in (values, others)]
    expected, got = _SUPPORTED[op](torch, *t), _SUPPORTED[op](axonml, *x)
    assert str(got.dtype).removeprefix("axonml.") == str(expected.dtype).removeprefix("torch.")
    if expected.dtype == torch.bool:
        assert got.tolist() == expected.tolist()
    else:
        np.testing.assert_array_equal(_bits(got), _bits(expected))


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("op", ["add", "sub", "div", "neg", "lt", "sum", "max", "sqrt", "sort", "topk"])
def test_arithmetic_is_refused_as_torch_refuses_it(name, op):
    calls = {"add": lambda x: x + x, "sub": lambda x: x - x, "div": lambda x: x / x, "neg": lambda x: -x,
             "lt": lambda x: x < x, "sum": lambda x: x.sum(), "max": lambda x: x.max(), "sqrt": lambda x: x.sqrt(),
             "sort": lambda x: x.sort(), "topk": lambda x: x.topk(1)}
    with pytest.raises(NotImplementedError):
        calls[op](torch.ones(3, dtype=getattr(torch, name)))
    with pytest.raises(NotImplementedError, match=f"not implemented for '{getattr(axonml, name).scalar_name}'"):
        calls[op](axonml.ones(3, dtype=getattr(axonml, name)))


@pytest.mark.parametrize("name", NAMES)
def test_finfo_matches_torch(name):
    got, expected = axonml.finfo(getattr(axonml, name)), torch.finfo(getattr(torch, name))
    for field in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution"):
        assert getattr(got, field) == getattr(expected, field), field


@pytest.mark.parametrize("name", ["float8_e4m3fn", "float8_e5m2", "float8_e8m0fnu"])
def test_safetensors_files_round_trip_with_torch(name, tmp_path):
    values = torch.from_numpy(_sample()[:1000])
    expected = values.to(getattr(torch, name))
    axonml.save({"w": axonml.from_numpy(values.numpy()).to(getattr(axonml, name))}, tmp_path / "a.safetensors")
    np.testing.assert_array_equal(_bits(safetensors.torch.load_file(tmp_path / "a.safetensors")["w"]),
                                  _bits(expected))
    safetensors.torch.save_file({"w": expected}, tmp_path / "t.safetensors")
    loaded = axonml.load(tmp_path / "t.safetensors")["w"]
    assert loaded.dtype == getattr(axonml, name)
    np.testing.assert_array_equal(_bits(loaded), _bits(expected))


@pytest.mark.parametrize("name", ["float8_e4m3fnuz", "float8_e5m2fnuz"])
def test_safetensors_has_no_fnuz_dtype(name, tmp_path):
    with pytest.raises(ValueError, match=f"safetensors has no dtype for {name}"):
        axonml.save({"w": axonml.ones(2, dtype=getattr(axonml, name))}, tmp_path / "a.safetensors")
    assert not (tmp_path / "a.safetensors").exists()
