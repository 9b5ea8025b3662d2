"""Write the hostile corpus in tests/serialize/corpus/: malformed and malicious files for every parser.

    python tests/serialize/make_corpus.py

One directory per parser. A file named ``unsafe-*`` would run code if it were unpickled (each
such pickle, if executed, creates the file ``axonml-corpus-marker`` in the working directory);
the tests assert that loading it raises UnsafeCheckpointError and that the marker never appears.
Every other file must be refused with a ValueError (or its subclass ArchiveError). Running the
script again rewrites the same cases (HDF5 and gzip embed timestamps, so not always the same bytes).
"""
from __future__ import annotations

import io
import json
import os
import pickle
import shutil
import struct
import sys
import tarfile
import zipfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")
MARKER = "axonml-corpus-marker"


def _write(kind: str, name: str, data: bytes) -> None:
    os.makedirs(os.path.join(CORPUS, kind), exist_ok=True)
    with open(os.path.join(CORPUS, kind, name), "wb") as f:
        f.write(data)


# --- safetensors --------------------------------------------------------------------------------------

def _st(header, payload: bytes = b"", length: int | None = None) -> bytes:
    raw = header if isinstance(header, bytes) else json.dumps(header).encode()
    return struct.pack("<Q", len(raw) if length is None else length) + raw + payload


