"""Which public PyTorch names axonml has, per namespace: writes docs/api-coverage.md.

    python -m tests.api_coverage            # write docs/api-coverage.md
    python -m tests.api_coverage --check    # exit 1 if the committed page is out of date

torch is a test dependency, so this lives with the tests. A name counts as present when the
matching axonml object has an attribute of that name. Names outside axonml's scope are
excluded by the rules in EXCLUSIONS, each with its reason; everything else is in scope and
listed as present or missing.
"""
from __future__ import annotations

import argparse
import importlib
import inspect
import os
import re
import sys
import types

import torch

import axonml

# (namespace label, torch object, axonml module path or attribute chain, target or None)
NAMESPACES = [
    ("torch", "torch", "axonml", 0.9),
    ("Tensor", "torch.Tensor", "axonml.Tensor", 0.9),
    ("nn", "torch.nn", "axonml.nn", 0.9),
    ("nn.functional", "torch.nn.functional", "axonml.nn.functional", 0.9),
    ("linalg", "torch.linalg", "axonml.linalg", 0.9),
    ("optim", "torch.optim", "axonml.optim", 0.9),
    ("optim.lr_scheduler", "torch.optim.lr_scheduler", "axonml.optim.lr_scheduler", None),
    ("autograd", "torch.autograd", "axonml.autograd", None),
    ("autograd.functional", "torch.autograd.functional", "axonml.autograd.functional", None),
    ("utils.data", "torch.utils.data", "axonml.utils.data", None),
    ("fft", "torch.fft", "axonml.fft", None),
    ("special", "torch.special", "axonml.special", None),
    ("distributions", "torch.distributions", "axonml.distributions", None),
]

