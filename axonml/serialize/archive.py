"""``.axonml`` model archives: one HDF5 file with metadata, the architecture and the weights.

Layout (see docs/serialization.md)::

    /                 attrs: format = "axonml-archive", format_version, axonml_version, created
    /metadata         attrs: json = the user's fields, as JSON
    /config           attrs: json = {"builder": name, "kwargs": {...}}, the architecture
    /weights/<name>   one dataset per state-dict entry (bfloat16 stored as uint16), attrs: dtype
    /weights          attrs: keys = the state dict's key order, as JSON

The architecture is the name of a builder axonml ships (``resnet18``, ``LeNet``, ``MLP`` ...)
and its keyword arguments, so loading rebuilds the model without running anything from the
file. Reading refuses external links, soft links, external storage, virtual datasets and
filters other than HDF5's built-in ones, and checks every dataset's shape and dtype against
the model the config builds before reading its bytes.
"""
from __future__ import annotations

import datetime
import json
import os
from typing import Any

import numpy as np

from .. import _dtype
from .safetensors_io import atomic_write

__all__ = ["save_archive", "load_archive", "read_archive", "architecture_config", "build_from_config",
           "ARCHIVE_FORMAT_VERSION", "BUILDERS"]

ARCHIVE_FORMAT_VERSION = 1
_FORMAT = "axonml-archive"
_SAFE_FILTERS = {1, 2, 3, 32000}   # gzip, shuffle, fletcher32, lzf: built into HDF5/h5py, no plugins loaded
# the builders a config may name: functions and classes of axonml.vision.models
BUILDERS = ("LeNet", "SimpleCNN", "MLP", "lenet", "resnet18", "resnet34", "resnet50", "resnet101", "vgg11",
            "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn", "mobilenet_v2",
            "efficientnet_b0", "vit_b_16", "vit_b_32")
_VGG_BY_CONVS = {8: "vgg11", 10: "vgg13", 13: "vgg16", 16: "vgg19"}


def _h5py():
    try:
        import h5py
    except ImportError:
        raise ImportError(".axonml archives need h5py: pip install 'axonml[serialize]'") from None
    return h5py


# --- the architecture ----------------------------------------------------------------------------------

