"""The project's frame: the README example runs, CI runs the README command, layers stay pure."""

import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", README, re.S | re.M)
    assert match, f"README has no section {title!r}"
    return match.group(1)


def test_readme_python_example_runs(capsys):
    blocks = re.findall(r"```python\n(.*?)```", _section("Use the layers from Python"), re.S)
    assert len(blocks) == 1
    exec(compile(blocks[0], "README.md", "exec"), {"__name__": "readme_example"})
    printed = capsys.readouterr().out
    assert "torch.Size([2, 7, 8]) torch.Size([2, 7, 8])" in printed
    assert "'kernel': (16, 32), 'recurrent_kernel': (8, 32), 'bias': (32,)" in printed


def test_ci_runs_the_readme_test_command():
    commands = re.findall(r"```bash\n(.*?)\n```", _section("Quick start"), re.S)
    assert commands == [
        "pip install -r requirements.txt && streamlit run app.py",
        "pip install -r requirements-dev.txt && python -m pytest",
    ]
    assert commands[1] in (ROOT / ".ci" / "run").read_text().splitlines()


def test_torch_is_pinned_exactly():
    requirements = (ROOT / "requirements.txt").read_text().splitlines()
    torch_lines = [line for line in requirements if line.startswith("torch")]
    assert torch_lines == ["torch==2.13.0"]


def test_importing_layers_loads_neither_streamlit_nor_plotly():
    code = (
        "import sys, layers; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('streamlit', 'plotly')); "
        "print(bad)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


RANDOM_CALLS = {
    "rand",
    "randn",
    "randint",
    "randperm",
    "bernoulli",
    "multinomial",
    "normal",
    "uniform_",
    "normal_",
    "random_",
    "bernoulli_",
    "exponential_",
}


def test_layers_draw_randomness_only_from_explicit_generators():
    for path in (ROOT / "layers").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            name = node.func.attr
            where = f"{path.name}:{node.lineno}"
            assert not (name == "manual_seed" and ast.unparse(node.func.value) == "torch"), where
            if name in RANDOM_CALLS:
                assert any(k.arg == "generator" for k in node.keywords), f"{where} {name}()"


def test_ruff_is_clean():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "."], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


# DESIGN.md §3: dependencies point one way, views → lessons → ui, viz, layers.
MAY_IMPORT = {
    "layers": set(),
    "viz": set(),
    "ui": {"layers", "viz"},
    "lessons": {"ui", "layers", "viz"},
    "views": {"lessons", "ui", "layers", "viz"},
}


def _project_imports(path: Path) -> set[str]:
    """The project folders a module imports from (absolute imports only: relative ones stay
    inside the module's own package)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names & set(MAY_IMPORT)


def test_folders_import_only_in_the_direction_design_allows():
    for folder, allowed in MAY_IMPORT.items():
        for path in (ROOT / folder).rglob("*.py"):
            wrong = _project_imports(path) - allowed - {folder}
            assert not wrong, f"{path.relative_to(ROOT)} imports {sorted(wrong)}"


def test_every_page_body_lives_in_a_lesson_package():
    # ui/ keeps what two or more pages share; a page's sections live in lessons/<page>/.
    assert not list((ROOT / "ui").glob("lab*.py"))
    for view in (ROOT / "views").glob("*.py"):
        assert len(view.read_text(encoding="utf-8").splitlines()) <= 100, view.name
