"""The dashboard: a tab bar, the current view, a key-hint line, and a timer that follows the run logs."""
from __future__ import annotations

import os
import sys

import urwid

from .theme import Display, palette
from .views import DataView, FilesView, GraphsView, HelpView, ModelView, TrainingView, View, translate_vim

__all__ = ["Dashboard", "run_dashboard", "POLL_SECONDS"]

POLL_SECONDS = 0.5


class Dashboard(urwid.WidgetWrap):
    """Model, data, training, graphs, files and help views under one tab bar.

    Args:
        display: colours and characters (see :func:`axonml.tui.theme.detect_display`).
        root: the folder the files and graphs views start in.
    """

    def __init__(self, display: Display, root: str):
        self.display = display
        self.model = ModelView(display)
        self.data = DataView(display)
        self.training = TrainingView(display)
        self.graphs = GraphsView(display, root)
        self.files = FilesView(display, root, self.open_run, self.open_model)
        self.views: list[View] = [self.model, self.data, self.training, self.graphs, self.files]
        self.help = HelpView(display, self.views)
        self.views.append(self.help)
        self.current = 0
        self.error = ""
        self.tabs = urwid.Text("", wrap="clip")
        self.footer = urwid.Text("", wrap="clip")
        self.frame = urwid.Frame(self.views[0].widget, header=self.tabs,
                                 footer=urwid.AttrMap(self.footer, "footer"))
        super().__init__(self.frame)
        self.show(0)

    def show(self, index: int) -> None:
        """Switch to a view (or, for the current one, redraw the tabs, hints and body)."""
        index %= len(self.views)
        if index != self.current:
            self.views[index].shown()
        self.current = index
        view = self.views[self.current]
        self.frame.body = view.widget
        markup = []
        for number, each in enumerate(self.views, 1):
            attribute = "tab active" if each is view else "tab"
            markup += [(attribute, f" {number} {each.name} "), " "]
        self.tabs.set_text(markup)
        hints = f" {view.hints}  " if view.hints else " "
        self.footer.set_text(hints + "Tab view  ? help  q quit" if not self.error else f" {self.error}")

    def open_run(self, path: str) -> None:
        self._attempt(lambda: self.training.load(path), self.views.index(self.training), path)

    def open_model(self, path: str) -> None:
        self._attempt(lambda: self.model.load(path), self.views.index(self.model), path)

    def _attempt(self, action, view_index: int, path: str) -> None:
        from ..cli.errors import CommandError
        try:
            action()
            self.show(view_index)
        except (CommandError, ValueError, OSError, RuntimeError) as error:
            # shown in the footer until the next key; the folder is the one on screen, so it is left out
            self.error = "error: " + str(error).replace(os.path.dirname(os.path.abspath(path)) + os.sep, "")
            self.show(self.current)

    def keypress(self, size, key):
        view = self.views[self.current]
        self.error = ""
        if key in ("q", "Q"):
            raise urwid.ExitMainLoop()
        if key == "tab":
            self.show(self.current + 1)
        elif key == "shift tab":
            self.show(self.current - 1)
        elif key in ("1", "2", "3", "4", "5", "6"):
            self.show(int(key) - 1)
        elif key == "?":
            self.show(self.views.index(self.help))
        elif view.handle(key):
            self.show(self.current)  # the view may have rebuilt its widget
        else:
            return self.frame.keypress(size, translate_vim(key))
        return None

    def tick(self) -> None:
        for view in (self.training, self.graphs):
            view.tick()


def run_dashboard(display: Display, root: str, run: str | None = None, model: str | None = None,
                  input_shape: tuple | None = None, data: str | None = None, data_dir: str = "data",
                  view: str | None = None) -> None:
    """Load what was asked for, then run the dashboard until the user quits.

    Everything is loaded before the screen is taken, so that the loaders' errors (missing file, unknown
    model, unreadable dataset) and a missing terminal print as ordinary one-line errors.
    """
    dashboard = Dashboard(display, root)
    start = "files"
    if data is not None:
        dashboard.data.load(data, data_dir)
        start = "data"
    if model is not None:
        dashboard.model.load(model, input_shape)
        start = "model"
    elif run is not None:
        checkpoint = os.path.join(run, "model.safetensors")
        if os.path.isfile(checkpoint):
            dashboard.model.load(checkpoint)
    if run is not None:
        dashboard.training.load(run)
        start = "training"
    names = [v.name.lower() for v in dashboard.views]
    dashboard.show(names.index(view or start))
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise RuntimeError("the dashboard needs a terminal (stdin and stdout are not one)")

    screen = urwid.display.raw.Screen()
    screen.set_terminal_properties(colors=display.colors)
    loop = urwid.MainLoop(dashboard, palette(), screen=screen, handle_mouse=False)

    def tick(loop, _data=None) -> None:
        dashboard.tick()
        loop.set_alarm_in(POLL_SECONDS, tick)

    loop.set_alarm_in(POLL_SECONDS, tick)
    loop.run()
