"""man/axonml.1 is generated from the argparse parser and must match it."""
import os
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_manpage_is_up_to_date(tmp_path):
    pytest.importorskip("argparse_manpage")
    out = tmp_path / "axonml.1"
    subprocess.run([sys.executable, "-c", "import sys; from argparse_manpage.cli import main; sys.exit(main())", "--module", "axonml.cli", "--function",
                    "build_parser", "--prog", "axonml", "--project-name", "axonml", "--description",
                    "train, evaluate and ship models with axonml", "--manual-title", "axonml manual",
                    "--output", str(out)], check=True, cwd=REPO)
    committed = open(os.path.join(REPO, "man", "axonml.1")).read()
    generated = out.read_text()
    strip = lambda text: [line for line in text.splitlines() if not line.startswith(".TH")]  # noqa: E731
    assert strip(committed) == strip(generated), "man/axonml.1 is stale: run `make man`"
