"""The HTTP application (starlette): /predict, /batch, /health/live, /health/ready, /info, /metrics.

The model loads in a background thread when the app starts, so ``/health/live`` answers at once
and ``/health/ready`` turns 200 only once the model is loaded and warmed up. Requests go through
one guard (an ASGI middleware) that checks the API key in constant time and counts every
answer in the metrics; the handlers read the body with a size limit enforced while it streams
in, turn it into checked samples (:mod:`axonml.serve.inputs`) and hand them to the
:class:`~axonml.serve.batcher.DynamicBatcher`. Every refusal is a JSON ``{"error": ...}``.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import dataclasses
import hmac
import json
import logging
import os
import threading
import time

import numpy as np

from .batcher import DynamicBatcher, QueueFull
from .inputs import (IMAGE_TYPES, JSON_TYPE, RAW_TYPE, TEXT_TYPE, RequestError, generation_request,
                     sample_from_image, samples_from_json, samples_from_raw)
from .metrics import ServerMetrics

__all__ = ["ServeSettings", "create_app", "app_from_environment", "SETTINGS_VARIABLE", "OPEN_ROUTES"]

SETTINGS_VARIABLE = "AXONML_SERVE_SETTINGS"   # how worker processes get the settings (JSON)
OPEN_ROUTES = ("/health/live", "/health/ready")  # answered without the API key, for health probes
_ROUTES = ("/predict", "/batch", "/info", "/metrics") + OPEN_ROUTES
_RETRY_AFTER = {"Retry-After": "1"}
_log = logging.getLogger("uvicorn.error")     # the server log uvicorn configures


@dataclasses.dataclass
class ServeSettings:
    """What one server serves and its limits (the ``axonml serve`` flags)."""

    model_path: str
    device: str = "cpu"
    config: dict | None = None
    max_batch_size: int = 32
    batch_timeout_ms: float = 5.0
    max_queue: int = 256
    max_body_bytes: int = 10 * 1024 * 1024
    api_key: str | None = None

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self))

    @classmethod
    def from_json(cls, text: str) -> "ServeSettings":
        return cls(**json.loads(text))


class _State:
    """The app's model, batcher and metrics; the model and batcher appear once loading is done."""

    def __init__(self, settings: ServeSettings):
        self.settings = settings
        self.metrics = ServerMetrics(settings.max_batch_size)
        self.model = None
        self.batcher: DynamicBatcher | None = None      # tensor models
        self.generator: concurrent.futures.ThreadPoolExecutor | None = None   # language models
        self.generations = 0                            # accepted and not finished, at most max_queue
        self.load_error: str | None = None

    def load(self, loop: asyncio.AbstractEventLoop) -> None:
        """Load and warm up the model (in a thread), then start the batcher on the loop."""
        from .model import load_model
        settings = self.settings
        try:
            model = load_model(settings.model_path, settings.device, settings.config)
            model.warm_up()
        except Exception as error:       # reported by /health/ready; the process keeps answering probes
            self.load_error = f"{type(error).__name__}: {error}"
            _log.error("axonml serve: the model failed to load: %s", self.load_error)
            return
        try:
            loop.call_soon_threadsafe(self._ready, model)
        except RuntimeError:            # the server stopped while the model loaded
            pass

    @property
    def max_batch_size(self) -> int:
        """The flag's batch size, or less for a model whose graph is fixed to a smaller batch."""
        fixed = getattr(self.model, "fixed_batch", None)
        return min(self.settings.max_batch_size, fixed or self.settings.max_batch_size)

    def _ready(self, model) -> None:
        settings = self.settings
        self.model = model
        if model.kind == "language":
            self.generator = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="axonml-generate")
            _log.info("axonml serve: %s (%s) ready on %s", model.name, model.format, model.device)
            return
        self.batcher = DynamicBatcher(model.predict, self.max_batch_size, settings.batch_timeout_ms / 1000.0,
                                      settings.max_queue, on_batch=self.metrics.batch_size.observe)
        self.batcher.start()
        _log.info("axonml serve: %s (%s) ready on %s", model.name, model.format, model.device)


def _error(status: int, message: str, headers: dict | None = None):
    from starlette.responses import JSONResponse
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def _jsonable(array: np.ndarray):
    """Nested lists for JSON; NaN and infinities (which JSON lacks) become null."""
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        return np.where(np.isfinite(array), array, None).tolist()
    return array.tolist()