# (reason, regular expression over the name, namespaces it applies to or None for all)
EXCLUSIONS = [
    ("CUDA, cuDNN, MIOpen, MKL-DNN, FBGEMM, XPU, MPS, Vulkan, IPU, XLA and MTIA specifics: axonml's "
     "accelerator path is OpenCL",
     r"cuda|cudnn|miopen|mkldnn|fbgemm|xpu|mps|vulkan|ipu|xla|mtia|nnpack|pin_memory|is_pinned|cudagraph", None),
    ("torch's quantized tensors (qint8 storage, observers, fake quantization): axonml's quantization is "
     "the GGML block formats of axonml.quant",
     r"quantiz|qint|quint|^q_|int_repr|fake_quant|per_channel|per_tensor|qscheme|choose_qparams", None),
    ("sparse, nested and jagged layouts: axonml tensors are dense and strided",
     r"sparse|spmm|^smm$|^hsmm$|^dsmm$|^saddmm$|sspaddmm|hspmm|crow_|ccol_|col_indices|row_indices|"
     r"^indices|^values_copy|^values$|jagged|nested|_bsr|_bsc|_csr|_csc|coo|coalesce|^to_dense$|"
     r"^dense_dim$|^sparse_dim$|^layout$|^strided$|^ccol_indices$", None),
    ("complex32 (chalf) and the lazy conjugate and negative bits: axonml's conj() is a copy",
     r"chalf|resolve_conj|resolve_neg|^is_conj$|^is_neg$|_conj$|^conj_physical_$", None),
    ("TorchScript, FX, torch.compile, export and dispatcher internals",
     r"^compile$|^fork$|^wait$|^parse_|import_ir_module|merge_type_from_type_comment|unify_type_list|^sym_|"
     r"^cond$|^while_loop$|^vmap$|classproperty|PRIVATE_OPS|TYPE_CHECKING|USE_GLOBAL_DEPS|"
     r"USE_RTLD_GLOBAL|compiled_with_cxx11_abi|^has_(lapack|mkl|openmp|spectral)$|^get_file_path$|"
     r"prepare_multiprocessing_environment|^typename$|^AVG$|^SUM$|^Script|^Type$|Type$|^Graph|^Node$|"
     r"^Value$|^Block$|^Use$|^Code$|^Argument|^AliasDb$|^CallStack$|^Capsule$|^CompilationUnit$|"
     r"ConcreteModuleType|DeepCopyMemoTable|Dispatch|^ErrorReport$|^ExecutionPlan$|^FileCheck$|"
     r"^FunctionSchema$|^Future$|^Gradient$|GraphExecutorState|^IODescriptor$|^InferredType$|"
     r"^JITException$|Logger|^OperatorInfo$|PyTorchFile|^StaticModule$|^Tag$|^TracingState$|"
     r"^LiteScriptModule$|^BenchmarkConfig$|^BenchmarkExecutionStats$|^ThroughputBenchmark$|"
     r"^AggregationType$|^SymBool$|^SymFloat$|^SymInt$|^DisableTorchFunction|^BufferDict$|"
     r"StorageContext|^ExcludeDispatchKeyGuard$|torch_function|^is_tensor_like$|^overload$|"
     r"^NestedIOFunction$|^enforce_grad_layout_policy$|^is_view_replay_enabled$|^slice_inverse$|"
     r"^nonzero_static$|^hash_tensor$|^segment_reduce$|^thread_safe_generator$|^AcceleratorError$|"
     r"^FatalError$|^Event$|^Stream$|^get_device_module$|^get_device$|^wait_stream$|^record_stream$|"
     r"^untyped_storage$|^storage$|^storage_type$|^data_ptr$|^is_shared$|^share_memory_$|^is_meta$|^module_load$|"
     r"^is_storage$|^set_$|^dim_order$", None),
    ("autocast / mixed-precision scaling (AMP), a CUDA-first feature",
     r"autocast|GradScaler", None),
    ("torch's limited-support dtypes that ONNX has no element type for (1, 3, 5, 6 and 7-bit integers, "
     "packed float4, bit types): not in the roadmap",
     r"^float4_e2m1fn_x2$|^int[13567]$|^uint[13567]$|^bits|^bit$", None),
    ("legacy typed-tensor and storage classes, superseded by dtype arguments",
     r"^(BFloat16|Bool|Byte|Char|Double|Float|Half|Int|Long|Short)(Tensor|Storage)$|Storage$|"
     r"^set_default_tensor_type$", None),
    ("removed from PyTorch: calling them raises, pointing at torch.linalg",
     r"^(eig|symeig|lstsq|solve|matrix_rank)$", ("torch", "Tensor")),
    ("documentation strings", r"^common_notes$", ("linalg",)),
    ("memory formats (channels-last layouts): axonml's kernels read row-major strided tensors",
     r"^(contiguous_format|channels_last|channels_last_3d|preserve_format|legacy_contiguous_format|"
     r"memory_format)$", ("torch",)),
    ("TorchScript's containers and storage internals", r"^(ModuleDict|ParameterDict|CompleteArgumentSpec|StorageBase)$",
     ("torch",)),
    ("named tensors, a prototype feature", r"^names$|^rename_?$|^refine_names$|^align_as$|^align_to$|"
     r"^has_names$", None),
    ("batch-norm kernels for SyncBatchNorm and native_* entry points: internal ops behind nn.functional",
     r"^batch_norm_|^native_|^cudnn_", ("torch",)),
    ("the profiler's event types, which belong to axonml.profiler", r"^Profiler|^DeviceType$|^kineto_available$",
     ("autograd",)),
    ("distributed and data-parallel wrappers, which come with the distributed issue",
     r"^DataParallel$|^SyncBatchNorm$|^parallel_apply$|^replicate$|^scatter$|^gather$", ("nn",)),
    ("torchdata's DataPipes, deprecated in PyTorch", r"DataPipe|^DataChunk$|^functional_datapipe$|"
     r"^argument_validation$|^guaranteed_datapipes_determinism$|^non_deterministic$|^runtime_validation|"
     r"^graph_settings$|^graph$", ("utils.data",)),
    ("documentation strings and constants kept in the module", r"_notes$|^GRID_SAMPLE_", ("nn.functional",)),
    ("SparseAdam needs sparse gradients", r"^SparseAdam$", ("optim",)),
    ("Python's typing and standard-library names re-exported by torch modules",
     r"^(Any|Callable|Dict|Iterable|Iterator|List|Mapping|Optional|Sequence|Tuple|TypeVar|Union|cast|"
     r"overload|Generic|TypeAlias|deprecated|Enum|Number|ABC|abstractmethod|Protocol|TYPE_CHECKING|"
     r"Literal|Self|ParamSpec|Concatenate|SupportsIndex|Final|ClassVar|NamedTuple|partial|reduce|wraps|"
     r"chain|defaultdict|warn|lru_cache|contextmanager|dataclass|field|annotations|namedtuple|"
     r"OrderedDict|Counter|inf|nan|e|pi|newaxis|boolean_dispatch|handle_torch_function|"
     r"has_torch_function(_unary|_variadic)?|BroadcastingList[123]|Tensor|DType|"
     r"ParamsT|StateDict|Kwargs|Args|T|T_co|K|V|S|Module|Parameter|SupportsFloat|TypedDict|override|ref|"
     r"EPOCH_DEPRECATION_WARNING)$",
     ("nn.functional", "optim", "optim.lr_scheduler", "utils.data", "autograd", "autograd.functional",
      "distributions", "linalg", "fft", "special")),
]


