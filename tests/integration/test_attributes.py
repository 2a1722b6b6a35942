"""The attributes in every build: `aotwheel init --attributes` on an existing project, a user's own
copy of the attribute, and the clashes and unsafe code refused before anything compiles; with the
real SDK. (`aotwheel new` with a fresh clone: tests/integration/test_cli.py.)"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from support import REPO, call_json, forget_stale_attribute_package, git, make_venv, pip_install, run_aotwheel

from aotwheel.attributes import attribute_sources, nuget_version
from aotwheel.builder import ProjectBuilder
from aotwheel.errors import AotWheelError
from aotwheel.support_sources import SOURCE_SUFFIX
from aotwheel.targets import host_rid

pytestmark = pytest.mark.sdk

PRICING = REPO / "tests" / "projects" / "pricing" / "src" / "Contoso.Pricing"


def test_init_with_attributes_in_a_repository_then_both_builds_leave_git_clean(tmp_path):
    repo = tmp_path / "repo"
    project = repo / "Contoso.Pricing"
    shutil.copytree(PRICING, project)
    (repo / ".gitignore").write_text("[Bb]in/\n*.nupkg\n")  # as GitHub's VisualStudio.gitignore has them
    git(repo, "init", "-q")
    forget_stale_attribute_package()
    result = run_aotwheel("init", str(project), "--attributes")
    written = [line.removeprefix("Wrote ") for line in result.stdout.splitlines() if line.startswith("Wrote ")]
    feed = project / "nuget" / f"AotWheel.Attributes.{nuget_version()}.nupkg"
    assert written == [str(p) for p in (project / "pyproject.toml", project / "Contoso.Pricing.csproj", feed,
                                          project / "NuGet.config", project / ".gitignore")]
    assert (f'<PackageReference Include="AotWheel.Attributes" Version="{nuget_version()}" PrivateAssets="all" />'
            in (project / "Contoso.Pricing.csproj").read_text())
    # bin/ was ignored by the parent already; the feed is kept despite the parent's *.nupkg.
    assert (project / ".gitignore").read_text() == f"build/\ndist/\nobj/\n__pycache__/\n!/nuget/{feed.name}\n"

    plain = subprocess.run(["dotnet", "build", str(project), "-nologo"], capture_output=True, text=True)
    assert plain.returncode == 0, plain.stdout + plain.stderr  # the user's own bin/ and obj/
    built = run_aotwheel("build", str(project), "-o", str(project / "dist"))  # build/ and dist/
    assert "[PyExport] attributes from the AotWheel.Attributes package" in built.stdout
    assert (project / "bin").is_dir() and (project / "build").is_dir() and list((project / "dist").glob("*.whl"))
    listed = sorted(line.split("'")[1] for line in git(repo, "add", "-A", "-n").splitlines())
    assert listed == sorted([
        ".gitignore", "Contoso.Pricing/.gitignore", "Contoso.Pricing/Contoso.Pricing.csproj", "Contoso.Pricing/NuGet.config",
        f"Contoso.Pricing/nuget/{feed.name}", "Contoso.Pricing/Pricing.cs", "Contoso.Pricing/pyproject.toml",
    ])


def write_project(folder: Path, sources: dict[str, str], unsafe: bool = False) -> Path:
    folder.mkdir(parents=True)
    allow = "<AllowUnsafeBlocks>true</AllowUnsafeBlocks>" if unsafe else ""
    (folder / "Shop.csproj").write_text(
        '<Project Sdk="Microsoft.NET.Sdk">\n  <PropertyGroup><TargetFramework>net10.0</TargetFramework>'
        f"<Nullable>enable</Nullable>{allow}</PropertyGroup>\n</Project>\n"
    )
    for name, text in sources.items():
        (folder / name).write_text(text)
    return folder


BASKET = "namespace Shop;\n[AotWheel.PyExport]\npublic static class Basket { public static int Total(int a, int b) => a + b; }\n"


def test_a_users_own_copy_of_the_attribute_is_the_one_compiled(tmp_path):
    """The obvious fix a user tries, copying PyExportAttribute.cs into the project, gave CS0101 in
    aotwheel's build folder; now aotwheel adds no copy of its own, and `dotnet build` works too."""
    own = attribute_sources()["PyExportAttribute.cs"].decode()
    folder = write_project(tmp_path / "Shop", {"Basket.cs": BASKET, "PyExportAttribute.cs": own})
    plain = subprocess.run(["dotnet", "build", str(folder), "-nologo"], capture_output=True, text=True)
    assert plain.returncode == 0, plain.stdout
    log: list[str] = []
    built = ProjectBuilder(folder, build_dir=tmp_path / "build", log=log.append).build(tmp_path / "dist")
    assert [m.python_name for m in built[0].plan.members()] == ["total"]
    assert f"[PyExport] AotWheel.PyExportAttribute: the project's own, in {folder / 'PyExportAttribute.cs'}" in log
    compiled = sorted(p.name for p in (tmp_path / "build" / "pyexport" / host_rid() / "support").iterdir())
    assert "PyExportAttribute" + SOURCE_SUFFIX not in compiled and "ReleaseGilAttribute" + SOURCE_SUFFIX in compiled