def _media_type(request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


async def _read_body(request, limit: int) -> bytes:
    """The body, refused with 413 as soon as it is known to exceed limit (from Content-Length, or
    while the chunks stream in), never read whole first."""
    length = request.headers.get("content-length")
    if length is not None and length.strip().isdigit() and int(length) > limit:
        raise RequestError(413, f"the body is {int(length)} bytes; this server takes at most {limit}")
    from starlette.requests import ClientDisconnect
    chunks, total = [], 0
    try:
        async for chunk in request.stream():
            total += len(chunk)
            if total > limit:
                raise RequestError(413, f"the body exceeds {limit} bytes, the most this server takes")
            chunks.append(chunk)
    except ClientDisconnect:
        raise RequestError(400, "the client went away before sending the whole body") from None
    return b"".join(chunks)


def _ready_state(request) -> _State:
    state: _State = request.app.state.serve
    if state.model is None:
        message = f"the model failed to load: {state.load_error}" if state.load_error else "the model is loading"
        raise RequestError(503, message, _RETRY_AFTER)
    return state


async def _samples(request, state: _State, batch: bool) -> np.ndarray:
    media_type = _media_type(request)
    spec, limit = state.model.input, state.settings.max_body_bytes
    if media_type == JSON_TYPE:
        return samples_from_json(await _read_body(request, limit), spec, batch, state.max_batch_size)
    if media_type == RAW_TYPE:
        return samples_from_raw(await _read_body(request, limit), request.headers, spec, batch, state.max_batch_size)
    if media_type in IMAGE_TYPES and not batch:
        body = await _read_body(request, limit)
        return await asyncio.to_thread(sample_from_image, body, spec)   # decoding is slow: off the event loop
    accepted = [JSON_TYPE, RAW_TYPE] + (list(IMAGE_TYPES) if spec.is_image and not batch else [])
    raise RequestError(415, f"content type {media_type[:60] or '(none)'!r} is not accepted here; send "
                            f"{', '.join(accepted)}")


async def _run(state: _State, samples: np.ndarray) -> list[np.ndarray]:
    try:
        return await state.batcher.submit(samples)
    except QueueFull as error:
        raise RequestError(503, f"the server is busy ({error}); retry shortly", _RETRY_AFTER) from None
    except Exception as error:
        _log.exception("axonml serve: the model failed on a batch")
        raise RequestError(500, f"the model failed: {type(error).__name__}: {error}"[:500]) from None


def _sse(event: str | None, document) -> bytes:
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {json.dumps(document)}\n\n".encode()


async def _generate(request, state: _State):
    """A language model's answer: text/plain prompts stream tokens as server-sent events, JSON ones
    get the whole text."""
    from starlette.responses import JSONResponse, StreamingResponse
    media_type = _media_type(request)
    if media_type not in (TEXT_TYPE, JSON_TYPE):
        raise RequestError(415, f"content type {media_type[:60] or '(none)'!r} is not accepted by a language model; "
                                f"send {TEXT_TYPE} (streamed tokens) or {JSON_TYPE}")
    body = await _read_body(request, state.settings.max_body_bytes)
    arguments = generation_request(body, media_type, request.query_params, state.model.context_length)
    if state.generations >= state.settings.max_queue:
        raise RequestError(503, f"the server is busy ({state.generations} generations queued); retry shortly",
                           _RETRY_AFTER)
    loop = asyncio.get_running_loop()
    pieces: asyncio.Queue = asyncio.Queue()
    cancelled = False

    def on_text(piece: str) -> None:
        if cancelled:
            raise _ClientGone()
        loop.call_soon_threadsafe(pieces.put_nowait, ("token", piece))

    def run():
        try:
            text, count = state.model.generate(on_text=on_text, **arguments)
            loop.call_soon_threadsafe(pieces.put_nowait, ("done", {"text": text, "tokens": count}))
        except _ClientGone:
            pass
        except Exception as error:
            _log.exception("axonml serve: generation failed")
            loop.call_soon_threadsafe(pieces.put_nowait, ("error", f"the model failed: {type(error).__name__}: "
                                                                   f"{error}"[:500]))

    state.generations += 1
    future = loop.run_in_executor(state.generator, run)
    future.add_done_callback(lambda _: setattr(state, "generations", state.generations - 1))
    if media_type == JSON_TYPE:
        while True:
            kind, value = await pieces.get()
            if kind == "done":
                return JSONResponse({"outputs": value["text"], "tokens": value["tokens"]})
            if kind == "error":
                raise RequestError(500, value)

    async def events():
        nonlocal cancelled
        try:
            while True:
                kind, value = await pieces.get()
                if kind == "token":
                    yield _sse(None, {"token": value})
                elif kind == "done":
                    yield _sse("done", value)
                    return
                else:
                    yield _sse("error", {"error": value})
                    return
        finally:
            cancelled = True            # the client went away: stop generating at the next token

    return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})


class _ClientGone(Exception):
    pass


def _tensor_model(state: _State) -> None:
    if state.model.kind != "tensor":
        raise RequestError(422, "this is a language model: POST a text/plain prompt to /predict")


async def predict(request):
    from starlette.responses import JSONResponse
    state = _ready_state(request)
    if state.model.kind == "language":
        return await _generate(request, state)
    outputs = await _run(state, await _samples(request, state, batch=False))
    values = [_jsonable(output[0]) for output in outputs]
    return JSONResponse({"outputs": values[0] if len(values) == 1 else values})


