"""Which of aotwheel's own C# sources a build compiles into the project, decided from what the
project's sources declare (csharp_sources.py), before anything is compiled:

- the friend declaration (support/Friend) that lets the generated binding use the project's
  internals, always; the run-time support of [PyExport] and the native backend (support/PyExport)
  is compiled with that binding, into AotWheel.Generated (AotWheel.targets), not into the project;
- each attribute (support/Attributes) that the project has neither from the AotWheel.Attributes
  package nor as its own copy (declared by full name): with either, aotwheel adds none;
- nothing that would clash: a project type of the same full name as one of aotwheel's code, or a
  second copy of an attribute beside the package's, is an error naming the user's file and the fix;
- unsafe code only where the project allows it: aotwheel's builds set AllowUnsafeBlocks for its own
  code, and a project source with `unsafe` in a project without it (which a plain `dotnet build`
  refuses, CS0227) is an error naming the file and the property.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Mapping

from .attributes import PACKAGE_ID, attribute_sources, stale_cached_package
from .compile import sync_sources
from .csharp_sources import SourceScan, declared_types
from .errors import AotWheelError
from .inputs import BuildInputs
from .log import Log
from .project import Project
from .resources import support_dir

# Not *.cs: the build folder may sit inside the project, where the SDK compiles every *.cs it finds
# (AotWheel.targets compiles *.cs.aotwheel from the extra-sources folder only).
SOURCE_SUFFIX = ".cs.aotwheel"
# How the run-time support declares an export: [UnmanagedCallersOnly(EntryPoint = "aotwheel_free")].
EXPORTED_ENTRY_POINT = re.compile(r'\[UnmanagedCallersOnly\(EntryPoint = "(aotwheel_\w+)"\)\]')


class SupportSources:
    """The folder of aotwheel's C# sources a build compiles into *project*: as the last build chose
    them (the friend declaration, and the attributes the folder still holds; all of them before a
    first build), so that an unchanged project compares equal with its last build, and chosen
    again (`choose`) when the project's inputs changed."""

    def __init__(self, project: Project, folder: Path, log: Log) -> None:
        self.project, self.folder, self.log = project, folder, log
        attributes = _suffixed(attribute_sources())
        kept = {n: d for n, d in attributes.items() if not folder.is_dir() or (folder / n).is_file()}
        sync_sources(folder, {**self._friend(), **kept})

    def choose(self, inputs: BuildInputs) -> bool:
        """Choose the sources for a build reading *inputs*; return whether the folder changed."""
        chosen = chosen_sources(self.project, inputs, project_sources(inputs), self.log)
        return sync_sources(self.folder, {**_suffixed(chosen), **self._friend()})

    def _friend(self) -> dict[str, bytes]:
        friend = _suffixed({p.name: p.read_bytes() for p in (support_dir() / "Friend").glob("*.cs")})
        key = self.project.strong_name_key
        if key is not None:  # a signed assembly names its friend by public key (the generated one is signed alike)
            hex_key = strong_name_public_key(key).hex()
            friend = {n: d.replace(b'"AotWheel.Generated"', f'"AotWheel.Generated, PublicKey={hex_key}"'.encode())
                      for n, d in friend.items()}
        return friend


