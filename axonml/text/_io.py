"""File helpers shared by the text package: JSON reading with clear errors, atomic writes."""
from __future__ import annotations

import json
import os


def read_json(path: str | os.PathLike):
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{os.fspath(path)!r} is not a valid UTF-8 JSON file: {error}") from None
    except RecursionError:
        raise ValueError(f"{os.fspath(path)!r} nests JSON too deeply") from None


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` to a sibling temporary file and rename it over ``path``, so a crash leaves the old file."""
    path = os.fspath(path)
    temporary = f"{path}.tmp{os.getpid()}"
    try:
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)
