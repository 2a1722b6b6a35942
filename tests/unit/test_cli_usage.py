"""CLI behaviour that needs no SDK: usage errors, cross-OS refusal wording (generate-ci: test_ci.py)."""

from __future__ import annotations

import subprocess
import sys



def aotwheel(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "aotwheel", *args], capture_output=True, text=True, cwd=cwd)


def test_every_command_has_help():
    for command in ("build", "sdist", "package", "new", "init", "develop", "inspect", "doctor", "schema", "generate-ci"):
        result = aotwheel(command, "--help")
        assert result.returncode == 0, command
        assert "usage: aotwheel " + command in result.stdout


def test_usage_error_exits_2():
    assert aotwheel("frobnicate").returncode == 2


def test_inspect_of_a_missing_file_names_it(tmp_path):
    result = aotwheel("inspect", str(tmp_path / "nope.whl"))
    assert result.returncode == 1 and "nope.whl: no such file" in result.stderr


def test_sdist_of_a_missing_folder_names_it(tmp_path):
    result = aotwheel("sdist", str(tmp_path / "nope"), "-o", str(tmp_path / "dist"))
    assert result.returncode == 1 and result.stderr == f"error: {tmp_path / 'nope'}: not a directory\n"
    assert not (tmp_path / "dist").exists()


def test_output_levels(capsys):
    from aotwheel.log import Output

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