def architecture_config(model) -> dict:
    """The ``{"builder": ..., "kwargs": ...}`` config that rebuilds model, for the models axonml ships.

    Raises:
        TypeError: the model is not one axonml can describe (pass ``config=`` to save_archive).
    """
    from .. import nn
    from ..vision import models
    name = type(model).__name__
    if isinstance(model, models.LeNet):
        return {"builder": "LeNet", "kwargs": {"in_channels": model.in_channels, "num_classes": model.num_classes,
                                               "input_size": model.input_size}}
    if isinstance(model, models.SimpleCNN):
        convs = [m for m in model.features if isinstance(m, nn.Conv2d)]
        first, last = model.classifier[1], model.classifier[-1]
        size = int(round((first.in_features // convs[-1].out_channels) ** 0.5))
        return {"builder": "SimpleCNN", "kwargs": {
            "in_channels": convs[0].in_channels, "num_classes": last.out_features,
            "input_size": size * 2 ** len(convs), "channels": [c.out_channels for c in convs],
            "hidden": first.out_features, "dropout": model.classifier[3].p}}
    if isinstance(model, models.MLP):
        linears = [m for m in model.layers if isinstance(m, nn.Linear)]
        activations = {type(m).__name__ for m in model.layers
                       if not isinstance(m, (nn.Linear, nn.Flatten, nn.Dropout))}
        dropouts = [m.p for m in model.layers if isinstance(m, nn.Dropout)]
        kwargs = {"in_features": linears[0].in_features, "hidden_sizes": [m.out_features for m in linears[:-1]],
                  "num_classes": linears[-1].out_features, "dropout": dropouts[0] if dropouts else 0.0}
        if activations - {"ReLU"}:
            if len(activations) != 1 or not hasattr(nn, next(iter(activations))):
                raise TypeError(f"cannot describe the activations {sorted(activations)} of this MLP")
            kwargs["activation"] = next(iter(activations))
        return {"builder": "MLP", "kwargs": kwargs}
    if isinstance(model, models.ResNet):
        from ..vision.models.resnet import Bottleneck
        depths = [len(getattr(model, f"layer{i}")) for i in range(1, 5)]
        bottleneck = isinstance(model.layer1[0], Bottleneck)
        table = {(False, (2, 2, 2, 2)): "resnet18", (False, (3, 4, 6, 3)): "resnet34",
                 (True, (3, 4, 6, 3)): "resnet50", (True, (3, 4, 23, 3)): "resnet101"}
        builder = table.get((bottleneck, tuple(depths)))
        if builder is None or model.groups != 1 or model.base_width != 64:
            raise TypeError(f"cannot describe this ResNet (blocks {depths}); pass config= to save_archive")
        return {"builder": builder, "kwargs": {"num_classes": model.fc.out_features}}
    if isinstance(model, models.VGG):
        convs = sum(isinstance(m, nn.Conv2d) for m in model.features)
        batch_norm = any(isinstance(m, nn.BatchNorm2d) for m in model.features)
        if convs not in _VGG_BY_CONVS:
            raise TypeError(f"cannot describe a VGG with {convs} convolutions; pass config= to save_archive")
        linears = [m for m in model.classifier if isinstance(m, nn.Linear)]
        return {"builder": _VGG_BY_CONVS[convs] + ("_bn" if batch_norm else ""),
                "kwargs": {"num_classes": linears[-1].out_features}}
    raise TypeError(f"cannot describe the architecture of a {name}: pass config={{'builder': ..., 'kwargs': ...}} "
                    f"naming one of {', '.join(BUILDERS)}")


def build_from_config(config: Any, source: str = "the config"):
    """Build the (untrained) model a config describes."""
    if not isinstance(config, dict) or set(config) != {"builder", "kwargs"} or \
            not isinstance(config["builder"], str) or not isinstance(config["kwargs"], dict):
        raise ValueError(f"{source}: the architecture config must be {{'builder': name, 'kwargs': {{...}}}}")
    name, kwargs = config["builder"], dict(config["kwargs"])
    if name not in BUILDERS:
        raise ValueError(f"{source}: unknown architecture builder {name[:60]!r}; axonml builds {', '.join(BUILDERS)}")
    from .. import nn
    from ..vision import models
    for key, value in kwargs.items():
        if not isinstance(key, str) or key in ("weights", "progress") or key.startswith("_"):
            raise ValueError(f"{source}: the argument {str(key)[:40]!r} is not allowed in an archive config")
        if not isinstance(value, (int, float, str, bool, list)) and value is not None:
            raise ValueError(f"{source}: the argument {key} has a {type(value).__name__} value")
    if name == "MLP" and "activation" in kwargs:
        activation = kwargs["activation"]
        if not isinstance(activation, str) or not isinstance(getattr(nn, activation, None), type) \
                or not issubclass(getattr(nn, activation), nn.Module):
            raise ValueError(f"{source}: unknown activation {str(activation)[:40]!r}")
        kwargs["activation"] = getattr(nn, activation)
    try:
        return getattr(models, name)(**kwargs)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{source}: {name}({', '.join(map(str, kwargs))}) cannot be built: {error}") from None


# --- writing ----------------------------------------------------------------------------------------------------

def save_archive(model, path: str | os.PathLike, metadata: dict | None = None, *, config: dict | None = None) -> None:
    """Write model as an ``.axonml`` archive (HDF5): metadata, architecture config and weights, atomically.

    Args:
        model (nn.Module): the model; one of the architectures axonml ships unless config is given.
        path (str or os.PathLike): where to write.
        metadata (dict, optional): user fields (anything JSON can hold), kept beside the
            framework version and the creation time.
        config (dict, optional): ``{"builder": name, "kwargs": {...}}`` when it cannot be inferred.

    Example::

        >>> axonml.serialize.save_archive(model, "digits.axonml", metadata={"accuracy": 0.97})
        >>> model = axonml.serialize.load_archive("digits.axonml")
    """
    h5py = _h5py()
    from .. import __version__
    config = architecture_config(model) if config is None else config
    build_from_config(json.loads(json.dumps(config)), "config")  # fails now, not at load time
    try:
        user = json.dumps(metadata if metadata is not None else {})
    except (TypeError, ValueError) as error:
        raise TypeError(f"archive metadata must be JSON-serializable: {error}") from None
    state = model.state_dict()
    with atomic_write(path) as temporary:
        with h5py.File(temporary, "w") as f:
            f.attrs["format"] = _FORMAT
            f.attrs["format_version"] = ARCHIVE_FORMAT_VERSION
            f.attrs["axonml_version"] = __version__
            f.attrs["created"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
            f.create_group("metadata").attrs["json"] = user
            f.create_group("config").attrs["json"] = json.dumps(config)
            weights = f.create_group("weights")
            weights.attrs["keys"] = json.dumps(list(state))
            for name, tensor in state.items():
                array = tensor.detach().cpu().numpy()
                stored = array.view(np.uint16) if tensor.dtype == _dtype.bfloat16 else array
                dataset = weights.create_dataset(name, data=np.array(stored, order="C", copy=None))
                dataset.attrs["dtype"] = tensor.dtype.name


# --- reading -------------------------------------------------------------------------------------------------------

def _check_group(h5py, group, path: str, source: str) -> None:
    """Refuse links, external storage, virtual datasets and plugin filters anywhere under group."""
    for name in group:
        link = group.get(name, getlink=True)
        where = f"{path}/{name}"
        if isinstance(link, h5py.ExternalLink):
            raise ValueError(f"{source}: refusing the external link {where} -> {link.filename}:{link.path}")
        if isinstance(link, h5py.SoftLink):
            raise ValueError(f"{source}: refusing the soft link {where} -> {link.path}")
        item = group[name]
        if isinstance(item, h5py.Group):
            _check_group(h5py, item, where, source)
            continue
        if item.is_virtual:
            raise ValueError(f"{source}: refusing the virtual dataset {where}")
        if item.external:
            raise ValueError(f"{source}: refusing {where}: its data is stored in external files")
        plist = item.id.get_create_plist()
        for index in range(plist.get_nfilters()):
            code = plist.get_filter(index)[0]
            if code not in _SAFE_FILTERS:
                raise ValueError(f"{source}: refusing {where}: it needs HDF5 filter {code}, which is not built in")


def _attr_json(node, key: str, source: str):
    value = node.attrs.get(key)
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        raise ValueError(f"{source}: the {node.name} attribute {key!r} is missing or not a string")
    try:
        return json.loads(value)
    except (json.JSONDecodeError, RecursionError):
        raise ValueError(f"{source}: the {node.name} attribute {key!r} is not valid JSON") from None


def read_archive(path: str | os.PathLike, *, weights: bool = True) -> dict:
    """Check an archive and read it: ``{"metadata", "config", "format_version", "axonml_version", "created",
    "tensors": {name: (dtype name, shape)}, "weights": {name: array}}``.

    With ``weights=True`` (the default) the datasets are checked against the model the config
    builds before any is read; ``weights=False`` reads only the header-level information.
    """
    return _read_archive(path, "arrays" if weights else "info")[0]


def _read_archive(path, mode: str):
    """(the archive's information, the model its config builds, or None without weights)."""
    h5py = _h5py()
    source = f"'{os.fspath(path)}'"
    if not os.path.isfile(path):
        raise FileNotFoundError(f"No such file: {source}")
    try:
        f = h5py.File(path, "r")
    except OSError as error:
        raise ValueError(f"{source} is not a valid .axonml archive (HDF5): {error}") from None
    try:
        with f:
            return _read(h5py, f, source, mode)
    except (OSError, KeyError, TypeError, RuntimeError) as error:
        raise ValueError(f"{source} is not a valid .axonml archive: {error}") from None


def _read(h5py, f, source: str, mode: str):
    """mode "info": the header only; "arrays": and the weights as arrays; "model": read into the built model."""
    if f.attrs.get("format") not in (_FORMAT, _FORMAT.encode()):
        raise ValueError(f"{source} is not an .axonml archive (no format attribute)")
    version = f.attrs.get("format_version")
    if not isinstance(version, (int, np.integer)) or version < 1:
        raise ValueError(f"{source} has a malformed format_version")
    if version > ARCHIVE_FORMAT_VERSION:
        raise ValueError(f"{source} is archive format {int(version)}; this axonml reads {ARCHIVE_FORMAT_VERSION} and "
                         "older: upgrade axonml")
    _check_group(h5py, f, "", source)
    for group in ("metadata", "config", "weights"):
        if not isinstance(f.get(group), h5py.Group):
            raise ValueError(f"{source} has no /{group} group")
    metadata = _attr_json(f["metadata"], "json", source)
    config = _attr_json(f["config"], "json", source)
    keys = _attr_json(f["weights"], "keys", source)
    group = f["weights"]
    if not isinstance(keys, list) or sorted(map(str, keys)) != sorted(group):
        raise ValueError(f"{source}: /weights key order does not match its datasets")
    tensors, arrays = {}, {}
    for name in keys:
        dataset = group[name]
        dtype_name = dataset.attrs.get("dtype")
        if isinstance(dtype_name, bytes):
            dtype_name = dtype_name.decode("utf-8", "replace")
        if dtype_name not in _dtype._BY_NAME or _dtype._BY_NAME[dtype_name].name != dtype_name:
            raise ValueError(f"{source}: /weights/{name} has an unknown dtype {str(dtype_name)[:20]!r}")
        dtype = _dtype._BY_NAME[dtype_name]
        stored = np.dtype(np.uint16) if dtype == _dtype.bfloat16 else dtype.np
        if dataset.dtype != stored:
            raise ValueError(f"{source}: /weights/{name} is stored as {dataset.dtype}, its dtype {dtype_name} "
                             f"needs {stored}")
        tensors[name] = (dtype_name, tuple(int(n) for n in dataset.shape))
    info = {"metadata": metadata, "config": config, "format_version": int(version),
            "axonml_version": str(f.attrs.get("axonml_version", "")), "created": str(f.attrs.get("created", "")),
            "tensors": tensors}
    if mode == "info":
        return info, None
    model = _check_against_config(info, source)
    targets = model.state_dict() if mode == "model" else {}
    for name, (dtype_name, shape) in tensors.items():
        dtype = _dtype._BY_NAME[dtype_name]
        stored = np.uint16 if dtype == _dtype.bfloat16 else dtype.np
        target = targets.get(name)
        array = target.detach().numpy() if target is not None else None
        if array is None or not array.flags.c_contiguous or not array.flags.writeable:
            array = np.empty(shape, dtype=dtype.np)
        if array.size:                      # straight into the model's own memory: one copy, not two
            group[name].read_direct(array.view(stored))
        if target is not None and not np.shares_memory(array, target.detach().numpy()):
            from ..creation import from_numpy
            with _no_grad():
                target.copy_(from_numpy(array))
        arrays[name] = array
    info["weights"] = arrays
    return info, model


def _no_grad():
    from ..autograd import no_grad
    return no_grad()


def _check_against_config(info: dict, source: str):
    """Build the model the config describes and check the archive's datasets against its state dict."""
    model = build_from_config(info["config"], source)
    expected = {name: (t.dtype.name, tuple(t.shape)) for name, t in model.state_dict().items()}
    if expected != info["tensors"]:
        missing = sorted(set(expected) - set(info["tensors"]))
        unexpected = sorted(set(info["tensors"]) - set(expected))
        wrong = sorted(n for n in set(expected) & set(info["tensors"]) if expected[n] != info["tensors"][n])
        detail = "; ".join(f"{what}: {names[:5]}" for what, names in
                           (("missing", missing), ("unexpected", unexpected), ("wrong shape or dtype", wrong)) if names)
        raise ValueError(f"{source}: the weights do not fit the {info['config'].get('builder')} the config builds "
                         f"({detail})")
    return model


def load_archive(path: str | os.PathLike, map_location=None):
    """Rebuild the model an ``.axonml`` archive holds, with its weights.

    The model is built from the archive's config by axonml's own builders; every dataset's
    shape and dtype is checked against that model before its bytes are read.

    Args:
        path (str or os.PathLike): the archive.
        map_location (str or axonml.device, optional): where to put the model. Default: the CPU.

    Returns:
        nn.Module: the model, in eval mode, with ``model.archive_metadata`` holding the metadata.

    Raises:
        ValueError: a corrupt or hostile archive, or weights that do not fit the architecture.
    """
    info, model = _read_archive(path, "model")
    if map_location is not None:
        model.to(map_location)
    model.eval()
    model.archive_metadata = info["metadata"]
    return model
