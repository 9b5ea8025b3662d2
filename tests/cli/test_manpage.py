"""The man pages in man/ are generated from the argparse parser, match it, and render without warnings."""
import os
import shutil
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MAN = os.path.join(REPO, "man")


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    pytest.importorskip("argparse_manpage")
    out = tmp_path_factory.mktemp("man")
    subprocess.run([sys.executable, os.path.join(MAN, "generate.py"), "--output", str(out)], check=True,
                   capture_output=True, cwd=REPO, env=dict(os.environ, PYTHONPATH=REPO))
    return out


def _body(text):
    return [line for line in text.splitlines() if not line.startswith(".TH")]   # .TH carries the date


def test_the_man_pages_match_the_parser(generated):
    committed = sorted(name for name in os.listdir(MAN) if name.endswith(".1"))
    fresh = sorted(os.listdir(generated))
    assert "axonml.1" in fresh and "axonml-train.1" in fresh and "axonml-data.1" in fresh
    assert committed == fresh, "man/ is stale: run `make man`"
    for name in fresh:
        with open(os.path.join(MAN, name)) as f:
            assert _body(f.read()) == _body((generated / name).read_text()), f"man/{name} is stale: run `make man`"


@pytest.mark.skipif(shutil.which("man") is None, reason="man is not installed")
def test_every_page_renders_without_warnings(generated):
    env = dict(os.environ, MANWIDTH="80", LC_ALL="C.UTF-8")
    for name in sorted(os.listdir(generated)):
        result = subprocess.run(["man", "--warnings", "-l", str(generated / name)], capture_output=True, text=True,
                                env=env)
        assert result.returncode == 0 and result.stderr == "", (name, result.stderr)
        assert "NAME" in result.stdout and "SYNOPSIS" in result.stdout, name
