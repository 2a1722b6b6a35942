"""The AotWheel.Attributes NuGet package (csharp_src/support/Attributes): aotwheel's attributes as a
source package, so that `dotnet build`, `dotnet test` and IDEs know them as aotwheel's builds do.
aotwheel packs it itself (`dotnet pack`, cached per version and sources) and versions it as itself.

A project made by `aotwheel new` (or `aotwheel init --attributes`) gets the package in a feed of its
own, the folder `nuget/` beside its `NuGet.config`, which names it by a relative path. Both are
meant to be committed: a fresh clone restores the package from that folder, with no aotwheel and no
absolute path, and an sdist carries them (they are project files). Once the package is on
nuget.org, the feed is not needed (the reference stays the same).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from xml.sax.saxutils import quoteattr

from packaging.version import Version

from . import __version__, processes
from .atomic import write_file
from .errors import AotWheelError
from .log import Log
from .resources import support_dir, template_environment
from .toolchain import cache_dir, dotnet_command, dotnet_environment, sdk_info

PACKAGE_ID = "AotWheel.Attributes"
FEED_DIR = "nuget"  # the project's own feed, beside its NuGet.config (not a dot-folder: sdists carry it)
FEED_KEY = "aotwheel"
NUGET_CONFIG_NAMES = ("NuGet.config", "NuGet.Config", "nuget.config")


def nuget_version(version: str = __version__) -> str:
    """aotwheel's PEP 440 version as NuGet spells it: `0.2.0`, `1.0.0-rc.1`, `0.3.0-dev.2`,
    `1.0.0.2` (a post release)."""
    parsed = Version(version)
    parts = [*parsed.release, *[0] * (3 - len(parsed.release))]
    if parsed.post is not None:
        parts.append(parsed.post)
    labels = []
    if parsed.pre is not None:
        labels += [{"a": "alpha", "b": "beta", "rc": "rc"}[parsed.pre[0]], str(parsed.pre[1])]
    if parsed.dev is not None:
        labels += ["dev", str(parsed.dev)]
    return ".".join(map(str, parts)) + ("-" + ".".join(labels) if labels else "")


def attribute_sources() -> dict[str, bytes]:
    """The attributes' C# sources by file name: the package's content, and what aotwheel adds to the
    builds of a project that has neither the package nor its own copy."""
    return {p.name: p.read_bytes() for p in sorted((support_dir() / "Attributes").glob("*.cs"))}


def package_file_name(version: str | None = None) -> str:
    return f"{PACKAGE_ID}.{version or nuget_version()}.nupkg"


def package_reference(version: str | None) -> str:
    """The csproj line that references the package (*version* None: central package management)."""
    pinned = f" Version={quoteattr(version)}" if version else ""
    return f'<PackageReference Include="{PACKAGE_ID}"{pinned} PrivateAssets="all" />'


def pack(log: Log) -> Path:
    """The package of this aotwheel, packed with the SDK once per version and sources (cached)."""
    source = support_dir() / "Attributes"
    digest = hashlib.sha256(nuget_version().encode())
    for path in sorted(source.iterdir()):
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    target = cache_dir() / "attributes" / digest.hexdigest()[:16]
    package = target / package_file_name()
    if package.is_file():
        return package
    log(f"packing {PACKAGE_ID} {nuget_version()} (dotnet pack)")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=".pack-"))
    try:
        command = [
            *dotnet_command(), "pack", str(source / "AotWheel.Attributes.csproj"), "-c", "Release", "-nologo",
            "-o", str(staging / "out"), f"-p:Version={nuget_version()}", f"-p:AotWheelFramework={sdk_info().framework}",
            "-p:NoBuild=true", f"-p:BaseIntermediateOutputPath={staging / 'obj'}{os.sep}",
            f"-p:BaseOutputPath={staging / 'bin'}{os.sep}",
        ]
        log("$ " + " ".join(command))
        result = processes.run(command, env=dotnet_environment(), stdin=subprocess.DEVNULL)
        if result.returncode != 0 or not (staging / "out" / package.name).is_file():
            raise AotWheelError(f"packing {PACKAGE_ID} failed:\n{(result.stdout + result.stderr).strip()[-3000:]}")
        try:
            os.replace(staging / "out", target)
        except OSError:
            if not package.is_file():  # another pack won the race only if it left the package
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return package


def write_feed(project_root: Path, log: Log) -> list[Path]:
    """Put the package into the project's feed (`nuget/`) and make the project's NuGet.config name
    that feed (written, or an existing one extended); return the files written."""
    feed = project_root / FEED_DIR / package_file_name()
    write_file(feed, pack(log).read_bytes())
    written = [feed]
    existing = next((project_root / n for n in NUGET_CONFIG_NAMES if (project_root / n).is_file()), None)
    if existing is None:
        config = project_root / "NuGet.config"
        write_file(config, template_environment("new").get_template("NuGet.config.j2").render(
            feed=FEED_DIR, key=FEED_KEY, package=PACKAGE_ID))
        written.append(config)
    elif _add_source(existing):
        written.append(existing)
    return written


def _add_source(config: Path) -> bool:
    """Add the feed to an existing NuGet.config (as text: the user's layout and comments stay);
    False when it already names it."""
    text = config.read_text(encoding="utf-8-sig")
    if re.search(rf"<add\s+key\s*=\s*[\"']{FEED_KEY}[\"']", text):
        return False
    line = f'<add key="{FEED_KEY}" value="{FEED_DIR}" />'
    if re.search(r"<packageSources\s*/>", text):
        text = re.sub(r"<packageSources\s*/>", f"<packageSources>\n    {line}\n  </packageSources>", text, count=1)
    elif "<packageSources" in text:
        text = re.sub(r"(<packageSources\b[^>]*>)", rf"\1\n    {line}", text, count=1)
    elif "</configuration>" in text:
        text = text.replace("</configuration>", f"  <packageSources>\n    {line}\n  </packageSources>\n</configuration>", 1)
    else:
        raise AotWheelError(f"{config}: not a NuGet configuration (no <configuration> element); "
                            f"add the source by hand: {line}")
    write_file(config, text)
    return True


def references_package(csproj_text: str) -> bool:
    return re.search(rf"<PackageReference\s[^>]*Include\s*=\s*[\"']{re.escape(PACKAGE_ID)}[\"']", csproj_text,
                     flags=re.IGNORECASE) is not None


def add_reference(csproj: Path, central_versions: str | None) -> list[Path]:
    """Reference the package from *csproj* (with central package management, its version goes to
    *central_versions*, the Directory.Packages.props); return the files changed."""
    text = csproj.read_text(encoding="utf-8-sig")
    if references_package(text):
        return []
    version = nuget_version()
    changed = [csproj]
    write_file(csproj, _before_closing_project(csproj, text, package_reference(None if central_versions else version)))
    if central_versions:
        props = Path(central_versions)
        props_text = props.read_text(encoding="utf-8-sig")
        if not re.search(rf"<PackageVersion\s[^>]*Include\s*=\s*[\"']{re.escape(PACKAGE_ID)}[\"']", props_text):
            entry = f'<PackageVersion Include="{PACKAGE_ID}" Version="{version}" />'
            write_file(props, _before_closing_project(props, props_text, entry))
            changed.append(props)
    return changed


def _before_closing_project(path: Path, text: str, element: str) -> str:
    end = text.rfind("</Project>")
    if end < 0:
        raise AotWheelError(f"{path}: no </Project> to add {element} before; add it by hand")
    group = f"  <ItemGroup>\n    {element}\n  </ItemGroup>\n"
    head = text[:end] if text[:end].endswith("\n") else text[:end] + "\n"
    return head + group + text[end:]


def stale_cached_package(nuget_root: str, version: str) -> Path | None:
    """NuGet's extracted copy of *version* of the package in *nuget_root* (its global packages
    folder), when it is this aotwheel's version but holds other sources than this aotwheel's (a
    build of aotwheel's sources under an unchanged version): NuGet never extracts a version twice."""
    if version != nuget_version():
        return None
    folder = Path(nuget_root) / PACKAGE_ID.lower() / version.lower()
    content = folder / "contentFiles" / "cs" / "any" / "AotWheel"
    if not content.is_dir():
        return None
    extracted = {p.name: p.read_bytes() for p in content.glob("*.cs")}
    return None if extracted == attribute_sources() else folder
