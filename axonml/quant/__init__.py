"""Quantization that llama.cpp reads: GGML block formats, kernels on the blocks, GGUF files, int8 calibration.

- :func:`quantize` / :func:`dequantize`: GGML's Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, F16 and BF16 blocks, byte for
  byte (and decoding of the K-quants Q4_K and Q6_K).
- :class:`QuantizedLinear`, :class:`QuantizedEmbedding`, :func:`quantize_model`: layers that compute on
  the blocks (Cython on the CPU, OpenCL on devices).
- :mod:`axonml.quant.gguf`: read and write GGUF v2/v3 files.
- :mod:`axonml.quant.calibration`: int8 post-training calibration (MinMax, Percentile, MeanStd, Entropy).
"""
from . import calibration, gguf
from .calibration import (EntropyObserver, MeanStdObserver, MinMaxObserver, PercentileObserver, calibrate,
                          dequantize_per_channel, dequantize_per_tensor, quantize_per_channel, quantize_per_tensor)
from .formats import (DEQUANTIZE_TYPES, QUANTIZE_TYPES, GGMLType, block_size, dequantize, quantize, qtype_of,
                      type_size)
from .model import LayerReport, quantization_report, quantize_model
from .modules import QuantizedEmbedding, QuantizedLinear
from .quantized_tensor import QuantizedTensor

__all__ = ["GGMLType", "QUANTIZE_TYPES", "DEQUANTIZE_TYPES", "qtype_of", "block_size", "type_size", "quantize",
           "dequantize", "QuantizedTensor", "QuantizedLinear", "QuantizedEmbedding", "quantize_model",
           "quantization_report", "LayerReport", "gguf", "calibration", "MinMaxObserver", "PercentileObserver",
           "MeanStdObserver", "EntropyObserver", "calibrate", "quantize_per_tensor", "dequantize_per_tensor",
           "quantize_per_channel", "dequantize_per_channel"]
