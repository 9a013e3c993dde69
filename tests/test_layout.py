"""The package layout the README describes: small files and a clean stack of packages.

Every import of a ``lti_tool`` module is read from the source (in functions too; imports only
for type checking are left out, they never run), mapped to its top-level unit (a package such
as ``mentoring`` or a module such as ``audit``), and checked against the order below: a unit
may import only units listed before it. The order is the README's "Layout" section.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "lti_tool"

#: Low to high. Shared modules first (they import no domain), then each domain above the ones
#: it uses; the application factory (``lti_tool/__init__.py``) assembles them all.
ORDER = (
    # shared pieces, no domain
    "config",
    "extensions",
    "database",
    "pagination",
    "models_base",
    "i18n",
    "http",
    "refusals",
    "text",
    "soft_cache",
    "urls",
    "storage",
    "wording",
    "forms",
    "outbox",
    # records of platforms, people and the audit trail
    "platforms",
    "people",
    "audit",
    # request plumbing: session, view guards, error pages
    "core",
    # domains, each above what it uses
    "lti",
    "programme",
    "gradebook",
    "notifications",
    "monitoring",
    "mentors",
    "questionnaires",
    "evaluation",
    "mentoring",
    "concerns",
    "staff",
    "admin",
    "reflection",
    "privacy",
    "designation",
    "jobs",
    "ratelimits",
    "demo",
    "home",
)

MAX_LINES = 500


def _unit(module: str) -> str | None:
    parts = module.removesuffix(".__init__").split(".")
    if parts[0] != "lti_tool":
        return None
    return parts[1] if len(parts) > 1 else "lti_tool"


def _type_checking_only(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and (
        (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING")
        or (isinstance(node.test, ast.Attribute) and node.test.attr == "TYPE_CHECKING")
    )


def _imports(path: Path) -> list[tuple[int, str]]:
    """Every ``lti_tool`` module the file imports, with the line (type-checking blocks left out)."""
    relative = path.relative_to(PACKAGE.parent).with_suffix("")
    module_parts = list(relative.parts)
    package_parts = module_parts[:-1]  # a module's package, or the package of an __init__
    found: list[tuple[int, str]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _type_checking_only(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package_parts[: len(package_parts) - node.level + 1]
                if node.module:
                    found.append((node.lineno, ".".join([*base, node.module])))
                else:
                    found.extend((node.lineno, ".".join([*base, a.name])) for a in node.names)
            elif node.module:
                found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return found


def _sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_every_unit_has_a_place_in_the_order():
    units = {
        path.relative_to(PACKAGE).parts[0].removesuffix(".py")
        for path in _sources()
        if path.name != "__init__.py" or path.parent != PACKAGE
    }
    assert units - set(ORDER) == set(), "add the new package to ORDER and to the README"
    assert set(ORDER) - units == set(), "a package in ORDER no longer exists"


def test_no_unit_imports_one_above_it():
    rank = {unit: position for position, unit in enumerate(ORDER)}
    upward = []
    for path in _sources():
        source = _unit(".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts))
        if source == "lti_tool":  # the application factory assembles every package
            continue
        for line, module in _imports(path):
            target = _unit(module)
            if target in (None, source, "lti_tool"):
                continue
            if rank[target] > rank[source]:
                upward.append(f"{path.relative_to(PACKAGE.parent)}:{line} {source} -> {target}")
    assert upward == []


def test_readme_lists_the_same_order():
    readme = (PACKAGE.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("<!-- layout-order -->")[1].split("<!-- /layout-order -->")[0]
    listed = [
        name.strip("` ")
        for line in section.splitlines()
        if line.startswith("1. ")
        for name in line[3:].split(" — ")[0].split(",")
    ]
    assert tuple(listed) == ORDER


def test_no_file_is_over_the_limit():
    too_long = {
        str(path.relative_to(PACKAGE.parent)): lines
        for path in _sources()
        if (lines := path.read_text(encoding="utf-8").count("\n")) > MAX_LINES
    }
    assert too_long == {}, "split these by sub-domain"
