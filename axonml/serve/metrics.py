"""The server's Prometheus metrics, in a registry of their own (not prometheus_client's global one),
so that several apps in one process (tests, say) each count only their own requests."""
from __future__ import annotations

__all__ = ["ServerMetrics"]

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class ServerMetrics:
    """Requests by route and status, request latency, batch sizes formed and the queue depth."""

    def __init__(self, max_batch_size: int):
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
        self.registry = CollectorRegistry()
        self.requests = Counter("axonml_requests", "HTTP requests answered, by route and status",
                                ["route", "status"], registry=self.registry)
        self.latency = Histogram("axonml_request_latency_seconds", "Time from a request's arrival to its answer",
                                 ["route"], buckets=_LATENCY_BUCKETS, registry=self.registry)
        sizes = sorted({n for n in (1, 2, 4, 8, 16, 32, 64, 128, 256) if n < max_batch_size} | {max_batch_size})
        self.batch_size = Histogram("axonml_batch_size", "Samples in each batch the batcher ran",
                                    buckets=[float(n) for n in sizes], registry=self.registry)
        self.queue_depth = Gauge("axonml_queue_depth", "Requests waiting for the model", registry=self.registry)

    def render(self) -> tuple[bytes, str]:
        """(the exposition text, its content type)."""
        from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
