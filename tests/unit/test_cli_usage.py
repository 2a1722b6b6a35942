"""CLI behaviour that needs no SDK: usage errors, generate-ci wiring, cross-OS refusal wording."""

from __future__ import annotations

import subprocess
import sys

import yaml


def aotwheel(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "aotwheel", *args], capture_output=True, text=True, cwd=cwd)


def test_every_command_has_help():
    for command in ("build", "package", "new", "develop", "inspect", "doctor", "generate-ci"):
        result = aotwheel(command, "--help")
        assert result.returncode == 0, command
        assert "usage: aotwheel " + command in result.stdout


def test_usage_error_exits_2():
    assert aotwheel("frobnicate").returncode == 2


def test_generate_ci_writes_a_parseable_workflow_and_refuses_to_overwrite(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    project = tmp_path / "lib"
    project.mkdir()
    first = aotwheel("generate-ci", "github", str(project))
    assert first.returncode == 0, first.stderr
    workflow = tmp_path / ".github" / "workflows" / "aotwheel.yml"
    assert yaml.safe_load(workflow.read_text())["jobs"]
    again = aotwheel("generate-ci", "github", str(project))
    assert again.returncode == 1 and "already exists" in again.stderr
    assert aotwheel("generate-ci", "azure", str(project)).returncode == 0
    assert (tmp_path / "azure-pipelines.yml").is_file()
    unknown = aotwheel("generate-ci", "jenkins", str(project))
    assert unknown.returncode == 1 and "github" in unknown.stderr


def test_inspect_of_a_missing_file_names_it(tmp_path):
    result = aotwheel("inspect", str(tmp_path / "nope.whl"))
    assert result.returncode == 1 and "nope.whl: no such file" in result.stderr


def test_output_levels(capsys):
    from aotwheel.cli import Output

    lines = ["$ dotnet publish x", "  dotnet | Restored", "warning: fell back", "Built wheel: w.whl"]
    for quiet, verbose, expected in [
        (False, False, lines[1:]),
        (False, True, lines),
        (True, False, ["warning: fell back"]),
    ]:
        log = Output(quiet, verbose)
        for line in lines:
            log(line)
        assert capsys.readouterr().out.splitlines() == expected
