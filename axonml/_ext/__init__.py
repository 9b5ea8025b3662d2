"""Cython kernels (compiled from the .pyx files here)."""
