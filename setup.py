"""Build the Cython kernels and install the suite under the one import root ``uedtp``.

The folders csrc/, envs/, agents/, search/, eval/ and checkpoints/ stay at the top of the
checkout; uedtp/ holds a relative symlink to each, so every package is ``uedtp.<folder>...``
(extensions ``uedtp.csrc.<stem>``, their cimports ``from uedtp.csrc.<stem> cimport ...``) and the
wheel writes only ``uedtp/`` into site-packages. ``UEDTP_EXT=stem1,stem2 python setup.py
build_ext --inplace`` rebuilds only the named kernels (the .so lands in csrc/ through the link).
``UEDTP_REUSE_INPLACE=1`` (the wheel test) puts an in-place kernel csrc/<stem>.so into the build
instead of compiling it again when it is newer than every kernel source (.pyx, .pxd, its .c).
"""
import glob
import os
import sysconfig

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, find_packages, setup
from setuptools.command.build_ext import build_ext

OPENMP = ["-fopenmp"] if os.environ.get("UEDTP_NO_OPENMP") != "1" else []
FOLDERS = ("csrc", "envs", "agents", "search", "eval")


def _extension(pyx: str) -> Extension:
    name = "uedtp.csrc." + os.path.splitext(os.path.basename(pyx))[0]
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
    found = sorted(glob.glob("uedtp/csrc/*.pyx"))
    return [p for p in found if not only or os.path.splitext(os.path.basename(p))[0] in only]


def _reusable_inplace(ext: Extension) -> str | None:
    """The in-place build of ``ext`` in csrc/ if it is newer than every kernel source, else None."""
    stem = ext.name.rsplit(".", 1)[1]
    built = os.path.join("csrc", stem + sysconfig.get_config_var("EXT_SUFFIX"))
    if not os.path.isfile(built):
        return None
    sources = glob.glob("csrc/*.pyx") + glob.glob("csrc/*.pxd") + [os.path.join("csrc", stem + ".c")]
    newest = max(os.path.getmtime(f) for f in sources if os.path.exists(f))
    return built if os.path.getmtime(built) > newest else None


class BuildExt(build_ext):
    """``build_ext`` that, with UEDTP_REUSE_INPLACE=1, copies an up-to-date in-place kernel."""

    def build_extension(self, ext: Extension) -> None:
        built = _reusable_inplace(ext) if os.environ.get("UEDTP_REUSE_INPLACE") == "1" else None
        target = self.get_ext_fullpath(ext.name)
        if built is None or os.path.realpath(built) == os.path.realpath(target):
            super().build_extension(ext)
            return
        self.mkpath(os.path.dirname(target))
        self.copy_file(built, target)


setup(
    cmdclass={"build_ext": BuildExt},
    packages=["uedtp"] + find_packages(include=[f"uedtp.{f}" for f in FOLDERS]
                                       + [f"uedtp.{f}.*" for f in FOLDERS]),
    package_data={"uedtp.csrc": ["*.pxd", "*.pyx", "*.pyi"],
                  "uedtp": ["checkpoints/*.pt", "checkpoints/README.md"]},
    ext_modules=cythonize(
        [_extension(p) for p in _sources()],
        include_path=["."],
        compiler_directives={"language_level": "3", "boundscheck": False, "wraparound": False,
                             "cdivision": True, "initializedcheck": False},
    ),
    zip_safe=False,
)
