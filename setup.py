"""Build the Cython kernels in csrc/ and install the packages envs, agents, search, eval."""
import glob
import os

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, find_packages, setup

OPENMP = ["-fopenmp"] if os.environ.get("UEDTP_NO_OPENMP") != "1" else []


def _extension(pyx: str) -> Extension:
    name = "csrc." + os.path.splitext(os.path.basename(pyx))[0]
    return Extension(
        name,
        [pyx],
        include_dirs=[np.get_include(), "csrc"],
        extra_compile_args=["-O3", *OPENMP],
        extra_link_args=OPENMP,
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
    )


def _sources() -> list[str]:
    """All kernels, or only those named in UEDTP_EXT (comma-separated stems) for quick rebuilds."""
    only = {x.strip() for x in os.environ.get("UEDTP_EXT", "").split(",") if x.strip()}
    found = sorted(glob.glob("csrc/*.pyx"))
    return [p for p in found if not only or os.path.splitext(os.path.basename(p))[0] in only]


setup(
    packages=find_packages(include=["csrc", "envs*", "agents*", "search*", "eval*"]),
    package_data={"csrc": ["*.pxd", "*.pyx", "*.pyi"]},
    ext_modules=cythonize(
        [_extension(p) for p in _sources()],
        compiler_directives={"language_level": "3", "boundscheck": False, "wraparound": False,
                             "cdivision": True, "initializedcheck": False},
    ),
    zip_safe=False,
)
