"""``axonml.utils.tensorboard.SummaryWriter``: torch.utils.tensorboard's writer, writing real TensorBoard event files.

The event files are written by the ``tensorboard`` package's own EventFileWriter and protocol
buffers (the ``tensorboard`` extra), so TensorBoard and anything that reads its files read ours.
"""
from __future__ import annotations

import os
import socket
import time
from datetime import datetime

import numpy as np

__all__ = ["SummaryWriter"]


def _writer_parts():
    try:
        from tensorboard.compat.proto import event_pb2, summary_pb2, tensor_pb2, tensor_shape_pb2
        from tensorboard.summary.writer.event_file_writer import EventFileWriter
    except ImportError:
        raise ImportError("axonml.utils.tensorboard needs the tensorboard package: pip install 'axonml[tensorboard]'") \
            from None
    return event_pb2, summary_pb2, tensor_pb2, tensor_shape_pb2, EventFileWriter


def _scalar(value) -> float:
    if hasattr(value, "item"):
        value = value.item()
    return float(value)


def _array(values) -> np.ndarray:
    if hasattr(values, "detach"):
        values = values.detach()
    if hasattr(values, "numpy"):
        values = values.numpy()
    return np.asarray(values, dtype=np.float64).reshape(-1)


def _tensorflow_buckets() -> list:
    """TensorFlow's default histogram bucket limits (what torch's bins='tensorflow' uses): +-1e-12 * 1.1^k."""
    positive, v = [], 1e-12
    while v < 1e20:
        positive.append(v)
        v *= 1.1
    return [-x for x in reversed(positive)] + [0.0] + positive + [float("inf")]


