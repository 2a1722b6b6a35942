"""build.ps1, the Windows user's one command: its structure, read statically (so the Windows
PowerShell 5.1 rules are checked where only PowerShell 7 runs), and PowerShell's own parser. The real
runs are in tests/integration/test_build_ps1_run.py."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from support import pwsh_or_skip

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "build.ps1"

KEYWORDS = {
    "begin", "break", "catch", "continue", "do", "else", "elseif", "end", "exit", "filter",
    "finally", "for", "foreach", "function", "if", "param", "process", "return", "switch",
    "throw", "trap", "try", "until", "while",
}
PS7_ONLY = ["&&", "||", "??", "?.", "-AdditionalChildPath", "-Parallel", "$PSStyle"]


def code_lines(text: str) -> list[str]:
    """The script's lines with comment-based help and # comments blanked (line numbers kept)."""
    text = re.sub(r"<#.*?#>", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    lines = []
    for line in text.splitlines():
        # A # outside quotes starts a comment; the script has no # inside strings.
        stripped = re.sub(r"""('[^']*'|"[^"]*")|#.*""", lambda m: m.group(1) or "", line)
        lines.append(stripped.rstrip())
    return lines


def without_strings(segment: str) -> str:
    return re.sub(r"""'[^']*'|"[^"]*\"""", "''", segment)


def commands(lines: list[str], functions: set[str]) -> list[tuple[int, str, str]]:
    """(line index, kind, segment) for every statement in the script that runs a native command:
    the call operator `&`, or a bare word that is neither a keyword, a Verb-Noun cmdlet, a hashtable
    key, nor a function of the script."""
    found = []
    for index, line in enumerate(lines):
        for segment in re.split(r"[{};|]", without_strings(line)):
            segment = segment.strip()
            if not segment:
                continue
            if segment.startswith("&"):
                found.append((index, "call", segment))
                continue
            word = re.match(r"[A-Za-z][\w.-]*", segment)
            if word is None:  # a variable, [type], (expression), -operator continuation, ...
                continue
            if re.match(r"\w+\s*=", segment):  # a key of a @{ } hashtable
                continue
            name = word.group(0)
            if name.lower() in KEYWORDS or re.fullmatch(r"[A-Z][A-Za-z]+-[A-Z][A-Za-z]+", name) or name in functions:
                continue
            found.append((index, "bare", segment))
    return found


@pytest.fixture(scope="module")
def text() -> str:
    return SCRIPT.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def lines(text: str) -> list[str]:
    return code_lines(text)


@pytest.fixture(scope="module")
def functions(lines: list[str]) -> set[str]:
    return {m.group(1) for line in lines if (m := re.match(r"\s*function\s+([\w-]+)", line))}


def test_is_ascii_so_windows_powershell_reads_it_right(text: str) -> None:
    # Windows PowerShell 5.1 reads a BOM-less script in the ANSI code page.
    assert text.isascii()


def test_parameters_and_defaults(lines: list[str]) -> None:
    code = "\n".join(lines)
    param = re.search(r"^param\((.*?)^\)", code, flags=re.S | re.M)
    assert param, "no script-level param() block"
    declared = dict(re.findall(r"\[string\]\$(\w+)\s*=\s*'([^']*)'", param.group(1)))
    assert declared == {"Project": "csharp_src/samples/PocExports", "Out": "dist", "Venv": ".venv", "Python": ""}
    assert (REPO / declared["Project"]).is_dir()
    assert re.findall(r"\[switch\]\$(\w+)", param.group(1)) == ["NoIndex"]


def test_stops_on_errors_before_doing_anything(lines: list[str], functions: set[str]) -> None:
    code = [line.strip() for line in lines]
    stop = code.index("$ErrorActionPreference = 'Stop'")
    assert "Set-StrictMode -Version Latest" in code
    first_command = min(index for index, _, _ in commands(lines, functions))
    assert stop < first_command


def test_every_native_command_is_followed_by_an_exit_code_check(lines: list[str], functions: set[str]) -> None:
    found = commands(lines, functions)
    assert found, "the script runs no native command at all?"
    # The only direct native calls are the two inside Invoke-Native (a probe's output discarded, or
    # not): no bare `py ...`, `aotwheel ...`.
    assert [kind for _, kind, _ in found] == ["call", "call"], found
    assert len({index for index, _, _ in found}) == 1, found
    for index, _, segment in found:
        following = lines[index + 1 : index + 6]
        check = next((i for i, line in enumerate(following) if "$LASTEXITCODE" in line), None)
        assert check is not None, f"line {index + 1} ({segment}) is not followed by a $LASTEXITCODE check"
        between = following[:check]
        assert not any(line.strip().startswith("&") for line in between)
        assert re.search(r"\$LASTEXITCODE\s+-ne\s+0", following[check])
        assert "throw" in " ".join(following[check : check + 2])


def test_native_commands_all_go_through_the_checking_helper(lines: list[str]) -> None:
    code = "\n".join(lines)
    helper = re.search(r"function Invoke-Native \{(.*?)^\}", code, flags=re.S | re.M)
    assert helper, "no Invoke-Native helper"
    body = helper.group(1)
    assert "& $Exe @Arguments" in body
    assert body.index("& $Exe @Arguments") < body.index("$LASTEXITCODE")
    # A failure stops the script unless the call is a probe, whose answer is its exit code.
    assert "if ($LASTEXITCODE -ne 0 -and -not $Probe) {" in body
    assert "if ($Probe) { return ($LASTEXITCODE -eq 0) }" in body
    # Nothing native is started any other way: every use of an executable is an Invoke-Native call.
    for exe in ("'py'", "'python3'", "'python'", "$Base.Exe", "$VenvPython", "$TryPython"):
        for line in lines:
            if exe in line and re.search(rf"{re.escape(exe)}\s+[@(]", line):
                assert line.strip().startswith("Invoke-Native"), line


def test_the_steps(lines: list[str]) -> None:
    calls = [line.strip() for line in lines if line.strip().startswith("Invoke-Native ")]
    joined = "\n".join(calls)
    code = "\n".join(lines)
    # The Python that makes the venv: -Python, else py -3 on Windows (python as a fallback), python3.
    assert "if ($Python) { return @{ Exe = $Python; Prefix = @() } }" in code
    assert "return @{ Exe = 'py'; Prefix = @('-3') }" in code
    assert "return @{ Exe = 'python3'; Prefix = @() }" in code
    # Is there an index: pip is asked, briefly, for setuptools (what an isolated build fetches).
    probe = "$Arguments = $Interpreter.Prefix + @('-m', 'pip', 'index', 'versions', 'setuptools', '--retries', '0', '--timeout', '10')"
    assert probe in [line.strip() for line in lines]
    assert "return Invoke-Native $Interpreter.Exe $Arguments -Probe" in code
    assert "$UseIndex = -not $NoIndex" in code
    # The venv, seeing the base Python's packages when there is no index.
    assert "if (-not $UseIndex) { $VenvArguments += '--system-site-packages' }" in code
    create = "Invoke-Native $Base.Exe ($Base.Prefix + $VenvArguments + @($Venv))"
    online = "Invoke-Native $VenvPython @('-m', 'pip', 'install', '-e', $RepoRoot)"
    offline = "Invoke-Native $VenvPython @('-m', 'pip', 'install', '--no-index', '--no-build-isolation', '-e', $RepoRoot)"
    build = "Invoke-Native (Get-VenvScript $Venv 'aotwheel') @('build', $Project, '-o', $Out)"
    assert {create, online, offline, build} <= set(calls)
    # A clean venv under <Out>/.try-venv, the wheel installed offline.
    assert "$TryVenv = Join-Path $Out '.try-venv'" in code
    assert re.search(r"Remove-Item -LiteralPath \$TryVenv -Recurse -Force", code)
    assert "Invoke-Native $VenvPython @('-m', 'venv', $TryVenv)" in calls
    assert "'--no-index', '--find-links', $Out" in joined
    # The smoke call, only for the default sample.
    smoke = """Invoke-Native $TryPython @('-c', "import aotsample_poc as m; print('add(2, 3) =', m.add(2, 3))")"""
    assert smoke in calls
    smoke_line = next(i for i, line in enumerate(lines) if line.strip() == smoke)
    assert lines[smoke_line - 1].strip() == "if ($IsDefaultSample) {"
    # Order: probe, venv, install aotwheel, build, clean venv, install the wheel, smoke.
    stripped = [line.strip() for line in lines]
    order = [
        next(i for i, line in enumerate(stripped) if line.startswith("if ($HaveVenv) { $UseIndex = Test-PackageIndex")),
        stripped.index(create),
        stripped.index(online),
        stripped.index(offline),
        stripped.index(build),
        stripped.index("Invoke-Native $VenvPython @('-m', 'venv', $TryVenv)"),
        next(i for i, line in enumerate(stripped) if "'--no-index', '--find-links', $Out" in line),
        stripped.index(smoke),
    ]
    assert order == sorted(order)


def test_runs_on_windows_powershell_and_powershell_7(lines: list[str]) -> None:
    code = "\n".join(lines)
    for token in PS7_ONLY:
        assert token not in without_strings(code), f"{token} does not exist in Windows PowerShell 5.1"
    # $IsWindows is undefined in 5.1 (an error under StrictMode): only read on the non-Desktop branch.
    uses = [line for line in lines if "$IsWindows" in line]
    assert uses and all("PSEdition" in line and "else" in line for line in uses), uses
    # Venv layout: Scripts\python.exe on Windows, bin/python elsewhere, joined with Join-Path
    # (two arguments each: 5.1's Join-Path has no -AdditionalChildPath).
    assert "Join-Path (Join-Path $VenvDir 'Scripts') 'python.exe'" in code
    assert "Join-Path (Join-Path $VenvDir 'bin') 'python'" in code
    assert not re.search(r"Scripts[\\/]|[\\/]Scripts|bin[\\/]|[\\/]bin\b", code)


def test_parses_with_powershell() -> None:
    command = (
        "$errors = $null; "
        f"$null = [System.Management.Automation.Language.Parser]::ParseFile('{SCRIPT}', [ref]$null, [ref]$errors); "
        "$errors | ForEach-Object { $_.ToString() } | ConvertTo-Json -AsArray"
    )
    done = subprocess.run([pwsh_or_skip(), "-NoProfile", "-NonInteractive", "-Command", command], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout or "[]") == []
