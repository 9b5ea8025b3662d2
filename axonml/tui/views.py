"""The six views of the dashboard. Each holds its widget, its keys (the help view lists them) and,
where it watches files, a ``tick`` the main loop calls a few times a second."""
from __future__ import annotations

import os

import urwid

from . import datasummary, layers
from .files import Entry, describe_entry, human_size, list_directory
from .plot import format_number, progress_bar
from .runlog import METRICS, RunLog, find_runs
from .theme import SERIES_ATTRIBUTES, Display
from .widgets import VIM_KEYS, PlotWidget, legend, list_box, row

__all__ = ["View", "ModelView", "DataView", "TrainingView", "GraphsView", "FilesView", "HelpView", "GLOBAL_KEYS"]

GLOBAL_KEYS = [("Tab / Shift-Tab", "next / previous view"), ("1 ... 6", "go to a view"),
               ("j k  (Down Up)", "move down / up"), ("g G  (Home End)", "first / last line"),
               ("Ctrl-D Ctrl-U", "page down / up"), ("?", "help"), ("q", "quit")]

_METRIC_ORDER = list(METRICS)


def _count(n: int) -> str:
    return f"{n:,}"


class View:
    """A view: `widget` is shown under the tabs; `keys` are (key, what it does) pairs of this view only."""
    name = ""
    keys: list[tuple[str, str]] = []
    hints = ""

    def __init__(self, display: Display):
        self.display = display
        self.widget: urwid.Widget = urwid.SolidFill(" ")

    def handle(self, key: str) -> bool:
        """Act on a view key; True if it was one."""
        return False

    def tick(self) -> None:
        """Poll what the view watches (called by the main loop's timer)."""

    def shown(self) -> None:
        """Called when the user switches to the view: a chance to look at the disk again."""

    def message(self, text: str, attribute: str = "dim") -> urwid.Widget:
        return urwid.Filler(urwid.Text((attribute, text), align="center"), "middle")


# --- model -----------------------------------------------------------------------------------------

class ModelView(View):
    name = "Model"
    keys = [("l  Right  Enter", "expand the layer"), ("h  Left", "collapse the layer (or go to its parent)"),
            ("e / c", "expand / collapse every layer")]
    hints = "l/h expand/collapse  e/c all"

    def __init__(self, display: Display):
        super().__init__(display)
        self.tree: layers.LayerNode | None = None
        self.collapsed: set[str] = set()
        self.source = ""
        self.summary = ""
        self.widget = self.message("no model: pass --model NAME or a checkpoint, or press Enter on a model "
                                   "file in the files view")

    def load(self, spec: str, input_shape: tuple | None = None) -> None:
        """Show a model file (through its describer) or a model built by name."""
        if os.path.exists(spec):
            self.tree, info = layers.tree_from_checkpoint(spec)
            architecture = f", {info['architecture']}" if "architecture" in info else ""
            self.summary = f"{info['format']}{architecture}, {len(info['tensors'])} tensors"
        else:
            self.tree = layers.tree_from_name(spec, input_shape)
            self.summary = f"{self.tree.kind}, built by name (random weights)"
        self.source = spec
        nodes = list(self.tree.walk())
        self.collapsed = set() if len(nodes) <= 60 else {n.name for n in nodes if n.children and n.name}
        self._build()

    def _build(self, focus_name: str | None = None) -> None:
        assert self.tree is not None
        rows, focus = [], 0
        closed, opened = ("+", "-") if self.display.glyphs == "ascii" else ("\u25b8", "\u25be")
        for depth, node in layers.visible_rows(self.tree, self.collapsed):
            marker = (closed if node.name in self.collapsed else opened) if node.children else " "
            shape = node.output_shape if node.output_shape is not None else node.shape
            shape_text = "x".join(str(n) for n in shape) if shape else ""
            params = _count(node.total) if node.total else "-"
            cells = urwid.Columns([("weight", 5, urwid.Text(f"{'  ' * depth}{marker} {node.label}", wrap="clip")),
                                   ("weight", 3, urwid.Text(node.kind, wrap="clip")),
                                   ("weight", 3, urwid.Text(shape_text, wrap="clip")),
                                   (12, urwid.Text(params, align="right", wrap="clip"))], dividechars=1)
            if node.name == focus_name:
                focus = len(rows)
            rows.append(_SelectableColumns(cells, node))
        shape_heading = "shape" if self.tree.kind == "checkpoint" else "output shape"
        header = urwid.Columns([("weight", 5, urwid.Text("layer")), ("weight", 3, urwid.Text("type")),
                                ("weight", 3, urwid.Text(shape_heading)),
                                (12, urwid.Text("parameters", align="right"))], dividechars=1)
        self.list = list_box(rows)
        self.list.focus_position = focus
        self.detail = urwid.Text("", wrap="clip")
        urwid.connect_signal(self.list.body, "modified", self._show_detail)
        self._show_detail()
        top = urwid.Text([("title", os.path.basename(self.source) or self.source), "  ", self.summary, "  ",
                          ("good", f"{_count(self.tree.total)} parameters")], wrap="clip")
        self.widget = urwid.Frame(self.list, header=urwid.Pile([top, urwid.AttrMap(header, "heading")]),
                                  footer=urwid.Pile([urwid.Divider(self.display.rule()), self.detail]))

    def _focused(self) -> layers.LayerNode | None:
        widget = self.list.focus
        return widget.value if widget is not None else None

    def _show_detail(self) -> None:
        node = self._focused()
        if node is None:
            return
        parts = [("heading", node.name or "(model)"), f"  {node.kind}"]
        if node.output_shape is not None:
            parts.append(f"  out {tuple(node.output_shape)}")
        if node.shape is not None:
            parts.append(f"  shape {tuple(node.shape)} {node.detail}")
        parts.append(f"  own {_count(node.parameters)} / total {_count(node.total)}")
        if node.kind != "tensor" and node.detail:
            parts.append(f"\n{node.detail}")
        self.detail.set_text(parts)

    def handle(self, key: str) -> bool:
        if self.tree is None:
            return False
        node = self._focused()
        if key in ("l", "right", "enter") and node is not None and node.children:
            self.collapsed.discard(node.name)
            self._build(node.name)
        elif key in ("h", "left") and node is not None:
            if node.children and node.name not in self.collapsed and node.name:
                self.collapsed.add(node.name)
                self._build(node.name)
            else:
                self._build(node.name.rsplit(".", 1)[0] if "." in node.name else "")
        elif key == "e":
            self.collapsed = set()
            self._build(node.name if node else None)
        elif key == "c":
            self.collapsed = {n.name for n in self.tree.walk() if n.children and n.name}
            self._build()
        else:
            return False
        return True


