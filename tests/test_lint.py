"""The code passes ruff (settings in pyproject.toml): unused imports, undefined names,
import order and the like are caught before review."""

import re
import subprocess
import sys

from charity import ROOT


def test_ruff_is_clean():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "charity", "tests", "migrations"],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_templates_carry_no_inline_style():
    """The content security policy blocks inline styles: the browser drops them and logs an
    error, so a ``style=`` attribute in a template silently loses its effect."""
    offenders = [f"{path.relative_to(ROOT)}:{number}"
                 for path in sorted((ROOT / "templates").rglob("*.html"))
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
                 if re.search(r"\sstyle\s*=", line)]
    assert offenders == []
