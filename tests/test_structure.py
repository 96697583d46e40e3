"""The package boundaries, read from the source with ``ast`` (nothing is imported).

* No module imports a private name (``_x``) of another package: what one domain offers
  another it names as public.
* Outside ``charity/fund/`` the fund is reached only through ``charity.fund.api``; the app
  factory, the command line and the demo wire in the fund's blueprint, commands and demo.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHARITY = ROOT / "charity"

#: Fund modules that others may import: the public API.
FUND_PUBLIC = {"charity.fund.api"}
#: The wiring of the app (blueprint, commands, demo data): core module -> fund modules.
FUND_WIRING = {
    "charity": {"charity.fund.views", "charity.fund.ledger"},
    "charity.cli": {"charity.fund.cli"},
    "charity.demo": {"charity.fund.demo"},
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package_of(module: str) -> str:
    """``charity.grants.award`` -> ``charity.grants``; a core module (``charity.forms``)
    is a package of its own."""
    parts = module.split(".")
    if len(parts) >= 2 and (CHARITY / parts[1]).is_dir():
        return ".".join(parts[:2])
    return module


def is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def is_module(dotted: str) -> bool:
    path = ROOT.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def imports(source: str, module: str, *, is_package: bool = False):
    """``(line, target module, imported name or None)`` for every import of ``charity``,
    function-local ones included. ``from charity.fund import api`` gives the module
    ``charity.fund.api``."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "charity":
                    yield node.lineno, alias.name, None
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor[:len(anchor) - node.level + (1 if is_package else 0)]
                base = ".".join(anchor + ([base] if base else []))
            if base.split(".")[0] != "charity":
                continue
            for alias in node.names:
                if is_module(f"{base}.{alias.name}"):
                    yield node.lineno, f"{base}.{alias.name}", None
                else:
                    yield node.lineno, base, alias.name


def problems(path: Path, source: str | None = None):
    module = module_name(path)
    own = package_of(module)
    source = path.read_text(encoding="utf-8") if source is None else source
    found = []
    for line, target, name in imports(source, module, is_package=path.name == "__init__.py"):
        where = f"{path.relative_to(ROOT)}:{line}"
        if package_of(target) != own:
            private = [p for p in target.split(".") if is_private(p)] + ([name] if name and is_private(name) else [])
            if private:
                found.append(f"{where} imports the private {', '.join(private)} of {target}")
        if target.startswith("charity.fund") and own != "charity.fund":
            if target == "charity.fund" and name is None:
                found.append(f"{where} imports the fund package; use charity.fund.api")
            elif target != "charity.fund" and target not in FUND_PUBLIC | FUND_WIRING.get(module, set()):
                found.append(f"{where} imports {target}; outside the fund use charity.fund.api")
            elif target == "charity.fund" and name is not None:
                found.append(f"{where} imports {name} from charity.fund; use charity.fund.api")
    return found


def source_files():
    return sorted(p for p in CHARITY.rglob("*.py") if "translations" not in p.parts)


def test_no_private_imports_across_packages_and_the_fund_only_through_its_api():
    found = [problem for path in source_files() for problem in problems(path)]
    assert found == []


@pytest.mark.parametrize(("path", "source", "expected"), [
    ("charity/grants/pdf_award.py", "from charity.fund.pdf import _table\n",
     ["the private _table of charity.fund.pdf", "imports charity.fund.pdf;"]),
    ("charity/grants/award.py", "def f():\n    from charity.fund.models import JournalEntry\n",
     ["imports charity.fund.models;"]),
    ("charity/points/models.py", "import charity.fund.ledger\n", ["imports charity.fund.ledger;"]),
    ("charity/grants/award.py", "from charity.fund import ledger as fund\n", ["imports charity.fund.ledger;"]),
    ("charity/projects/models.py", "from charity.teams.models import _enum\n", ["the private _enum"]),
    ("charity/grants/award.py", "from charity.fund import api\nfrom charity.fund.api import Line\n", []),
    ("charity/grants/award.py", "from charity.grants.workflow import _x\n", []),
    ("charity/main/views.py", "from charity import __version__\n", []),
    ("charity/__init__.py", "from charity.fund.views import bp\n", []),
    ("charity/needs/views.py", "from charity.fund.views import bp\n", ["imports charity.fund.views;"]),
])
def test_the_checker_finds_what_it_should(path, source, expected):
    """The rule itself, on small examples: a checker that finds nothing passes anything."""
    found = problems(ROOT / path, source)
    if not expected:
        assert found == []
    for text in expected:
        assert any(text in problem for problem in found), (text, found)
