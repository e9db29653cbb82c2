"""Builds the extension module pgtruth._pgtruth with the project's CMake (the repository's root
is this directory's parent), for `pip install --no-build-isolation ./python`."""
import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent.parent


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL", str(os.cpu_count() or 1))
        # PGTRUTH_CMAKE_BUILD_DIR: a build tree already configured for this Python (the tests'
        # install check reuses the tree under test instead of compiling the library again).
        build = Path(os.environ.get("PGTRUTH_CMAKE_BUILD_DIR", Path(self.build_temp).resolve() / "cmake"))
        if "PGTRUTH_CMAKE_BUILD_DIR" not in os.environ:
            subprocess.run(["cmake", "-S", str(ROOT), "-B", str(build), "-DCMAKE_BUILD_TYPE=Release",
                            "-DPGTRUTH_BUILD_TESTS=OFF", "-DPGTRUTH_BUILD_TOOLS=OFF", "-DPGTRUTH_BUILD_PYTHON=ON",
                            f"-DPython3_EXECUTABLE={sys.executable}"], check=True)
        subprocess.run(["cmake", "--build", str(build), "--target", "_pgtruth", "--parallel", jobs], check=True)
        built = glob.glob(str(build / "python" / "pgtruth" / "_pgtruth*.so"))
        if len(built) != 1:
            raise RuntimeError(f"expected one built module in {build}/python/pgtruth, found {built}")
        target = Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(built[0], target)


setup(ext_modules=[Extension("pgtruth._pgtruth", sources=[])], cmdclass={"build_ext": CMakeBuild})
