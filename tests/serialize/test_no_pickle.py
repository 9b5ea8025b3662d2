"""No module under axonml/ imports pickle on a load path (a static check of every import)."""
import ast
import os

import axonml

PACKAGE = os.path.dirname(os.path.abspath(axonml.__file__))
# Modules that may import pickle because they never read files with it: DataLoader workers pickle
# batches to send them to the parent process over a pipe of their own.
NOT_A_LOAD_PATH = {"data/_worker.py"}


def _imports_pickle(path: str) -> list[int]:
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), path)
    lines = []
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "__import__" and node.args \
                and isinstance(node.args[0], ast.Constant):
            names = [str(node.args[0].value)]
        if any(name.split(".")[0] in ("pickle", "_pickle", "cPickle", "dill", "cloudpickle") for name in names):
            lines.append(node.lineno)
    return lines


def test_no_module_imports_pickle_on_a_load_path():
    offenders = {}
    for root, _, files in os.walk(PACKAGE):
        for name in files:
            if name.endswith((".py", ".pyx")):
                path = os.path.join(root, name)
                relative = os.path.relpath(path, PACKAGE).replace(os.sep, "/")
                if name.endswith(".pyx"):
                    with open(path, encoding="utf-8") as f:
                        found = [i + 1 for i, line in enumerate(f) if line.strip().startswith(("import pickle",
                                                                                              "from pickle"))]
                else:
                    found = _imports_pickle(path)
                if found and relative not in NOT_A_LOAD_PATH:
                    offenders[relative] = found
    assert offenders == {}, f"modules that import pickle: {offenders}"


def test_the_check_sees_an_import():
    import tempfile
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write("def load(path):\n    import pickle\n    return pickle.load(open(path, 'rb'))\n")
    try:
        assert _imports_pickle(f.name) == [2]
    finally:
        os.unlink(f.name)
