"""Writers for small dataset files in the real formats, and a local HTTP server for downloads."""
import functools
import gzip
import http.server
import os
import pickle
import struct
import threading

import numpy as np
import pytest


def write_idx(path, array, compress=False):
    array = np.asarray(array, dtype=np.uint8)
    data = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    data += array.tobytes()
    if compress:
        data = gzip.compress(data)
    with open(path, "wb") as f:
        f.write(data)
    return data


def write_mnist(folder, n_train=12, n_test=5, compress=True, seed=0):
    """Small MNIST-format files; returns {name: (images, labels)}."""
    rng = np.random.default_rng(seed)
    os.makedirs(folder, exist_ok=True)
    result = {}
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, n, dtype=np.uint8)
        suffix = ".gz" if compress else ""
        write_idx(os.path.join(folder, f"{prefix}-images-idx3-ubyte{suffix}"), images, compress)
        write_idx(os.path.join(folder, f"{prefix}-labels-idx1-ubyte{suffix}"), labels, compress)
        result[prefix] = (images, labels)
    return result


def cifar_arrays(n, num_classes, seed):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 3, 32, 32), dtype=np.uint8), rng.integers(0, num_classes, n, dtype=np.uint8)


def write_cifar10_bin(root, per_batch=4, seed=0):
    folder = os.path.join(root, "cifar-10-batches-bin")
    os.makedirs(folder, exist_ok=True)
    written = {}
    for i, name in enumerate([f"data_batch_{k}.bin" for k in range(1, 6)] + ["test_batch.bin"]):
        images, labels = cifar_arrays(per_batch, 10, seed + i)
        records = np.concatenate([labels[:, None], images.reshape(per_batch, -1)], axis=1)
        records.tofile(os.path.join(folder, name))
        written[name] = (images, labels)
    return written


def write_cifar10_py(root, per_batch=4, seed=0, protocol=2):
    folder = os.path.join(root, "cifar-10-batches-py")
    os.makedirs(folder, exist_ok=True)
    written = {}
    for i, name in enumerate([f"data_batch_{k}" for k in range(1, 6)] + ["test_batch"]):
        images, labels = cifar_arrays(per_batch, 10, seed + i)
        entry = {"batch_label": f"batch {i}", "labels": labels.tolist(), "data": images.reshape(per_batch, -1),
                 "filenames": [f"img_{j}.png".encode() for j in range(per_batch)]}
        with open(os.path.join(folder, name), "wb") as f:
            f.write(pickle.dumps(entry, protocol=protocol))   # writing only; the loader never unpickles
        written[name] = (images, labels)
    return written


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def http_server(tmp_path):
    """Serves tmp_path/'served' on 127.0.0.1; yields (folder, base_url)."""
    served = tmp_path / "served"
    served.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield served, f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
