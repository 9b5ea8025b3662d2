"""Running the app under uvicorn: one process, or ``workers`` processes each loading the model.

uvicorn handles SIGTERM and SIGINT: it stops accepting connections, closes idle ones, lets the
requests in flight finish (up to ``graceful_timeout_s``), stops the batcher, and returns.
"""
from __future__ import annotations

import os
import signal

from .app import SETTINGS_VARIABLE, ServeSettings

__all__ = ["serve"]


def serve(settings: ServeSettings, host: str = "127.0.0.1", port: int = 8080, workers: int = 1,
          log_level: str = "info", graceful_timeout_s: float = 30.0) -> None:
    """Serve settings.model_path over HTTP until SIGTERM or SIGINT."""
    import uvicorn
    os.environ[SETTINGS_VARIABLE] = settings.to_json()   # the app factory reads it, in every worker process
    # uvicorn re-raises the signal it stopped on once it has shut down; a handler that does nothing
    # lets a clean shutdown on SIGTERM end with status 0 instead of dying by the signal
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: None)
    try:
        uvicorn.run("axonml.serve.app:app_from_environment", factory=True, host=host, port=port,
                    workers=workers if workers > 1 else None, log_level=log_level, access_log=False,
                    timeout_graceful_shutdown=graceful_timeout_s, server_header=False,
                    timeout_worker_healthcheck=60)   # a new worker imports axonml before it answers: seconds
    finally:
        signal.signal(signal.SIGTERM, previous)
