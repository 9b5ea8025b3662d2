"""Cython kernels (compiled from the .pyx files here).

OpenMP's idle threads wait passively unless the user says otherwise: an actively spinning pool
takes the cores from BLAS, from the DataLoader's workers and from any other OpenMP runtime in
the process (PyTorch's, in a benchmark), which made kernels up to 10x slower on busy machines.
The setting must be in place before the first extension loads the OpenMP runtime.
"""
import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