class _SelectableColumns(urwid.AttrMap):
    def __init__(self, columns: urwid.Columns, value):
        self.value = value
        super().__init__(_Selectable(columns), None, focus_map="focus")


class _Selectable(urwid.WidgetWrap):
    def selectable(self) -> bool:
        return True

    def keypress(self, size, key):
        return key


# --- data ------------------------------------------------------------------------------------------

class DataView(View):
    name = "Data"
    keys = [("h / l", "earlier / later sample images")]
    hints = "h/l samples"

    def __init__(self, display: Display):
        super().__init__(display)
        self.summary: datasummary.DataSummary | None = None
        self.first_sample = 0
        self.widget = self.message("no dataset: pass --data digits|mnist|fashion-mnist|cifar10 or a folder of "
                                   "class folders")

    def load(self, spec: str, data_dir: str) -> None:
        self.summary = datasummary.summarise(spec, data_dir)
        self._build()

    def _build(self) -> None:
        s = self.summary
        assert s is not None
        glyphs = "ascii" if self.display.glyphs == "ascii" else "unicode"
        lines: list = [urwid.Text([("title", s.name), f"  ({s.source})"], wrap="clip")]
        splits = ", ".join(f"{split} {_count(n)}" for split, n in s.splits.items())
        lines.append(urwid.Text(f"{splits} samples; {len(s.classes)} classes; image {tuple(s.sample_shape)}"
                                + (f"; pixels {s.value_range[0]:g}..{s.value_range[1]:g}, mean {s.value_range[2]:.3g}"
                                   if s.value_range else ""), wrap="clip"))
        lines.append(urwid.Text(("heading", "class balance"), wrap="clip"))
        first_split = next(iter(s.counts))
        counts = s.counts[first_split]
        largest = max(counts) if counts else 1
        name_width = min(16, max((len(c) for c in s.classes), default=5))
        split_names = list(s.counts)
        for index, name in enumerate(s.classes):
            numbers = " ".join(f"{s.counts[split][index]:>6}" for split in split_names)
            lines.append(_BarRow(name[:name_width].ljust(name_width), counts[index] / largest if largest else 0,
                                 numbers, self.display.glyphs))
        lines.append(urwid.Text(("dim", " " * (name_width + 1) + "bar: " + first_split + "   columns: "
                                 + " ".join(split_names)), wrap="clip"))
        lines.append(urwid.Text(("heading", "samples"), wrap="clip"))
        samples = s.samples[self.first_sample:]
        pictures = []
        for image, label in samples:
            rows = datasummary.shade(image, 28, 14, s.max_value, glyphs)
            caption = s.classes[label] if label < len(s.classes) else str(label)
            width = max(len(rows[0]) if rows else 0, 4)
            pictures.append((width + 2, urwid.Pile([urwid.Text("\n".join(rows), wrap="clip"),
                                                    urwid.Text(("dim", caption[:width]), wrap="clip")])))
        lines.append(urwid.Columns(pictures, dividechars=0) if pictures else urwid.Text("(none)"))
        self.widget = urwid.ListBox(urwid.SimpleFocusListWalker(lines))

    def handle(self, key: str) -> bool:
        if self.summary is None or key not in ("h", "l", "left", "right"):
            return False
        step = -1 if key in ("h", "left") else 1
        self.first_sample = min(max(0, self.first_sample + step), max(0, len(self.summary.samples) - 1))
        self._build()
        return True