def safetensors_corpus() -> None:
    good = {"w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]}}
    payload = np.arange(4, dtype=np.float32).tobytes()
    valid = _st(good, payload)
    cases = {
        "empty.safetensors": b"",
        "short-prefix.safetensors": b"\x10\x00\x00",
        "truncated-header.safetensors": valid[:20],
        "truncated-data.safetensors": valid[:-3],
        "padded-data.safetensors": valid + b"\x00" * 8,
        "huge-header-length.safetensors": struct.pack("<Q", 2 ** 62) + valid[8:],
        "header-longer-than-file.safetensors": _st(good, payload, length=len(json.dumps(good)) + 100),
        "bad-json.safetensors": _st(b'{"w": {"dtype": "F32", ', payload),
        "not-utf8.safetensors": _st(b'{"\xff\xfe": 1}', payload),
        "json-array.safetensors": _st([1, 2, 3]),
        "duplicate-name.safetensors": _st(b'{"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, '
                                          b'"w": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}}', payload),
        "unknown-dtype.safetensors": _st({"w": {"dtype": "F33", "shape": [4], "data_offsets": [0, 16]}}, payload),
        "dtype-not-a-string.safetensors": _st({"w": {"dtype": 7, "shape": [4], "data_offsets": [0, 16]}}, payload),
        "missing-dtype.safetensors": _st({"w": {"shape": [4], "data_offsets": [0, 16]}}, payload),
        "extra-key.safetensors": _st({"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16], "x": 1}},
                                     payload),
        "negative-shape.safetensors": _st({"w": {"dtype": "F32", "shape": [-4], "data_offsets": [0, 16]}}, payload),
        "float-shape.safetensors": _st({"w": {"dtype": "F32", "shape": [4.0], "data_offsets": [0, 16]}}, payload),
        "too-many-dims.safetensors": _st({"w": {"dtype": "F32", "shape": [1] * 65 + [4], "data_offsets": [0, 16]}},
                                         payload),
        "size-mismatch.safetensors": _st({"w": {"dtype": "F32", "shape": [5], "data_offsets": [0, 16]}}, payload),
        "huge-shape.safetensors": _st({"w": {"dtype": "F32", "shape": [2 ** 40, 2 ** 40], "data_offsets": [0, 16]}},
                                      payload),
        "overlapping-offsets.safetensors": _st({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                                                "b": {"dtype": "F32", "shape": [3], "data_offsets": [4, 16]}},
                                               payload),
        "gap-between-tensors.safetensors": _st({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
                                                "b": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}},
                                               payload),
        "offsets-past-end.safetensors": _st({"w": {"dtype": "F32", "shape": [8], "data_offsets": [0, 32]}}, payload),
        "offsets-reversed.safetensors": _st({"w": {"dtype": "F32", "shape": [0], "data_offsets": [16, 0]}}, payload),
        "huge-offsets.safetensors": _st({"w": {"dtype": "U8", "shape": [16],
                                               "data_offsets": [2 ** 63, 2 ** 63 + 16]}}, payload),
        "metadata-not-strings.safetensors": _st({"__metadata__": {"a": 1}, **good}, payload),
        "metadata-not-object.safetensors": _st({"__metadata__": [1], **good}, payload),
        "deep-json.safetensors": _st(b'{"w": ' + b"[" * 50000 + b"]" * 50000 + b"}", payload),
        # axonml's own metadata, hostile
        "structure-dangling-tensor.safetensors": _st({"__metadata__": {"axonml.structure": '{"__tensor__": "nope"}'},
                                                      **good}, payload),
        "structure-unknown-tag.safetensors": _st({"__metadata__": {"axonml.structure": '{"__import__": "os"}'},
                                                  **good}, payload),
        "structure-view-out-of-bounds.safetensors": _st(
            {"__metadata__": {"axonml.structure": json.dumps(
                {"__tensor__": "s", "requires_grad": False, "view": ["float32", 8, [100], [4]]})},
             "s": {"dtype": "U8", "shape": [16], "data_offsets": [0, 16]}}, payload),
        "structure-view-bad-dtype.safetensors": _st(
            {"__metadata__": {"axonml.structure": json.dumps(
                {"__tensor__": "s", "requires_grad": False, "view": ["object", 0, [1], [8]]})},
             "s": {"dtype": "U8", "shape": [16], "data_offsets": [0, 16]}}, payload),
        "newer-format.safetensors": _st({"__metadata__": {"axonml.format": "999"}, **good}, payload),
        "malformed-format.safetensors": _st({"__metadata__": {"axonml.format": "one"}, **good}, payload),
        "alias-to-missing.safetensors": _st({"__metadata__": {"axonml.aliases": '{"v": "missing"}'}, **good},
                                            payload),
        "key-order-mismatch.safetensors": _st({"__metadata__": {"axonml.keys": '["w", "extra"]'}, **good}, payload),
        "pickle-not-safetensors.safetensors": b"\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00",
    }
    for name, data in cases.items():
        _write("safetensors", name, data)


# --- PyTorch checkpoints ---------------------------------------------------------------------------------------

class _Run:
    """Pickles as a call of function(*args): what a malicious checkpoint does."""

    def __init__(self, function, *args):
        self.function, self.args = function, args

    def __reduce__(self):
        return self.function, self.args


def _marker_payloads():
    import builtins
    import subprocess
    touch = f"open({MARKER!r}, 'w').close()"
    return {
        "os-system": _Run(os.system, f"touch {MARKER}"),
        "builtins-exec": _Run(builtins.exec, touch),
        "builtins-eval": _Run(builtins.eval, touch),
        "subprocess-popen": _Run(subprocess.Popen, ["touch", MARKER]),
        "builtins-open": _Run(builtins.open, MARKER, "w"),
        "shutil-copy": _Run(shutil.copyfile, os.devnull, MARKER),
    }


def _zip_checkpoint(data_pkl: bytes, storages: dict[str, bytes] | None = None, prefix: str = "archive",
                    compress: int = zipfile.ZIP_STORED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compress) as z:
        z.writestr(zipfile.ZipInfo(f"{prefix}/data.pkl", (1980, 1, 1, 0, 0, 0)), data_pkl)
        z.writestr(zipfile.ZipInfo(f"{prefix}/byteorder", (1980, 1, 1, 0, 0, 0)), b"little")
        for key, data in (storages or {}).items():
            info = zipfile.ZipInfo(f"{prefix}/data/{key}", (1980, 1, 1, 0, 0, 0))
            info.compress_type = compress
            z.writestr(info, data)
        z.writestr(zipfile.ZipInfo(f"{prefix}/version", (1980, 1, 1, 0, 0, 0)), b"3\n")
    return buffer.getvalue()


def _tensor_pickle(storage_type=b"FloatStorage", key="0", numel=4, offset=0, size=(4,), stride=(1,),
                   hooks: bytes = b"ccollections\nOrderedDict\n)R") -> bytes:
    """A protocol-2 pickle of {'w': _rebuild_tensor_v2(storage, offset, size, stride, False, hooks)}."""
    def ints(values):
        return b"(" + b"".join(b"J" + struct.pack("<i", v) for v in values) + b"t"
    return (b"\x80\x02}(X\x01\x00\x00\x00wctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storagectorch\n"
            + storage_type + b"\nX" + struct.pack("<I", len(key)) + key.encode() + b"X\x03\x00\x00\x00cpu"
            + b"J" + struct.pack("<i", numel) + b"tQ" + b"J" + struct.pack("<i", offset) + ints(size) + ints(stride)
            + b"\x89" + hooks + b"tRu.")


def _legacy(main: bytes, keys: list, storages: list[tuple[int, bytes]], magic: int = 0x1950A86A20F9469CFC6C,
            protocol: int = 1001) -> bytes:
    out = pickle.dumps(magic, protocol=2) + pickle.dumps(protocol, protocol=2)
    out += pickle.dumps({"protocol_version": 1001, "little_endian": True,
                         "type_sizes": {"short": 2, "int": 4, "long": 4}}, protocol=2)
    out += main + pickle.dumps(keys, protocol=2)
    for numel, data in storages:
        out += struct.pack("<q", numel) + data
    return out


def pytorch_corpus() -> None:
    data = np.arange(4, dtype=np.float32).tobytes()
    # pickles that run code if unpickled: bare, inside a torch zip, inside a legacy file
    for name, payload in _marker_payloads().items():
        bare = pickle.dumps({"state_dict": {"w": payload}}, protocol=2)
        _write("pytorch", f"unsafe-{name}.pkl", bare)
        _write("pytorch", f"unsafe-{name}-zip.pth", _zip_checkpoint(pickle.dumps({"w": payload}, protocol=2)))
        _write("pytorch", f"unsafe-{name}-legacy.pth", _legacy(pickle.dumps({"w": payload}, protocol=2), [], []))
    _write("pytorch", "unsafe-stack-global-protocol4.pth",
           _zip_checkpoint(pickle.dumps(_Run(os.system, f"touch {MARKER}"), protocol=4)))
    _write("pytorch", "unsafe-protocol0.pkl", f"cos\nsystem\n(S'touch {MARKER}'\ntR.".encode())
    _write("pytorch", "unsafe-inst-opcode.pkl", f"(S'touch {MARKER}'\nios\nsystem\n.".encode())
    _write("pytorch", "unsafe-ext-registry.pth", _zip_checkpoint(b"\x80\x02\x82\x01)R."))
    _write("pytorch", "unsafe-backward-hook.pth", _zip_checkpoint(
        _tensor_pickle(hooks=b"ccollections\nOrderedDict\n)R(K\x00cos\nsystem\nu"), {"0": data}))
    _write("pytorch", "unsafe-rebuild-from-type.pth", _zip_checkpoint(
        b"\x80\x02ctorch._tensor\n_rebuild_from_type_v2\n(cos\nsystem\nctorch\nTensor\n)}tR.", {}))
    _write("pytorch", "unsafe-parameter-state.pth", _zip_checkpoint(
        b"\x80\x02ctorch._utils\n_rebuild_parameter_with_state\n(N\x89ccollections\nOrderedDict\n)R}"
        b"(X\x04\x00\x00\x00evilcos\nsystem\nutR.", {}))
    _write("pytorch", "unsafe-whole-module.pth", _zip_checkpoint(
        b"\x80\x02ctorch.nn.modules.linear\nLinear\n)\x81}b.", {}))
    _write("pytorch", "unsafe-legacy-module-id.pth", _legacy(
        b"\x80\x02(X\x06\x00\x00\x00moduleN\x4e\x4etQ.", [], []))
    _write("pytorch", "unsafe-build-on-dict.pth", _zip_checkpoint(b"\x80\x02}}(X\x09\x00\x00\x00__class__Nub."))
    _write("pytorch", "unsafe-numpy-reconstruct.pth", _zip_checkpoint(
        b"\x80\x02cnumpy.core.multiarray\n_reconstruct\n(tR."))
    _write("pytorch", "unsafe-reduce-on-storage-type.pth", _zip_checkpoint(b"\x80\x02ctorch\nFloatStorage\n)R."))
    _write("pytorch", "unsafe-torch-load-itself.pth", _zip_checkpoint(b"\x80\x02ctorch\nload\n(X\x01\x00\x00\x00xtR."))

    # malformed zip checkpoints
    valid = _zip_checkpoint(_tensor_pickle(), {"0": data})
    _write("pytorch", "zip-truncated.pth", valid[: len(valid) // 2])
    _write("pytorch", "zip-truncated-end.pth", valid[:-10])
    _write("pytorch", "zip-no-data-pkl.pth", _zip_checkpoint(b"", {"0": data}).replace(b"data.pkl", b"other.pk"))
    _write("pytorch", "zip-missing-storage.pth", _zip_checkpoint(_tensor_pickle()))
    _write("pytorch", "zip-storage-too-short.pth", _zip_checkpoint(_tensor_pickle(), {"0": data[:8]}))
    _write("pytorch", "zip-storage-numel-huge.pth", _zip_checkpoint(_tensor_pickle(numel=2 ** 31 - 1), {"0": data}))
    _write("pytorch", "zip-view-past-storage.pth", _zip_checkpoint(_tensor_pickle(size=(5,)), {"0": data}))
    _write("pytorch", "zip-offset-past-storage.pth", _zip_checkpoint(_tensor_pickle(offset=3, size=(2,)),
                                                                     {"0": data}))
    _write("pytorch", "zip-stride-past-storage.pth", _zip_checkpoint(_tensor_pickle(size=(2,), stride=(4,)),
                                                                     {"0": data}))
    _write("pytorch", "zip-negative-size.pth", _zip_checkpoint(_tensor_pickle(size=(-4,)), {"0": data}))
    _write("pytorch", "zip-negative-stride.pth", _zip_checkpoint(_tensor_pickle(size=(2,), stride=(-1,)),
                                                                 {"0": data}))
    _write("pytorch", "zip-size-stride-lengths.pth", _zip_checkpoint(_tensor_pickle(size=(2, 2), stride=(1,)),
                                                                     {"0": data}))
    _write("pytorch", "unsafe-unknown-storage-type.pth", _zip_checkpoint(_tensor_pickle(storage_type=b"QuantStorage"),
                                                                      {"0": data}))
    script = io.BytesIO()
    with zipfile.ZipFile(script, "w") as z:
        for name, payload in (("archive/constants.pkl", b"\x80\x02).") , ("archive/code/__torch__.py", b"")):
            z.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), payload)
    _write("pytorch", "zip-torchscript.pth", script.getvalue())
    _write("pytorch", "zip-compressed-bomb.pth", _zip_checkpoint(
        _tensor_pickle(storage_type=b"ByteStorage", numel=200_000_000, size=(16,)),
        {"0": b"\x00" * 200_000_000}, compress=zipfile.ZIP_DEFLATED))
    for name, pkl in {
        "pickle-bad-opcode": b"\x80\x02\xff.",
        "pickle-truncated": _tensor_pickle()[:40],
        "pickle-stack-underflow": b"\x80\x02t.",
        "pickle-memo-get-before-put": b"\x80\x02h\x05.",
        "pickle-unhashable-key": b"\x80\x02}]K\x01s.",
        "pickle-huge-bytes-length": b"\x80\x02\x8e" + struct.pack("<Q", 2 ** 62) + b"abc.",
        "pickle-huge-long": b"\x80\x04\x8b\xff\xff\xff\x7f.",
        "pickle-protocol-9": b"\x80\x09}.",
        "pickle-no-stop": b"\x80\x02}",
        "pickle-two-objects-at-stop": b"\x80\x02}}.",
        "pickle-append-to-dict": b"\x80\x02}K\x01a.",
        "pickle-persid-not-storage": b"\x80\x02X\x01\x00\x00\x00xQ.",
    }.items():
        _write("pytorch", f"zip-{name}.pth", _zip_checkpoint(pkl, {"0": data}))
    # malformed legacy checkpoints
    main = _tensor_pickle(key="1")
    _write("pytorch", "legacy-wrong-magic.pth", _legacy(main, ["1"], [(4, data)], magic=0x1950A86A20F9469CFC6D)[:200])
    _write("pytorch", "legacy-wrong-protocol.pth", _legacy(main, ["1"], [(4, data)], protocol=999))
    _write("pytorch", "legacy-truncated-storage.pth", _legacy(main, ["1"], [(4, data)])[:-5])
    _write("pytorch", "legacy-numel-mismatch.pth", _legacy(main, ["1"], [(3, data)]))
    _write("pytorch", "legacy-keys-mismatch.pth", _legacy(main, ["2"], [(4, data)]))
    _write("pytorch", "legacy-huge-numel.pth", _legacy(_tensor_pickle(key="1", numel=2 ** 31 - 1), ["1"],
                                                        [(4, data)]))
    _write("pytorch", "legacy-no-keys.pth", _legacy(main, ["1"], [(4, data)])[:-(8 + 16 + 10)])


# --- .axonml archives (HDF5) ------------------------------------------------------------------------------------

def archive_corpus() -> None:
    import h5py
    directory = os.path.join(CORPUS, "archive")
    os.makedirs(directory, exist_ok=True)
    config = {"builder": "MLP", "kwargs": {"in_features": 4, "hidden_sizes": [3], "num_classes": 2}}
    shapes = {"layers.1.weight": (3, 4), "layers.1.bias": (3,), "layers.3.weight": (2, 3), "layers.3.bias": (2,)}

    def archive(name: str, *, config=config, shapes=shapes, dtype=np.float32, dtype_attr="float32", keys=None,
                version=1, edit=None, fmt="axonml-archive"):
        path = os.path.join(directory, name)
        with h5py.File(path, "w", track_order=True) as f:
            f.attrs["format"] = fmt
            f.attrs["format_version"] = version
            f.attrs["axonml_version"] = "0.1.0"
            f.attrs["created"] = "2026-01-01T00:00:00+00:00"
            f.create_group("metadata").attrs["json"] = "{}"
            f.create_group("config").attrs["json"] = config if isinstance(config, str) else json.dumps(config)
            weights = f.create_group("weights")
            weights.attrs["keys"] = json.dumps(list(shapes) if keys is None else keys)
            for key, shape in shapes.items():
                weights.create_dataset(key, data=np.zeros(shape, dtype)).attrs["dtype"] = dtype_attr
            if edit is not None:
                edit(f, path)

    def external_link(f, path):
        del f["weights/layers.1.bias"]
        f["weights/layers.1.bias"] = h5py.ExternalLink("/etc/passwd", "/data")

    def soft_link(f, path):
        del f["weights/layers.1.bias"]
        f["weights/layers.1.bias"] = h5py.SoftLink("/weights/layers.3.bias")

    def external_storage(f, path):
        del f["weights/layers.1.bias"]
        f["weights"].create_dataset("layers.1.bias", shape=(3,), dtype=np.float32,
                                    external=[("../../../../etc/passwd", 0, 12)]).attrs["dtype"] = "float32"

    def virtual_dataset(f, path):
        del f["weights/layers.1.bias"]
        layout = h5py.VirtualLayout(shape=(3,), dtype=np.float32)
        layout[:] = h5py.VirtualSource("/etc/passwd", "data", shape=(3,))
        f["weights"].create_virtual_dataset("layers.1.bias", layout).attrs["dtype"] = "float32"

    def missing_group(f, path):
        del f["config"]

    def bad_json(f, path):
        f["metadata"].attrs["json"] = "{not json"

    def external_link_in_metadata(f, path):
        f["metadata"]["link"] = h5py.ExternalLink("other.h5", "/")

    archive("external-link.axonml", edit=external_link)
    archive("soft-link.axonml", edit=soft_link)
    archive("external-storage.axonml", edit=external_storage)
    archive("virtual-dataset.axonml", edit=virtual_dataset)
    archive("external-link-in-metadata.axonml", edit=external_link_in_metadata)
    archive("missing-config.axonml", edit=missing_group)
    archive("bad-metadata-json.axonml", edit=bad_json)
    archive("wrong-shape.axonml", shapes={**shapes, "layers.1.weight": (4, 4)})
    archive("huge-declared-shape.axonml", shapes={**shapes, "layers.1.weight": (3, 5)})
    archive("wrong-dtype.axonml", dtype=np.float64, dtype_attr="float64")
    archive("dtype-attr-lies.axonml", dtype=np.float64, dtype_attr="float32")
    archive("unknown-dtype-attr.axonml", dtype_attr="complex64")
    archive("missing-weight.axonml", shapes={k: v for k, v in shapes.items() if k != "layers.3.bias"})
    archive("extra-weight.axonml", shapes={**shapes, "extra": (1,)})
    archive("keys-mismatch.axonml", keys=["a", "b"])
    archive("unknown-builder.axonml", config={"builder": "os.system", "kwargs": {}})
    archive("builder-forbidden-argument.axonml", config={"builder": "resnet18",
                                                         "kwargs": {"weights": "http://example.invalid/x.pth"}})
    archive("builder-bad-arguments.axonml", config={"builder": "MLP", "kwargs": {"in_features": "many"}})
    archive("config-not-json.axonml", config="{builder")
    archive("config-wrong-shape.axonml", config=["MLP"])
    archive("newer-format.axonml", version=99)
    archive("not-an-archive.axonml", fmt="something-else")
    with open(os.path.join(directory, "wrong-shape.axonml"), "rb") as f:
        whole = f.read()
    _write("archive", "truncated.axonml", whole[: len(whole) // 2])
    _write("archive", "garbage.axonml", b"\x89HDF\r\n\x1a\n" + bytes(range(256)) * 8)
    _write("archive", "empty.axonml", b"")


# --- archives to extract --------------------------------------------------------------------------------------------

def _zip(members: list[tuple[str, bytes]], mode: int | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, data in members:
            info = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
            if mode is not None:
                info.external_attr = mode << 16
            z.writestr(info, data)
    return buffer.getvalue()


def _tar(members: list[tarfile.TarInfo], data: dict[str, bytes] | None = None, mode: str = "w") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode, format=tarfile.GNU_FORMAT) as t:
        for member in members:
            member.mtime = 0
            payload = (data or {}).get(member.name)
            t.addfile(member, io.BytesIO(payload) if payload is not None else None)
    return buffer.getvalue()


def _member(name: str, kind=tarfile.REGTYPE, linkname: str = "", size: int = 0) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.size = kind, linkname, size
    return info


def extract_corpus() -> None:
    _write("extract", "zip-parent-dir.zip", _zip([("../escaped.txt", b"x")]))
    _write("extract", "zip-deep-parent-dir.zip", _zip([("a/b/../../../escaped.txt", b"x")]))
    _write("extract", "zip-absolute.zip", _zip([("/tmp/axonml-escaped.txt", b"x")]))
    _write("extract", "zip-backslash-parent.zip", _zip([("..\\escaped.txt", b"x")]))
    _write("extract", "zip-drive-letter.zip", _zip([("C:/escaped.txt", b"x")]))
    _write("extract", "zip-symlink.zip", _zip([("link", b"/etc/passwd")], mode=0o120777))
    _write("extract", "zip-device.zip", _zip([("dev", b"")], mode=0o020666))
    _write("extract", "zip-truncated.zip", _zip([("a.txt", b"hello" * 100)])[:60])
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        info = zipfile.ZipInfo("zeros.bin", (1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        with z.open(info, "w", force_zip64=True) as out:
            chunk = b"\x00" * (1 << 24)
            for _ in range(65):                           # 1.02 GiB of zeros: just over the default cap
                out.write(chunk)
    _write("extract", "zip-bomb.zip", bomb.getvalue())
    lying = bytearray(_zip([("a.txt", b"tiny")]))
    central = lying.rfind(b"PK\x01\x02")
    lying[central + 24:central + 28] = struct.pack("<I", 0xFFFFFFF0)   # declared uncompressed size in the directory
    _write("extract", "zip-lying-size.zip", bytes(lying))
    _write("extract", "tar-parent-dir.tar", _tar([_member("../escaped.txt", size=1)], {"../escaped.txt": b"x"}))
    _write("extract", "tar-absolute.tar", _tar([_member("/tmp/axonml-escaped.txt", size=1)],
                                               {"/tmp/axonml-escaped.txt": b"x"}))
    _write("extract", "tar-symlink-absolute.tar", _tar([_member("link", tarfile.SYMTYPE, "/etc")]))
    _write("extract", "tar-symlink-parent.tar", _tar([_member("link", tarfile.SYMTYPE, "../../..")]))
    _write("extract", "tar-symlink-then-write.tar", _tar([_member("link", tarfile.SYMTYPE, "/tmp"),
                                                          _member("link/axonml-escaped.txt", size=1)],
                                                         {"link/axonml-escaped.txt": b"x"}))
    _write("extract", "tar-symlink-chain.tar", _tar([_member("d/e", tarfile.DIRTYPE),
                                                     _member("d/e/up", tarfile.SYMTYPE, "../.."),
                                                     _member("out", tarfile.SYMTYPE, "d/e/up/..")]))
    _write("extract", "tar-hardlink-absolute.tar", _tar([_member("hard", tarfile.LNKTYPE, "/etc/passwd")]))
    _write("extract", "tar-hardlink-parent.tar", _tar([_member("hard", tarfile.LNKTYPE, "../outside.txt")]))
    _write("extract", "tar-hardlink-forward.tar", _tar([_member("hard", tarfile.LNKTYPE, "later.txt"),
                                                        _member("later.txt", size=1)], {"later.txt": b"x"}))
    _write("extract", "tar-char-device.tar", _tar([_member("null", tarfile.CHRTYPE)]))
    _write("extract", "tar-block-device.tar", _tar([_member("disk", tarfile.BLKTYPE)]))
    _write("extract", "tar-fifo.tar", _tar([_member("pipe", tarfile.FIFOTYPE)]))
    header = _member("huge.bin", size=1 << 40).tobuf(tarfile.GNU_FORMAT)
    _write("extract", "tar-huge-declared-size.tar", header + b"\x00" * 1024)
    gz_bomb = io.BytesIO()
    with tarfile.open(fileobj=gz_bomb, mode="w:gz", format=tarfile.GNU_FORMAT) as t:
        info = _member("zeros.bin", size=(1 << 30) + (1 << 24))

        class _Zeros(io.RawIOBase):
            def __init__(self, size):
                self.left = size

            def readable(self):
                return True

            def readinto(self, buffer):
                n = min(len(buffer), self.left)
                buffer[:n] = b"\x00" * n
                self.left -= n
                return n

        info.mtime = 0
        t.addfile(info, io.BufferedReader(_Zeros(info.size)))
    _write("extract", "tar-gz-bomb.tar.gz", gz_bomb.getvalue())
    good = _tar([_member("a.txt", size=5)], {"a.txt": b"hello"}, mode="w:gz")
    _write("extract", "tar-gz-truncated.tar.gz", good[:30])
    _write("extract", "tar-gz-corrupt.tar.gz", good[:12] + bytes(b ^ 0x5A for b in good[12:40]) + good[40:])
    _write("extract", "not-an-archive.zip", b"this is not a zip file at all")


def main() -> None:
    if os.path.isdir(CORPUS):
        shutil.rmtree(CORPUS)
    safetensors_corpus()
    pytorch_corpus()
    archive_corpus()
    extract_corpus()
    counts = {kind: len(os.listdir(os.path.join(CORPUS, kind))) for kind in sorted(os.listdir(CORPUS))}
    print(f"wrote {sum(counts.values())} files to {os.path.relpath(CORPUS)}: {counts}", file=sys.stderr)


if __name__ == "__main__":
    main()
