"""The code passes ruff (settings in pyproject.toml): unused imports, undefined names,
import order and the like are caught before review."""

import subprocess
import sys

from charity import ROOT


def test_ruff_is_clean():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "charity", "tests", "migrations"],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