class _BarRow(urwid.Widget):
    """A class-balance bar that fills the width it is given."""
    _sizing = frozenset([urwid.FLOW])

    def __init__(self, label: str, fraction: float, numbers: str, glyphs: str):
        super().__init__()
        self.label, self.fraction, self.numbers, self.glyphs = label, fraction, numbers, glyphs

    def rows(self, size, focus=False) -> int:
        return 1

    def render(self, size, focus=False):
        (columns,) = size
        width = max(1, columns - len(self.label) - len(self.numbers) - 3)
        bar = progress_bar(self.fraction, width, self.glyphs)
        return urwid.Text([self.label, " ", ("bar", bar), " ", self.numbers], wrap="clip").render(size)


# --- training --------------------------------------------------------------------------------------

class TrainingView(View):
    name = "Training"
    keys = [("h / l", "previous / next metric in the large plot (loss, accuracy, lr, samples/s)"),
            ("s", "show every split, or one split at a time"), ("p", "pause / resume following the log")]
    hints = "h/l metric  s split  p pause"

    def __init__(self, display: Display):
        super().__init__(display)
        self.log: RunLog | None = None
        self.metric = "loss"
        self.split_choice = 0  # 0: every split, n: the n-th split only
        self.paused = False
        self.widget = self.message("no run: pass RUN_DIR (a directory with metrics.jsonl), or press Enter on a run "
                                   "in the files view")

    def load(self, path: str) -> None:
        self.log = RunLog(path)
        self.info = urwid.Text("", wrap="clip")
        self.status = urwid.Text("", wrap="clip")
        self.plot = PlotWidget(self._main_series, self.display.glyphs, self._main_title)
        self.lr_plot = PlotWidget(lambda: [self.log.series("lr")], self.display.glyphs,
                                  lambda: [("heading", "learning rate")])
        self.widget = urwid.Frame(urwid.Pile([("weight", 3, self.plot), ("weight", 1, self.lr_plot)]),
                                  header=urwid.Pile([self.status, self.info]))
        self._update_text()

    def _splits(self) -> list[str]:
        splits = self.log.splits()
        if self.split_choice and self.split_choice <= len(splits):
            return [splits[self.split_choice - 1]]
        return splits

    def _main_series(self):
        return [self.log.series(self.metric, split) for split in self._splits()]

    def _main_title(self):
        splits = self._splits()
        return [("heading", self.metric), "  "] + legend(splits, self.display.glyphs)

    def _update_text(self) -> None:
        log, state = self.log, self.log.progress()
        stale = log.seconds_since_update()
        if log.error:
            liveness = ("error", f"cannot read the log: {log.error}")
        elif stale is None:
            liveness = ("error", "waiting for the log")
        elif stale < 30:
            liveness = ("good", f"live, updated {stale:.0f}s ago")
        else:
            liveness = ("dim", f"idle {stale:.0f}s")
        self.status.set_text([("title", log.name), f"  {state.records} records  ", liveness,
                              ("error", "  PAUSED") if self.paused else ""])
        where, metrics = [], []
        if state.epoch is not None:
            where.append(f"epoch {state.epoch}" + (f"/{state.epochs}" if state.epochs else ""))
            if state.fraction is not None:
                where.append(("bar", progress_bar(state.fraction, 20, self.display.glyphs)))
        if state.step is not None:
            where.append(f"step {state.step}")
        if state.elapsed is not None:
            where.append(f"{state.elapsed:.0f}s elapsed")
        for split, values in state.last.items():
            metrics.append(" ".join([split] + [f"{'acc' if k == 'accuracy' else k} {format_number(v)}"
                                               for k, v in values.items()]))
        for label, value in (("lr", state.lr), ("samples/s", state.samples_per_second)):
            if value is not None:
                metrics.append(f"{label} {format_number(value)}")
        markup = []
        for part in where:
            markup += [part, "  "]
        markup.append("\n")
        for part in metrics:
            markup += [part, "  "]
        self.info.set_text(markup if where or metrics else ("dim", "no records yet"))

    def tick(self) -> None:
        if self.log is None or self.paused:
            return
        if self.log.poll():
            self.plot.changed()
            self.lr_plot.changed()
        self._update_text()

    def handle(self, key: str) -> bool:
        if self.log is None:
            return False
        if key in ("h", "l", "left", "right"):
            step = -1 if key in ("h", "left") else 1
            self.metric = _METRIC_ORDER[(_METRIC_ORDER.index(self.metric) + step) % len(_METRIC_ORDER)]
        elif key == "s":
            self.split_choice = (self.split_choice + 1) % (len(self.log.splits()) + 1)
        elif key == "p":
            self.paused = not self.paused
        else:
            return False
        self.plot.changed()
        self._update_text()
        return True


