"""Build hook: the wheel carries the top-level migrations/ folder as the package's `mymovielist/migrations`.

Everything else about the build is in pyproject.toml. The repository keeps migrations/ beside the
package (where `flask db revision` writes them); create_app looks inside the package first and
beside it second, so an installed wheel and an editable checkout both find them.
"""

from __future__ import annotations

import os

from setuptools import setup
from setuptools.command.build_py import build_py

MIGRATIONS = "migrations"


class BuildPyWithMigrations(build_py):
    """build_py that also copies migrations/ (Alembic scripts are data, not importable modules)."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install reads migrations/ from the checkout itself
            return
        target = os.path.join(self.build_lib, "mymovielist", MIGRATIONS)
        for folder, dirs, files in os.walk(MIGRATIONS):
            dirs[:] = [d for d in dirs if d != "__pycache__"]
            for name in files:
                if name.endswith((".pyc", ".pyo")):
                    continue
                source = os.path.join(folder, name)
                destination = os.path.join(target, os.path.relpath(source, MIGRATIONS))
                self.mkpath(os.path.dirname(destination))
                self.copy_file(source, destination)


setup(cmdclass={"build_py": BuildPyWithMigrations})
