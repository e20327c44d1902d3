"""The architecture: Lamina's modules form layers, and every import points down (or sideways, without cycles).

The imports are read from the source with ``ast`` (inside functions too), so a new upward import, or a
cycle hidden in a function body, fails here. CONTRIBUTING.md explains the layers.
"""
import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "lamina"

# Lowest first; a module may import from its own layer and the layers below it.
LAYERS = [
    # the array library, the random generators, exception types, devices (the seam of the GPU backend)
    ("backend", "dtypes", "random", "errors", "device", "cuda", "accelerator", "backends"),
    ("kernels",),                                      # tuned array routines: arrays only
    ("autograd",),                                     # Function, the backward engine, grad modes
    ("tensor",),                                       # Tensor
    ("ops", "functional", "creation", "gradcheck", "io", "io_safetensors"),
    ("nn",),
    ("optim", "data", "datasets"),
    ("train", "models", "distributed", "utils", "onnx"),
    ("explain", "viz", "playground", "interpret", "adversarial"),
    ("lamina",),                                       # the package's public API (lamina/__init__.py)
    ("course", "cli"),                                 # programs that use the library as users do
]
RANK = {part: rank for rank, parts in enumerate(LAYERS) for part in parts}


def module_name(path: Path, package: Path = PACKAGE) -> str:
    parts = list(path.relative_to(package.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_module(name: str, package: Path = PACKAGE) -> bool:
    path = package.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def imported_modules(path: Path, root: Path = PACKAGE) -> set:
    """Every lamina module that ``path`` imports, at module level or inside functions."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.split(".")[0] == "lamina")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            elif node.module and node.module.split(".")[0] == "lamina":
                source = node.module
            else:
                continue
            for alias in node.names:  # ``from lamina import nn`` imports the module lamina.nn
                found.add(f"{source}.{alias.name}" if is_module(f"{source}.{alias.name}", root) else source)
    found.discard(name)
    return found


def layer(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else "lamina"


def import_graph(root: Path = PACKAGE) -> dict:
    return {module_name(p, root): imported_modules(p, root) for p in sorted(root.rglob("*.py"))}


GRAPH = import_graph()


def test_every_package_of_lamina_has_a_layer():
    assert {layer(name) for name in GRAPH} <= set(RANK), "add the new package to LAYERS (and CONTRIBUTING.md)"


@pytest.mark.parametrize("name", sorted(GRAPH))
def test_imports_point_down(name):
    upward = sorted(target for target in GRAPH[name] if RANK[layer(target)] > RANK[layer(name)])
    assert not upward, f"{name} (layer '{layer(name)}') imports from higher layers: {upward}"


def test_no_import_cycles():
    """Depth-first search for a module that (through its imports) imports itself."""
    state, stack = {}, []

    def visit(name):
        state[name] = "open"
        stack.append(name)
        for target in sorted(GRAPH.get(name, ())):
            if state.get(target) == "open":
                cycle = stack[stack.index(target):] + [target]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if target not in state:
                visit(target)
        stack.pop()
        state[name] = "done"

    for name in sorted(GRAPH):
        if name not in state:
            visit(name)


def test_the_check_sees_upward_and_function_level_imports(tmp_path):
    """The reader itself: an import inside a function and ``from .. import x`` are both found."""
    fake = tmp_path / "lamina"
    (fake / "nn").mkdir(parents=True)
    (fake / "train").mkdir()
    (fake / "__init__.py").write_text("")
    (fake / "train" / "__init__.py").write_text("")
    (fake / "train" / "summary.py").write_text("")
    (fake / "nn" / "__init__.py").write_text("")
    (fake / "nn" / "module.py").write_text("def summary():\n    from ..train import summary\n")
    found = imported_modules(fake / "nn" / "module.py", fake)
    assert found == {"lamina.train.summary"}
    assert RANK[layer("lamina.train.summary")] > RANK[layer("lamina.nn.module")]