# --- graphs ----------------------------------------------------------------------------------------

class GraphsView(View):
    name = "Graphs"
    keys = [("Space", "add / remove the run under the cursor"), ("a", "add every run / remove all"),
            ("h / l", "previous / next metric"), ("s", "next split (train, test ...)"),
            ("r", "look for new runs (also done when the view is shown)")]
    hints = "Space select  h/l metric  s split  r rescan"

    def __init__(self, display: Display, root: str):
        super().__init__(display)
        self.root = root
        self.logs: dict[str, RunLog] = {}
        self.selected: list[str] = []
        self.metric = "loss"
        self.split_index = 0
        self.plot = PlotWidget(self._series, display.glyphs, self._title)
        self.scan()

    def scan(self) -> None:
        runs = find_runs(self.root)
        for path in runs:
            if path not in self.logs:
                self.logs[path] = RunLog(path)
        if not self.selected:
            self.selected = runs[:len(SERIES_ATTRIBUTES)]
        self._build(runs)

    def _build(self, runs: list[str]) -> None:
        self.runs = runs
        focus = self.list.focus_position if getattr(self, "list", None) is not None and self.list.body else 0
        rows = []
        for path in runs:
            mark = "[x]" if path in self.selected else "[ ]"
            label = os.path.relpath(path, self.root)
            if path in self.selected:
                index = self.selected.index(path)
                rows.append(row([mark, " ", (SERIES_ATTRIBUTES[index % len(SERIES_ATTRIBUTES)], label)], path))
            else:
                rows.append(row(f"{mark} {label}", path))
        self.list = list_box(rows or [urwid.Text(("dim", f"no runs under {self.root}"))])
        if rows:
            self.list.focus_position = min(focus, len(rows) - 1)
        self.widget = urwid.Columns([(26, urwid.Frame(self.list, header=urwid.Text(("heading", "runs")))),
                                     self.plot], dividechars=1)
        self.plot.changed()

    def _split(self) -> str | None:
        splits = []
        for path in self.selected:
            splits += [s for s in self.logs[path].splits() if s not in splits]
        return splits[self.split_index % len(splits)] if splits else None

    def _series(self):
        split = self._split()
        return [self.logs[path].series(self.metric, split) for path in self.selected]

    def _title(self):
        names = [os.path.relpath(p, self.root) for p in self.selected]
        return [("heading", f"{self.metric} ({self._split() or '-'})"), "  "] + legend(names, self.display.glyphs)

    def tick(self) -> None:
        if any([self.logs[path].poll() for path in self.selected]):
            self.plot.changed()

    def handle(self, key: str) -> bool:
        if key == " " and self.runs:
            path = self.runs[self.list.focus_position]
            if path in self.selected:
                self.selected.remove(path)
            elif len(self.selected) < len(SERIES_ATTRIBUTES):
                self.selected.append(path)
            self._build(self.runs)
        elif key == "a":
            self.selected = [] if self.selected else self.runs[:len(SERIES_ATTRIBUTES)]
            self._build(self.runs)
        elif key in ("h", "l", "left", "right"):
            step = -1 if key in ("h", "left") else 1
            self.metric = _METRIC_ORDER[(_METRIC_ORDER.index(self.metric) + step) % len(_METRIC_ORDER)]
            self.plot.changed()
        elif key == "s":
            self.split_index += 1
            self.plot.changed()
        elif key == "r":
            self.scan()
        else:
            return False
        return True

    def shown(self) -> None:
        self.scan()


# --- files -----------------------------------------------------------------------------------------

_TAGS = {"run": "run", "checkpoints": "ckpts", "model": "model", "log": "log", "config": "cfg"}


