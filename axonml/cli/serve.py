"""`axonml serve MODEL_PATH`: serve a saved model over HTTP (see docs/serving.md).

The server itself is :mod:`axonml.serve` (starlette under uvicorn, the ``serve`` extra); this
module checks the flags and the file before any of that is imported.
"""
from __future__ import annotations

import argparse
import json
import os

from ._common import positive_int as _positive_int
from .errors import CommandError

__all__ = ["register", "run"]


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 0 to 65535, got {value}")
    return value


def _milliseconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected milliseconds, got {text!r}") from None
    if not 0 <= value <= 10_000:
        raise argparse.ArgumentTypeError(f"expected 0 to 10000 milliseconds, got {value}")
    return value


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "serve", help="serve a saved model over HTTP",
        description="Serve a saved model (.axonml archive, checkpoint with --config, or ONNX file) over HTTP: "
                    "POST /predict and /batch, GET /health/live, /health/ready, /info and /metrics. "
                    "Requests that arrive together run through the model as one batch.",
        epilog="examples:\n  axonml serve digits.axonml\n"
               "  axonml serve model.onnx --port 9000 --max-batch-size 64 --api-key SECRET\n"
               "  axonml serve weights.safetensors --config '{\"builder\": \"LeNet\", \"kwargs\": {}}'\n"
               "  curl -s localhost:8080/predict -H 'Content-Type: application/json' -d '{\"inputs\": [[...]]}'",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model_path", metavar="MODEL_PATH", help="the model file")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, this machine only)")
    parser.add_argument("--port", type=_port, default=8080, help="port to bind (default: 8080)")
    parser.add_argument("--workers", type=_positive_int, default=1,
                        help="server processes, each loading the model (default: 1)")
    parser.add_argument("--device", default="cpu", choices=["cpu", "opencl"], help="device to run on (default: cpu)")
    parser.add_argument("--config", metavar="JSON",
                        help="the architecture of a checkpoint that holds only weights: "
                             "'{\"builder\": name, \"kwargs\": {...}}'")
    parser.add_argument("--max-batch-size", type=_positive_int, default=32,
                        help="most samples run through the model at once (default: 32)")
    parser.add_argument("--batch-timeout-ms", type=_milliseconds, default=5.0,
                        help="how long a request waits for others to batch with (default: 5)")
    parser.add_argument("--max-queue", type=_positive_int, default=256,
                        help="most requests waiting; more are answered 503 (default: 256)")
    parser.add_argument("--max-body-bytes", type=_positive_int, default=10 * 1024 * 1024,
                        help="largest request body; larger ones are answered 413 (default: 10485760)")
    parser.add_argument("--api-key", metavar="KEY",
                        help="require this key (Authorization: Bearer KEY or X-API-Key: KEY); "
                             "default: $AXONML_API_KEY, else no key")
    parser.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"],
                        help="server log level (default: info)")
    parser.set_defaults(handler=run)


def run(args) -> int:
    from ..serve.model import LOADERS
    if not os.path.isfile(args.model_path):
        raise CommandError(f"no such model file: {args.model_path}")
    suffix = os.path.splitext(args.model_path)[1].lower()
    if suffix not in LOADERS:
        raise CommandError(f"{args.model_path}: serve reads {', '.join(sorted(LOADERS))} files")
    config = None
    if args.config is not None:
        try:
            config = json.loads(args.config)
        except ValueError as error:
            raise CommandError(f"--config is not valid JSON: {error}") from None
    api_key = args.api_key if args.api_key is not None else os.environ.get("AXONML_API_KEY") or None
    if api_key is not None and not api_key.isprintable():
        raise CommandError("the API key must be printable characters")
    if args.device == "opencl":
        from .. import opencl
        if not opencl.is_available():
            raise CommandError("--device opencl: no OpenCL platform is available")
    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
        import prometheus_client  # noqa: F401
    except ImportError as error:
        raise CommandError(f"serving needs the serve extra ({error.name} is missing): "
                           "pip install 'axonml[serve]'") from None
    from ..serve import ServeSettings, serve
    settings = ServeSettings(os.path.abspath(args.model_path), args.device, config, args.max_batch_size,
                             args.batch_timeout_ms, args.max_queue, args.max_body_bytes, api_key)
    serve(settings, args.host, args.port, args.workers, args.log_level)
    return 0
