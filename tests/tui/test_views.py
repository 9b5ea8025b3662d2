"""The dashboard's views rendered in-process (no terminal): the keys of each view."""
import pytest

urwid = pytest.importorskip("urwid")

from axonml.tui.app import Dashboard  # noqa: E402
from axonml.tui.theme import Display  # noqa: E402
from axonml.utils.metrics import MetricsLogger  # noqa: E402

SIZE = (80, 24)


def _screen(dashboard) -> str:
    canvas = dashboard.render(SIZE, focus=True)
    return "\n".join(line.decode("utf-8") for line in canvas.text)


def _press(dashboard, *keys) -> str:
    for key in keys:
        dashboard.keypress(SIZE, key)
    return _screen(dashboard)


@pytest.fixture
def runs(tmp_path):
    for name, splits in (("one", ("train", "test")), ("two", ("train",))):
        with MetricsLogger(tmp_path / name / "metrics.jsonl") as log:
            for step in range(1, 6):
                for split in splits:
                    log.log(step=step, epoch=1, split=split, loss=1.0 / step, accuracy=step / 10)
    return tmp_path


def test_tabs_digits_and_help(runs):
    dashboard = Dashboard(Display(colors=16, glyphs="braille"), str(runs))
    assert "/" in _screen(dashboard).splitlines()[1] or "no model" in _screen(dashboard)
    assert "axonml dashboard: keys" in _press(dashboard, "6")
    assert "no model" in _press(dashboard, "tab")  # help wraps round to model
    assert "axonml dashboard: keys" in _press(dashboard, "shift tab")
    assert "runs" in _press(dashboard, "4").splitlines()[1]
    with pytest.raises(urwid.ExitMainLoop):
        dashboard.keypress(SIZE, "q")


def test_graphs_keys(runs):
    dashboard = Dashboard(Display(colors=16, glyphs="ascii"), str(runs))
    screen = _press(dashboard, "4")
    assert "[x] one" in screen and "[x] two" in screen and "loss (train)" in screen
    assert "accuracy (train)" in _press(dashboard, "l")
    assert "accuracy (test)" in _press(dashboard, "s")
    screen = _press(dashboard, "j", " ")  # remove 'two'
    assert "[ ] two" in screen and "[x] one" in screen
    assert "[ ] one" in _press(dashboard, "a")  # none selected now
    (runs / "three").mkdir()
    (runs / "three" / "metrics.jsonl").write_text('{"loss": 1}\n')
    assert "three" in _press(dashboard, "r")


def test_training_keys_and_files_view_opens_a_run(runs):
    dashboard = Dashboard(Display(colors=1, glyphs="ascii"), str(runs))
    screen = _press(dashboard, "5")
    assert "one/" in screen and "two/" in screen
    screen = _press(dashboard, "enter")  # the cursor starts on the first entry after '..': run one
    assert "one  10 records" in screen and "loss  ** train  ++ test" in screen
    assert "loss  ++ test" not in _press(dashboard, "s") and "loss  ** train" in _screen(dashboard)
    assert "loss  ** test" in _press(dashboard, "s")
    assert "PAUSED" in _press(dashboard, "p")
    assert "PAUSED" not in _press(dashboard, "p")


def test_model_view_expand_collapse(tmp_path):
    dashboard = Dashboard(Display(colors=16, glyphs="braille"), str(tmp_path))
    dashboard.model.load("lenet", (1, 28, 28))
    dashboard.show(0)
    assert "Linear" in _screen(dashboard)
    assert "Linear" not in _press(dashboard, "c") and "\u25b8 classifier" in _screen(dashboard)
    assert "Linear" in _press(dashboard, "e")


def test_data_view_pages_through_samples(tmp_path):
    dashboard = Dashboard(Display(colors=16, glyphs="braille"), str(tmp_path))
    dashboard.data.load("digits", "data")
    dashboard.show(1)
    screen = _screen(dashboard)
    assert "class balance" in screen and dashboard.data.first_sample == 0
    _press(dashboard, "l", "l")
    assert dashboard.data.first_sample == 2
    _press(dashboard, "h", "h", "h")
    assert dashboard.data.first_sample == 0


def test_opening_a_corrupt_model_shows_the_error_in_the_footer(tmp_path):
    (tmp_path / "broken.safetensors").write_bytes(b"\x40\x00\x00\x00\x00\x00\x00\x00{")
    dashboard = Dashboard(Display(colors=16, glyphs="braille"), str(tmp_path))
    screen = _press(dashboard, "5", "enter")
    assert "error:" in screen.splitlines()[-1] and "broken.safetensors" in screen.splitlines()[-1]
    assert "Files" in screen.splitlines()[0]