@pytest.mark.parametrize("sources, unsafe, message", [
    ({"Basket.cs": BASKET, "Blob.cs": "namespace AotWheel.Interop { public static class Blob { } }"}, False,
     "Blob.cs declares AotWheel.Interop.Blob, which aotwheel compiles into its builds too (Interop.cs): rename it or "
     "move it out of the namespace AotWheel.Interop"),
    ({"Exports.cs": "public static unsafe class Exports { [System.Runtime.InteropServices.UnmanagedCallersOnly("
                    "EntryPoint = \"first\")] public static byte First(byte* text) => *text; }"}, False,
     "Exports.cs has unsafe code, which Shop.csproj does not allow: add <AllowUnsafeBlocks>true</AllowUnsafeBlocks>"),
], ids=["clash", "unsafe"])
def test_refused_before_anything_compiles(tmp_path, sources, unsafe, message):
    folder = write_project(tmp_path / "Shop", sources, unsafe)
    log: list[str] = []
    with pytest.raises(AotWheelError) as raised:
        ProjectBuilder(folder, build_dir=tmp_path / "build", log=log.append).build(tmp_path / "dist")
    assert f"{folder}/{message}" in str(raised.value)
    assert not [line for line in log if line.startswith("dotnet publish ")]  # no compile ran
    # The same project with the property builds: the check is the one `dotnet build` makes.
    if "unsafe" in message:
        plain = subprocess.run(["dotnet", "build", str(folder), "-nologo"], capture_output=True, text=True)
        assert plain.returncode != 0 and "CS0227" in plain.stdout


def test_a_clashing_python_source_module_is_found_before_the_nativeaot_step(tmp_path):
    folder = write_project(tmp_path / "Shop", {"Basket.cs": BASKET})
    (folder / "python" / "shop").mkdir(parents=True)
    (folder / "python" / "shop" / "total.py").write_text("def total(): ...\n")
    (folder / "pyproject.toml").write_text('[project]\nname = "shop"\n[tool.aotwheel]\npython-source = "python"\n')
    log: list[str] = []
    with pytest.raises(AotWheelError, match=r"python-source: shop/total\.py would hide the generated shop\.total"):
        ProjectBuilder(folder, build_dir=tmp_path / "build", log=log.append).build(tmp_path / "dist")
    assert [line for line in log if "Shop -> " in line]  # the assembly was compiled
    assert not [line for line in log if "Generating native code" in line]  # NativeAOT's long step never started


def strong_name_key_pair() -> bytes:
    """A fresh RSA key pair as a .snk file holds it (CryptoAPI's PRIVATEKEYBLOB)."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    numbers = rsa.generate_private_key(public_exponent=65537, key_size=1024).private_numbers()
    public = numbers.public_numbers

    def le(value: int, size: int) -> bytes:
        return value.to_bytes(size, "little")

    return (bytes([7, 2, 0, 0]) + le(0x2400, 4) + b"RSA2" + le(1024, 4) + le(public.e, 4) + le(public.n, 128)
            + le(numbers.p, 64) + le(numbers.q, 64) + le(numbers.dmp1, 64) + le(numbers.dmq1, 64)
            + le(numbers.iqmp, 64) + le(numbers.d, 128))


def test_a_strong_named_project_builds_and_answers(tmp_path):
    # The binding is compiled into an assembly of its own, which a signed assembly can only let in
    # by public key: aotwheel names it so, and signs the binding with the project's key.
    folder = write_project(tmp_path / "Shop", {"Basket.cs": BASKET})
    (folder / "shop.snk").write_bytes(strong_name_key_pair())
    csproj = folder / "Shop.csproj"
    csproj.write_text(csproj.read_text().replace(
        "</PropertyGroup>", "<SignAssembly>true</SignAssembly><AssemblyOriginatorKeyFile>shop.snk</AssemblyOriginatorKeyFile></PropertyGroup>"))
    (built,) = ProjectBuilder(folder, build_dir=tmp_path / "build", log=lambda line: None).build(tmp_path / "dist")
    python = make_venv(tmp_path / "venv", system_site_packages=False)
    pip_install(python, built.path)
    assert call_json(python, "import json, shop; print(json.dumps(shop.total(2, 3)))") == 5
