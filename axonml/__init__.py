"""axonml: a PyTorch-equivalent deep-learning framework (Cython on the CPU, OpenCL on GPUs)."""
import importlib as _importlib
import sys as _sys

__version__ = "0.1.0"


def _import_framework() -> None:
    """Bind the framework's names (axonml._namespace: Tensor, the ops, nn, optim ...) on this package."""
    if "__all__" in globals():
        return
    namespace = _importlib.import_module("axonml._namespace")
    globals().update({name: value for name, value in vars(namespace).items() if not name.startswith("__")})
    globals()["__all__"] = namespace.__all__


def __getattr__(name: str):
    # While axonml._namespace runs, the modules it imports read the names it has bound so far (`from .. import
    # no_grad`), as they would from a package __init__ that binds them one by one.
    namespace = _sys.modules.get("axonml._namespace")
    if namespace is None:
        if name.startswith("__") and name != "__all__":
            raise AttributeError(name)
        _import_framework()
        return globals()[name] if name in globals() else __getattr__(name)
    try:
        return getattr(namespace, name)
    except AttributeError:
        raise AttributeError(f"module 'axonml' has no attribute {name!r}") from None


def _running_as_command() -> bool:
    """Whether `python -m axonml ...` is importing this package now (runpy still has '-m' in argv[0]).
    Then the command line is parsed first (`--help`, `--version` and usage errors answer without the
    framework) and axonml.cli imports the framework before it runs a command."""
    argv = getattr(_sys, "orig_argv", [])
    if _sys.argv[:1] != ["-m"]:
        return False
    for index, word in enumerate(argv[1:], 1):
        if word == "-m":
            return argv[index + 1:index + 2] == ["axonml"]
        if word.startswith("-m"):
            return word == "-maxonml"
    return False


if not _running_as_command():
    _import_framework()