async def batch(request):
    from starlette.responses import JSONResponse
    state = _ready_state(request)
    _tensor_model(state)
    outputs = await _run(state, await _samples(request, state, batch=True))
    if len(outputs) == 1:
        return JSONResponse({"outputs": _jsonable(outputs[0])})
    per_output = [_jsonable(output) for output in outputs]
    return JSONResponse({"outputs": [list(sample) for sample in zip(*per_output)]})


async def live(request):
    from starlette.responses import JSONResponse
    return JSONResponse({"status": "live"})


async def ready(request):
    from starlette.responses import JSONResponse
    _ready_state(request)
    return JSONResponse({"status": "ready"})


async def info(request):
    from starlette.responses import JSONResponse
    from .. import __version__
    state = _ready_state(request)
    settings = state.settings
    if state.model.kind == "language":
        accepts = [TEXT_TYPE, JSON_TYPE]
    else:
        accepts = [JSON_TYPE, RAW_TYPE] + (list(IMAGE_TYPES) if state.model.input.is_image else [])
    return JSONResponse({**state.model.info(), "axonml_version": __version__, "accepts": accepts,
                         "max_batch_size": state.max_batch_size, "batch_timeout_ms": settings.batch_timeout_ms,
                         "max_queue": settings.max_queue, "max_body_bytes": settings.max_body_bytes})


async def metrics(request):
    from starlette.responses import Response
    state: _State = request.app.state.serve
    state.metrics.queue_depth.set(state.batcher.depth if state.batcher is not None else 0)
    body, content_type = state.metrics.render()
    return Response(body, media_type=content_type)


class _Guard:
    """ASGI middleware: the API key check and the request metrics, around every HTTP request."""

    def __init__(self, app, state: _State):
        self.app, self.state = app, state
        self.key = state.settings.api_key.encode() if state.settings.api_key else None

    def _authorized(self, scope) -> bool:
        headers = dict(scope["headers"])
        given = headers.get(b"x-api-key")
        authorization = headers.get(b"authorization", b"")
        scheme, _, token = authorization.partition(b" ")
        if scheme.lower() == b"bearer":
            given = token.strip()
        return given is not None and hmac.compare_digest(given, self.key)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        route = scope["path"] if scope["path"] in _ROUTES else "unmatched"
        status = 500

        async def send_counting(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            if self.key is not None and scope["path"] not in OPEN_ROUTES and not self._authorized(scope):
                await _error(401, "missing or wrong API key: send Authorization: Bearer KEY or X-API-Key: KEY",
                             {"WWW-Authenticate": "Bearer"})(scope, receive, send_counting)
                return
            await self.app(scope, receive, send_counting)
        finally:
            metrics = self.state.metrics
            metrics.requests.labels(route, str(status)).inc()
            metrics.latency.labels(route).observe(time.perf_counter() - start)
            if self.state.batcher is not None:
                metrics.queue_depth.set(self.state.batcher.depth)


def create_app(settings: ServeSettings):
    """The starlette app serving settings.model_path; the model loads when the app starts."""
    from starlette.applications import Starlette
    from starlette.exceptions import HTTPException
    from starlette.middleware import Middleware
    from starlette.routing import Route

    state = _State(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        loop = asyncio.get_running_loop()
        threading.Thread(target=state.load, args=(loop,), name="axonml-serve-load", daemon=True).start()
        yield
        if state.batcher is not None:
            await state.batcher.stop()
        if state.generator is not None:
            state.generator.shutdown(wait=True)

    async def request_error(request, error: RequestError):
        return _error(error.status, error.message, error.headers)

    async def http_error(request, error: HTTPException):
        return _error(error.status_code, str(error.detail), error.headers)

    async def server_error(request, error: Exception):
        return _error(500, f"internal error: {type(error).__name__}")

    routes = [Route("/predict", predict, methods=["POST"]), Route("/batch", batch, methods=["POST"]),
              Route("/health/live", live, methods=["GET"]), Route("/health/ready", ready, methods=["GET"]),
              Route("/info", info, methods=["GET"]), Route("/metrics", metrics, methods=["GET"])]
    app = Starlette(routes=routes, lifespan=lifespan, middleware=[Middleware(_Guard, state=state)],
                    exception_handlers={RequestError: request_error, HTTPException: http_error,
                                        Exception: server_error})
    app.state.serve = state
    return app


def app_from_environment():
    """The app for the settings in ``AXONML_SERVE_SETTINGS`` (how uvicorn's worker processes build it)."""
    text = os.environ.get(SETTINGS_VARIABLE)
    if not text:
        raise RuntimeError(f"{SETTINGS_VARIABLE} is not set; start the server with `python -m axonml serve`")
    return create_app(ServeSettings.from_json(text))
