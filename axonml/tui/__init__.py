"""The terminal dashboard (``python -m axonml tui``): model, data, training, graphs, files and help views.

It is keyboard driven, fits 80x24, works in 16 colours or monochrome and over SSH, and follows a
run's metrics log (see :mod:`axonml.utils.metrics`) as another process appends to it. The logic it
draws from lives in plain modules: :mod:`~axonml.tui.runlog` (following logs), :mod:`~axonml.tui.plot`
(rasterising curves), :mod:`~axonml.tui.layers` (layer trees), :mod:`~axonml.tui.datasummary` and
:mod:`~axonml.tui.files`; only :mod:`~axonml.tui.widgets`, :mod:`~axonml.tui.views` and
:mod:`~axonml.tui.app` import urwid.
"""
__all__ = ["run_dashboard"]


def run_dashboard(*args, **kwargs):
    """Start the dashboard; see :func:`axonml.tui.app.run_dashboard`."""
    from .app import run_dashboard as run
    return run(*args, **kwargs)
