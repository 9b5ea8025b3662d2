"""Seeded random number generation: manual_seed makes every random op reproducible."""
from __future__ import annotations

import numpy as np

__all__ = ["Generator", "manual_seed", "seed", "initial_seed", "get_rng_state", "set_rng_state", "default_generator"]


class Generator:
    """A random stream. The CPU draws from NumPy's PCG64; counter-based device kernels use
    ``seed`` and advance ``offset`` so that the same seed gives the same stream.
    """

    def __init__(self, device="cpu"):
        self.device = device
        self.manual_seed(np.random.SeedSequence().entropy % (2 ** 63))

    def manual_seed(self, seed: int) -> "Generator":
        seed = int(seed)
        self._seed = seed
        self.np = np.random.Generator(np.random.PCG64(seed & 0xFFFF_FFFF_FFFF_FFFF))
        self.offset = 0
        return self

    def seed(self) -> int:
        self.manual_seed(np.random.SeedSequence().entropy % (2 ** 63))
        return self._seed

    def initial_seed(self) -> int:
        return self._seed

    def next_offset(self, count: int) -> int:
        """Reserve count draws of the counter-based stream; returns where they start."""
        start = self.offset
        self.offset += int(count)
        return start

    def get_state(self) -> dict:
        return {"seed": self._seed, "offset": self.offset, "bit_generator": self.np.bit_generator.state}

    def set_state(self, state: dict) -> None:
        if not isinstance(state, dict) or "bit_generator" not in state:
            raise RuntimeError("set_state expects a state returned by Generator.get_state()")
        self._seed = int(state["seed"])
        self.offset = int(state["offset"])
        self.np = np.random.Generator(np.random.PCG64())
        self.np.bit_generator.state = state["bit_generator"]


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Seed the default generator (and so every random op that is not given its own)."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state() -> dict:
    return default_generator.get_state()


def set_rng_state(state: dict) -> None:
    default_generator.set_state(state)
