"""Build axonml: Cython kernels in axonml/_ext and the OpenCL sources in opencl/."""
import glob
import os
import shutil

import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))

# Set once for every kernel (scikit-learn's way): the Python wrapper checks, the kernel trusts.
COMPILER_DIRECTIVES = {
    "language_level": "3",
    "boundscheck": False,
    "wraparound": False,
    "cdivision": True,
    "initializedcheck": False,
    "nonecheck": False,
    "embedsignature": True,
}
# -fno-trapping-math: no kernel reads the floating-point exception flags, and without it gcc will not
# vectorize loops whose selects it turns into branches (fast_math.h's exp among them). Values are unchanged.
# -mtune=native: the kernels are built on the machine that runs them (make installs from source), and tuning
# only schedules instructions, never choosing others (that would be -march); gemm_avx512.h's micro-kernel runs
# 5-10% faster on an AVX-512 core tuned for it than under the generic tuning.
COMPILE_ARGS = ["-O3", "-mtune=native", "-fopenmp", "-ffp-contract=fast", "-fno-trapping-math"]
LINK_ARGS = ["-fopenmp"]
# Per-module additions, placed after COMPILE_ARGS so they win. The GGML block kernels must round as
# ggml's reference code does, which a contracted multiply-add would not.
EXTRA_COMPILE_ARGS = {"axonml._ext._quant": ["-ffp-contract=off"]}


def extensions():
    modules = []
    for path in sorted(glob.glob(os.path.join("axonml", "_ext", "*.pyx"))):
        name = path[:-4].replace(os.sep, ".")
        modules.append(Extension(
            name, [path],
            include_dirs=[numpy.get_include()],
            define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
            extra_compile_args=COMPILE_ARGS + EXTRA_COMPILE_ARGS.get(name, []),
            extra_link_args=LINK_ARGS,
        ))
    return cythonize(modules, compiler_directives=COMPILER_DIRECTIVES, nthreads=os.cpu_count() or 1)


class BuildPyWithKernels(build_py):
    """Copy opencl/*.cl into the package as axonml/_opencl so an installed axonml finds them."""

    def run(self):
        super().run()
        target = os.path.join(self.build_lib, "axonml", "_opencl")
        os.makedirs(target, exist_ok=True)
        for source in glob.glob(os.path.join(HERE, "opencl", "*.cl")):
            shutil.copy2(source, target)


setup(ext_modules=extensions(), cmdclass={"build_py": BuildPyWithKernels},
      data_files=[("share/man/man1", sorted(glob.glob(os.path.join("man", "*.1"))))])  # man axonml, man axonml-train ...