def _resolve(path: str):
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr, None)
            if obj is None:
                return None
        return obj
    return None


def _public_names(obj) -> list:
    names = []
    for name in dir(obj):
        if name.startswith("_"):
            continue
        try:
            value = getattr(obj, name)
        except Exception:
            continue
        if isinstance(value, types.ModuleType):
            continue  # submodules are namespaces of their own
        names.append(name)
    return sorted(names)


def _exclusion(name: str, label: str):
    for reason, pattern, namespaces in EXCLUSIONS:
        if namespaces is not None and label not in namespaces:
            continue
        if re.search(pattern, name):
            return reason
    return None


def survey() -> list:
    """One dict per namespace: label, target, present, missing and excluded ({reason: [names]})."""
    results = []
    for label, torch_path, axonml_path, target in NAMESPACES:
        torch_obj = _resolve(torch_path)
        axonml_obj = _resolve(axonml_path)
        present, missing, excluded = [], [], {}
        for name in _public_names(torch_obj):
            reason = _exclusion(name, label)
            if reason is not None:
                excluded.setdefault(reason, []).append(name)
            elif axonml_obj is not None and hasattr(axonml_obj, name):
                present.append(name)
            else:
                missing.append(name)
        results.append(dict(label=label, target=target, present=present, missing=missing, excluded=excluded,
                            exists=axonml_obj is not None))
    return results


def _percent(result) -> float:
    total = len(result["present"]) + len(result["missing"])
    return 100.0 * len(result["present"]) / total if total else 100.0


def render(results) -> str:
    lines = ["# PyTorch API coverage", "",
             f"Generated by `python -m tests.api_coverage` against torch {torch.__version__.split('+')[0]}; "
             "CI checks that this page is up to date.",
             "A name counts as present when the matching axonml namespace has it; names outside axonml's "
             "scope are excluded by the rules listed at the end, each with its reason.", "",
             "| namespace | present | in scope | coverage | target |", "|---|---:|---:|---:|---:|"]
    for r in results:
        in_scope = len(r["present"]) + len(r["missing"])
        target = f"{r['target']:.0%}" if r["target"] else "—"
        lines.append(f"| {r['label']} | {len(r['present'])} | {in_scope} | {_percent(r):.1f}% | {target} |")
    lines.append("")
    for r in results:
        lines += [f"## {r['label']}", ""]
        if not r["exists"]:
            lines += ["axonml has no such namespace yet.", ""]
        if r["missing"]:
            lines += [f"Missing ({len(r['missing'])}): " + ", ".join(f"`{n}`" for n in r["missing"]), ""]
        else:
            lines += ["Nothing in scope is missing.", ""]
        for reason, names in r["excluded"].items():
            lines += [f"Excluded, {reason} ({len(names)}): " + ", ".join(f"`{n}`" for n in names), ""]
    lines += ["## Exclusion rules", ""]
    for reason, pattern, namespaces in EXCLUSIONS:
        where = ", ".join(namespaces) if namespaces else "every namespace"
        lines.append(f"- {reason} ({where}).")
    return "\n".join(lines) + "\n"


DEFAULT_OUTPUT = os.path.join(os.path.dirname(__file__), "..", "docs", "api-coverage.md")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.api_coverage", description=__doc__.splitlines()[0])
    parser.add_argument("--output", default=DEFAULT_OUTPUT, help="where to write the page")
    parser.add_argument("--check", action="store_true", help="exit 1 if the page at --output is out of date")
    args = parser.parse_args(argv)
    page = render(survey())
    if args.check:
        with open(args.output, encoding="utf-8") as f:
            if f.read() != page:
                print(f"{args.output} is out of date: run python -m tests.api_coverage", file=sys.stderr)
                return 1
        return 0
    with open(args.output, "w", encoding="utf-8") as f:
        f.write(page)
    for r in survey():
        print(f"{r['label']:20s} {len(r['present']):4d} / {len(r['present']) + len(r['missing']):4d}  "
              f"{_percent(r):5.1f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