class SummaryWriter:
    """Write scalars, histograms and text to TensorBoard event files in ``log_dir``.

    Args:
        log_dir: the directory (default: ``runs/<date>_<host><comment>``, as torch's).
        comment: appended to the default log_dir.
        purge_step: accepted for torch's signature; axonml writes a new event file per writer.
        max_queue: events buffered before a write. flush_secs: seconds between flushes.
        filename_suffix: appended to the event file's name.

    Example::

        >>> writer = SummaryWriter("runs/exp")
        >>> for step in range(100):
        ...     writer.add_scalar("loss/train", loss, step)
        >>> writer.close()
    """

    def __init__(self, log_dir: str | None = None, comment: str = "", purge_step: int | None = None,
                 max_queue: int = 10, flush_secs: int = 120, filename_suffix: str = ""):
        if log_dir is None:
            log_dir = os.path.join("runs", datetime.now().strftime("%b%d_%H-%M-%S") + "_" + socket.gethostname()
                                   + comment)
        self.log_dir = os.fspath(log_dir)
        self.purge_step = purge_step
        self._max_queue, self._flush_secs, self._suffix = max_queue, flush_secs, filename_suffix
        self._event_pb2, self._summary_pb2, self._tensor_pb2, self._shape_pb2, writer_class = _writer_parts()
        self._writer = writer_class(self.log_dir, max_queue, flush_secs, filename_suffix)
        self._children: dict[str, "SummaryWriter"] = {}
        self._closed = False

    def get_logdir(self) -> str:
        return self.log_dir

    def _add(self, summary, global_step, walltime) -> None:
        if self._closed:
            raise RuntimeError("SummaryWriter: the writer is closed")
        event = self._event_pb2.Event(summary=summary, wall_time=time.time() if walltime is None else walltime)
        if global_step is not None:
            event.step = int(global_step)
        self._writer.add_event(event)

    def add_scalar(self, tag: str, scalar_value, global_step: int | None = None, walltime: float | None = None,
                   new_style: bool = False, double_precision: bool = False) -> None:
        """One scalar (a number or a 0-d tensor) at a step."""
        value = _scalar(scalar_value)
        summary_pb2 = self._summary_pb2
        if new_style:
            tensor = self._tensor_pb2.TensorProto(dtype="DT_DOUBLE" if double_precision else "DT_FLOAT",
                                                  tensor_shape=self._shape_pb2.TensorShapeProto())
            (tensor.double_val if double_precision else tensor.float_val).append(value)
            metadata = summary_pb2.SummaryMetadata(plugin_data=summary_pb2.SummaryMetadata.PluginData(
                plugin_name="scalars"))
            summary = summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, tensor=tensor, metadata=metadata)])
        else:
            summary = summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, simple_value=value)])
        self._add(summary, global_step, walltime)

    def add_scalars(self, main_tag: str, tag_scalar_dict: dict, global_step: int | None = None,
                    walltime: float | None = None) -> None:
        """Several scalars under one chart: each key is written to its own run, ``log_dir/<main_tag>_<key>``."""
        for key, value in tag_scalar_dict.items():
            run = os.path.join(self.log_dir, f"{main_tag.replace('/', '_')}_{key}")
            child = self._children.get(run)
            if child is None:
                child = self._children[run] = SummaryWriter(run, max_queue=self._max_queue,
                                                           flush_secs=self._flush_secs, filename_suffix=self._suffix)
            child.add_scalar(main_tag, value, global_step, walltime)

    def add_histogram(self, tag: str, values, global_step: int | None = None, bins="tensorflow",
                      walltime: float | None = None, max_bins: int | None = None) -> None:
        """A histogram of values; bins is 'tensorflow' (TensorFlow's default buckets), an int, or any of NumPy's
        bin rules ('auto', 'fd' ...)."""
        data = _array(values)
        if data.size == 0:
            raise ValueError("The histogram is empty, please file a bug report.")
        if not np.isfinite(data).all():
            raise ValueError(f"add_histogram: values for {tag!r} contain NaN or infinity")
        if isinstance(bins, str) and bins == "tensorflow":
            limits = np.array(_tensorflow_buckets())
            counts = np.bincount(np.searchsorted(limits, data, side="left"), minlength=len(limits))[:len(limits)]
            nonzero = np.nonzero(counts)[0]
            first, last = max(nonzero[0] - 1, 0), min(nonzero[-1] + 1, len(limits) - 1)
            limits, counts = limits[first:last + 1], counts[first:last + 1]
        else:
            counts, edges = np.histogram(data, bins=bins if max_bins is None or isinstance(bins, str) else
                                         min(int(bins), max_bins))
            limits = edges[1:]
        summary_pb2 = self._summary_pb2
        histogram = summary_pb2.HistogramProto(min=float(data.min()), max=float(data.max()), num=float(data.size),
                                               sum=float(data.sum()), sum_squares=float(np.dot(data, data)),
                                               bucket_limit=[float(x) for x in limits],
                                               bucket=[float(c) for c in counts])
        self._add(summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, histo=histogram)]), global_step,
                  walltime)

    def add_text(self, tag: str, text_string: str, global_step: int | None = None,
                 walltime: float | None = None) -> None:
        """Text (rendered as Markdown by TensorBoard's text plugin)."""
        summary_pb2 = self._summary_pb2
        tensor = self._tensor_pb2.TensorProto(dtype="DT_STRING", string_val=[str(text_string).encode("utf-8")],
                                              tensor_shape=self._shape_pb2.TensorShapeProto(
                                                  dim=[self._shape_pb2.TensorShapeProto.Dim(size=1)]))
        metadata = summary_pb2.SummaryMetadata(plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="text"))
        self._add(summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=f"{tag}/text_summary", tensor=tensor,
                                                                       metadata=metadata)]),
                  global_step, walltime)

    def flush(self) -> None:
        self._writer.flush()
        for child in self._children.values():
            child.flush()

    def close(self) -> None:
        if self._closed:
            return
        self._writer.close()
        for child in self._children.values():
            child.close()
        self._closed = True

    def __enter__(self) -> "SummaryWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