class FilesView(View):
    name = "Files"
    keys = [("Enter", "open: watch a run in the training view, show a model file in the model view, enter a "
                      "folder"),
            ("l  Right", "enter the folder (a run's too); on a file, as Enter"),
            ("h  Left  Backspace", "go to the parent folder"), ("J / K", "scroll the description"),
            (".", "show / hide hidden files"),
            ("r", "read the folder again (it is also re-read when the view is shown)")]
    hints = "Enter open  l/h in/out  J/K scroll"

    def __init__(self, display: Display, root: str, open_run, open_model):
        super().__init__(display)
        self.directory = os.path.abspath(root)
        self.open_run, self.open_model = open_run, open_model
        self.show_hidden = False
        self.description = list_box([urwid.Text("")])
        self.chdir(self.directory)

    def chdir(self, directory: str, focus_name: str | None = None) -> None:
        self.directory = os.path.abspath(directory)
        try:
            self.entries = list_directory(self.directory, self.show_hidden)
        except OSError as error:
            self.entries = [Entry("..", os.path.dirname(self.directory), "parent")]
            self.description = list_box([urwid.Text(("error", f"cannot list: {error.strerror}"))])
        rows = []
        for entry in self.entries:
            suffix = "/" if entry.size is None else ""
            tag = _TAGS.get(entry.kind, "")
            rows.append(row([f"{entry.name}{suffix}".ljust(22)[:22], " ", ("dim", f"{tag:<5}"),
                             f" {human_size(entry.size):>6}"], entry))
        self.list = list_box(rows)
        names = [e.name for e in self.entries]
        if focus_name in names:
            self.list.focus_position = names.index(focus_name)
        elif len(rows) > 1:
            self.list.focus_position = 1
        urwid.connect_signal(self.list.body, "modified", self._describe)
        self.header = urwid.Text([("heading", self.directory)], wrap="clip")
        self.body = urwid.Columns([(37, self.list), self.description], dividechars=1)
        self.widget = urwid.Frame(self.body, header=self.header)
        self._describe()

    def _focused(self) -> Entry | None:
        if not self.entries:
            return None
        return self.entries[self.list.focus_position]

    def _describe(self) -> None:
        entry = self._focused()
        lines = describe_entry(entry) if entry is not None and entry.kind != "parent" else ["(parent folder)"]
        self.description = list_box([urwid.Text(line, wrap="clip") for line in lines] or [urwid.Text("")])
        if hasattr(self, "body"):
            self.body.contents[1] = (self.description, self.body.options())

    def handle(self, key: str) -> bool:
        entry = self._focused()
        if key in ("l", "right", "enter") and entry is not None:
            if entry.kind == "parent":
                self.chdir(entry.path, os.path.basename(self.directory))
            elif entry.kind in ("run", "log") and key == "enter":
                self.open_run(entry.path)
            elif entry.kind in ("run", "dir", "checkpoints"):
                self.chdir(entry.path)
            elif entry.kind == "model":
                self.open_model(entry.path)
            return True
        if key in ("h", "left", "backspace"):
            self.chdir(os.path.dirname(self.directory), os.path.basename(self.directory))
            return True
        if key in ("J", "K"):
            self.description.keypress((40, 10), "down" if key == "J" else "up")
            return True
        if key == ".":
            self.show_hidden = not self.show_hidden
            self.chdir(self.directory)
            return True
        if key == "r":
            self.shown()
            return True
        return False

    def shown(self) -> None:
        entry = self._focused()
        self.chdir(self.directory, entry.name if entry is not None else None)


# --- help ------------------------------------------------------------------------------------------

class HelpView(View):
    name = "Help"
    keys: list[tuple[str, str]] = []
    hints = "j/k scroll"

    def __init__(self, display: Display, views: list[View]):
        super().__init__(display)
        lines = [urwid.Text(("title", "axonml dashboard: keys"))]

        def table(title: str, keys) -> None:
            lines.append(urwid.Text(("heading", title)))
            for key, action in keys:
                lines.append(urwid.Columns([(20, urwid.Text(("key", "  " + key))), urwid.Text(action)]))

        table("every view", GLOBAL_KEYS)
        for number, view in enumerate(views, 1):
            if view.keys:
                table(f"{number} {view.name}", view.keys)
        lines.append(urwid.Text(("dim", "The training and graphs views re-read the run logs twice a second, so they "
                                        "follow a run written by another process or on another host.")))
        self.widget = urwid.ListBox(urwid.SimpleFocusListWalker(lines))


def translate_vim(key: str) -> str:
    return VIM_KEYS.get(key, key)
