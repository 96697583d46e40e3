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
    "charity": {"charity.fund.views", "charity.fund.views_books", "charity.fund.ledger"},
    "charity.cli": {"charity.fund.cli"},
    "charity.demo": {"charity.fund.demo"},
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package_of(module: str) -> str:
    """``charity.grants.tranches`` -> ``charity.grants``; a core module (``charity.forms``)
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
    ("charity/grants/tranches.py", "def f():\n    from charity.fund.models import JournalEntry\n",
     ["imports charity.fund.models;"]),
    ("charity/points/models.py", "import charity.fund.ledger\n", ["imports charity.fund.ledger;"]),
    ("charity/grants/tranches.py", "from charity.fund import ledger as fund\n", ["imports charity.fund.ledger;"]),
    ("charity/projects/models.py", "from charity.teams.models import _enum\n", ["the private _enum"]),
    ("charity/grants/tranches.py", "from charity.fund import api\nfrom charity.fund.api import Line\n", []),
    ("charity/grants/tranches.py", "from charity.grants.workflow import _x\n", []),
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


# -- which package may import which (docs/architecture.md, "Packages") ------------------------

FOUNDATION = {"accounts", "audit"}
PROGRAMME = {"partners", "needs", "teams", "projects"}
#: Domain package -> the other domain packages it may import (core modules and
#: charity.reports are open to all). The fund reads project counts for its statement note.
ALLOWED = {
    "accounts": {"audit"},
    "audit": {"accounts"},
    "main": FOUNDATION,
    **{name: FOUNDATION | (PROGRAMME - {name}) for name in PROGRAMME},
    "fund": FOUNDATION | {"projects"},
    "grants": FOUNDATION | PROGRAMME | {"fund"},
    "points": FOUNDATION | PROGRAMME | {"fund"},
}
#: Core modules that wire every domain into the app: the factory, commands, demo data.
WIRING = {"charity", "charity.cli", "charity.demo"}


def domain_of(module: str):
    parts = module.split(".")
    if len(parts) >= 2 and (CHARITY / parts[1]).is_dir() and parts[1] not in ("reports", "fonts"):
        return parts[1]
    return None


def layering_problems(path: Path, source: str | None = None):
    module = module_name(path)
    own = domain_of(module)
    if module in WIRING:
        return []
    source = path.read_text(encoding="utf-8") if source is None else source
    allowed = ALLOWED.get(own, FOUNDATION) if own else FOUNDATION
    return [f"{path.relative_to(ROOT)}:{line} ({own or 'core'}) imports {target}"
            for line, target, _ in imports(source, module, is_package=path.name == "__init__.py")
            if domain_of(target) not in (None, own) and domain_of(target) not in allowed]


def test_packages_import_only_what_the_architecture_allows():
    found = [problem for path in source_files() for problem in layering_problems(path)]
    assert found == []


@pytest.mark.parametrize(("path", "source", "ok"), [
    ("charity/fund/services.py", "from charity.grants.models import Grant\n", False),
    ("charity/partners/services.py", "from charity.points import ledger\n", False),
    ("charity/accounts/services.py", "from charity.teams.models import Volunteer\n", False),
    ("charity/forms.py", "from charity.needs.models import Need\n", False),
    ("charity/grants/award.py", "from charity.fund import api\n", True),
    ("charity/teams/services.py", "from charity.projects.models import Activity\n", True),
    ("charity/cli.py", "from charity.points import cli\n", True),
])
def test_the_layering_checker(path, source, ok):
    assert (layering_problems(ROOT / path, source) == []) is ok


# -- function-local imports ------------------------------------------------------------------


def local_imports_without_reason(path: Path, source: str | None = None):
    """Imports inside a function with no ``# cycle:`` comment naming the import cycle that
    keeps them there, on their line or heading their run of import lines. The app factory
    (``charity/__init__.py``) is exempt: it imports the domains inside ``create_app`` on
    purpose, since every module imports the package ``charity`` first."""
    if module_name(path) == "charity":
        return []
    source = path.read_text(encoding="utf-8") if source is None else source
    lines = source.splitlines()
    found = []
    for fn in ast.walk(ast.parse(source)):
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(fn):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                first = node.lineno - 1
                while first > 0 and lines[first - 1].strip().startswith(("from ", "import ", "#")):
                    first -= 1
                if "# cycle:" not in " ".join(lines[first:node.end_lineno]):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return sorted(set(found))


def test_function_local_imports_name_their_cycle():
    found = [problem for path in source_files() for problem in local_imports_without_reason(path)]
    assert found == []


@pytest.mark.parametrize(("source", "ok"), [
    ("def f():\n    import json\n", False),
    ("def f():\n    # cycle: a -> b -> a\n    from charity import a\n    from charity import b\n", True),
    ("def f():\n    from charity import a  # cycle: a -> b -> a\n", True),
    ("def f():\n    x = 1  # cycle: no\n    from charity import a\n", False),
])
def test_the_local_import_checker(source, ok):
    assert (local_imports_without_reason(ROOT / "charity/needs/views.py", source) == []) is ok


# -- services take the actor and the community as arguments ----------------------------------

#: Request-scoped modules of a domain: its views (``views*.py``, ``public.py``) and its
#: "who may see what" helpers (``access.py``).
REQUEST_MODULES = ("public", "access")


def reads_the_request(source: str):
    """Lines importing ``current_user`` or ``flask.g`` (the signed-in user, the community)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module in ("flask", "flask_login"):
            if any(alias.name in ("g", "current_user") for alias in node.names):
                found.append(node.lineno)
    return found


def test_services_never_read_the_signed_in_user_or_g():
    found = [f"{path.relative_to(ROOT)}:{line}"
             for path in source_files()
             if domain_of(module_name(path)) and path.stem not in REQUEST_MODULES
             and not path.stem.startswith("views")
             for line in reads_the_request(path.read_text(encoding="utf-8"))]
    assert found == []


def test_the_request_reader_checker():
    assert reads_the_request("from flask import g, request\n") == [1]
    assert reads_the_request("from flask_login import current_user\n") == [1]
    assert reads_the_request("from flask import request\nfor g in x:\n    pass\n") == []