def strong_name_public_key(key_file: Path) -> bytes:
    """The strong-name public key (as InternalsVisibleTo names it) of a .snk file: a key pair or a
    public key blob (CryptoAPI's PRIVATEKEYBLOB or PUBLICKEYBLOB), or the strong-name public key
    itself (as delay and public signing use)."""
    try:
        data = key_file.read_bytes()
    except OSError as exc:
        raise AotWheelError(f"cannot read the strong-name key {key_file} the project signs with: {exc.strerror}") from None
    if len(data) >= 20 and data[:1] in (b"\x06", b"\x07") and data[8:12] in (b"RSA1", b"RSA2"):
        algorithm = int.from_bytes(data[4:8], "little")
        bits = int.from_bytes(data[12:16], "little")
        exponent, modulus = data[16:20], data[20:20 + bits // 8]
        public = b"\x06\x02\x00\x00" + algorithm.to_bytes(4, "little") + b"RSA1" + bits.to_bytes(4, "little") + exponent + modulus
        return algorithm.to_bytes(4, "little") + (0x8004).to_bytes(4, "little") + len(public).to_bytes(4, "little") + public
    if len(data) > 12 and int.from_bytes(data[8:12], "little") == len(data) - 12:
        return data
    raise AotWheelError(f"{key_file}: not a strong-name key file (.snk) aotwheel can read")


def _suffixed(sources: dict[str, bytes]) -> dict[str, bytes]:
    return {Path(name).stem + SOURCE_SUFFIX: data for name, data in sources.items()}


def runtime_support() -> dict[str, bytes]:
    """The run-time support sources of [PyExport] members and native entry points, by file name
    (compiled into AotWheel.Generated)."""
    return {p.name: p.read_bytes() for p in sorted((support_dir() / "PyExport").glob("*.cs"))}


def runtime_support_exports() -> tuple[str, ...]:
    """The entry points the run-time support exports (aotwheel_free, ...): not the project's, so
    the inspector never sees them, and they are in the library's symbol table all the same."""
    found = (EXPORTED_ENTRY_POINT.findall(data.decode()) for data in runtime_support().values())
    return tuple(sorted({name for names in found for name in names}))


def _always_compiled() -> dict[str, bytes]:
    """What AotWheel.targets compiles into every build (the run-time start export)."""
    return {p.name: p.read_bytes() for p in sorted((support_dir() / "Runtime").glob("*.cs"))}


def project_sources(inputs: BuildInputs) -> SourceScan:
    """What the C# files a build reads from the user (the project's and its references', not the
    SDK's, a package's or aotwheel's) declare."""
    return SourceScan.of(Path(f) for f in inputs.user_files(support_dir()) if f.endswith(".cs"))


def chosen_sources(project: Project, inputs: BuildInputs, user: SourceScan, log: Log) -> dict[str, bytes]:
    """aotwheel's attribute sources, by file name, that a build of *project* (whose inputs are
    *inputs*, whose own sources declare *user*) compiles in; raises where the project's sources clash with them or
    use unsafe code the project does not allow."""
    check_unsafe(project, inputs, user)
    # The generated assembly sees the project's internals: a project type of a support type's name is
    # as ambiguous there (CS0433) as a duplicate would be in one assembly (CS0101).
    check_no_clash(user, {**runtime_support(), **_always_compiled()})
    referenced = [p.split("/", 1) for p in inputs.packages if p.split("/", 1)[0].lower() == PACKAGE_ID.lower()]
    attributes = attribute_sources()
    if referenced:
        version = referenced[0][1] if len(referenced[0]) > 1 else ""
        for name, paths in user.declared.items():
            package_copy = next((a for a, data in attributes.items() if name in declared_types(data.decode())), None)
            if package_copy is not None:
                raise AotWheelError(
                    f"{paths[0]} declares {name}, which the {PACKAGE_ID} package the project references declares "
                    f"too (CS0101 in any build): delete {paths[0].name}, the package's copy is the one to keep"
                )
        for root in inputs.system:
            stale = stale_cached_package(root, version)
            if stale is not None:
                log(f"warning: NuGet's cache holds a {PACKAGE_ID} {version} ({stale}) with other sources than this "
                    f"aotwheel's of the same version; delete that folder, so that NuGet restores the package again")
        log(f"[PyExport] attributes from the {PACKAGE_ID} package {version}".rstrip())
        return {}
    chosen: dict[str, bytes] = {}
    for name, data in attributes.items():
        declared = declared_types(data.decode())
        own = [user.declared[t][0] for t in declared if t in user.declared]
        if own:
            log(f"[PyExport] {', '.join(declared)}: the project's own, in {own[0]}")
        else:
            chosen[name] = data
    return chosen


def check_no_clash(user: SourceScan, aotwheel: Mapping[str, bytes]) -> None:
    """Refuse a project type that has the full name of a type of aotwheel's sources *aotwheel*
    (a generated one included), which the compiler would refuse (CS0101) in aotwheel's builds only."""
    own = SourceScan.of_texts(aotwheel)
    clashes = sorted(set(user.declared) & set(own.declared))
    if clashes:
        name = clashes[0]
        path = user.declared[name][0]
        namespace = name.rpartition(".")[0]
        raise AotWheelError(
            f"{path} declares {name}, which aotwheel compiles into its builds too ({own.declared[name][0]}): "
            f"rename it or move it out of the namespace {namespace}, which is aotwheel's"
        )


def check_unsafe(project: Project, inputs: BuildInputs, user: SourceScan) -> None:
    allowed = project.allows_unsafe_blocks or project.config.msbuild_properties.get("AllowUnsafeBlocks", "").lower() == "true"
    mine = [p for p in user.unsafe if _owning_tree(p, inputs.trees) == str(project.csproj.parent)]
    if mine and not allowed:
        raise AotWheelError(
            f"{mine[0]} has unsafe code, which {project.csproj.name} does not allow: add "
            "<AllowUnsafeBlocks>true</AllowUnsafeBlocks> to its <PropertyGroup>. (aotwheel's builds allow "
            "unsafe code for aotwheel's own code; without the property a plain `dotnet build` fails, CS0227.)"
        )


def _owning_tree(path: Path, trees: tuple[str, ...]) -> str | None:
    """The project folder *path* lies in (the deepest, for a project inside another's folder)."""
    inside = [t for t in trees if str(path).startswith(os.path.join(t, ""))]
    return max(inside, key=len) if inside else None

