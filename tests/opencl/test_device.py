"""Device listing, selection and information; moving tensors between the CPU and OpenCL."""
import os
import subprocess
import sys

import numpy as np
import pytest

import axonml
from axonml import opencl

DTYPES = ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"]


def test_device_listing_and_info():
    count = opencl.device_count()
    assert count >= 1
    for i in range(count):
        info = opencl.device_info(i)
        assert info["name"] == opencl.get_device_name(i) and info["name"]
        assert info["global_memory"] > 0 and info["compute_units"] >= 1
        assert isinstance(info["float64"], bool)
        assert {"vendor", "platform", "max_work_group_size"} <= set(info)
    assert opencl.device_info(axonml.device("opencl")) == opencl.device_info("opencl:0")


def test_out_of_range_device_index_is_an_error():
    with pytest.raises(RuntimeError, match="out of range"):
        opencl.device_info(opencl.device_count())
    with pytest.raises(RuntimeError, match="out of range"):
        axonml.zeros(2, device=f"opencl:{opencl.device_count()}")


def _run(code, **env):
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={**os.environ, **env}, timeout=120)
    return result


def test_environment_variable_selects_the_default_device():
    name = opencl.get_device_name(opencl.device_count() - 1)
    code = "from axonml import opencl; print(opencl.get_device_name(0))"
    by_name = _run(code, AXONML_OPENCL_DEVICE=name[:12])
    assert by_name.returncode == 0, by_name.stderr
    assert by_name.stdout.strip() == name
    by_index = _run(code, AXONML_OPENCL_DEVICE=str(opencl.device_count() - 1))
    assert by_index.stdout.strip() == name
    missing = _run("from axonml import opencl; opencl.get_device_name(0)", AXONML_OPENCL_DEVICE="no-such-device-xyz")
    assert missing.returncode != 0 and "matches no OpenCL device" in missing.stderr


@pytest.mark.parametrize("dtype", DTYPES)
def test_round_trip_every_dtype(dtype):
    rng = np.random.default_rng(0)
    host = (rng.standard_normal((3, 5)) * 20).astype(dtype)
    t = axonml.from_numpy(host).to("opencl")
    assert t.device == axonml.device("opencl:0") and t.is_opencl
    assert str(t.dtype) == f"axonml.{dtype}"
    back = t.cpu()
    assert back.device == axonml.device("cpu")
    np.testing.assert_array_equal(back.numpy(), host)
    np.testing.assert_array_equal(axonml.tensor(host, device="opencl").cpu().numpy(), host)


def test_strided_tensor_round_trip_and_opencl_method():
    host = np.arange(24, dtype=np.float32).reshape(4, 6)
    t = axonml.from_numpy(host).opencl()
    view = t.t()[1:5:2]
    assert not view.is_contiguous()
    np.testing.assert_array_equal(view.cpu().numpy(), host.T[1:5:2])
    assert view.stride() == (2, 6)  # the transpose (1, 6), every second row


def test_cross_device_op_is_an_error():
    a = axonml.ones(3)
    b = axonml.ones(3, device="opencl")
    with pytest.raises(RuntimeError, match="same device"):
        a + b


def test_gradient_flows_back_across_devices():
    x = axonml.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x.to("opencl") * 2).sum()
    y.backward()
    assert x.grad.device == axonml.device("cpu")
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0, 2.0])


def test_numpy_of_a_device_tensor_asks_for_cpu_first():
    with pytest.raises(TypeError, match="cpu"):
        axonml.ones(2, device="opencl").numpy()


def test_float16_is_stored_and_cast_but_not_computed():
    host = np.array([[0.5, -2.25, 65504.0]], np.float16)
    t = axonml.from_numpy(host).to("opencl")
    np.testing.assert_array_equal(t.float().cpu().numpy(), host.astype(np.float32))
    np.testing.assert_array_equal(t.float().half().cpu().numpy(), host)
    np.testing.assert_array_equal(t.t().contiguous().cpu().numpy(), host.T)
    with pytest.raises(NotImplementedError, match="float16"):
        t + t
