"""The two backends. ctypes: a pure-Python package calling the library's exports through ctypes.
native (the default): the library is also the extension module `_lib`, whose entry points Python
calls directly; its package is the ctypes one plus the registration of those entry points, so that
ctypes still serves where `_lib` does not load."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any, Iterable, Optional, Sequence

from .. import __version__
from ..abi import AbiType, Export, Parameter
from ..pyexport.csharp import render_shims
from ..pyexport.model import Api
from ..pyexport.python import render_python
from ..pyexport.slots import first_raw_number
from ..resources import template_environment, templates_dir
from .base import BindingBackend, BindingInput


def library_fingerprint(library: Path) -> tuple[int, int]:
    """What the generated package checks before loading *library*: computed by the run-time
    helper's own `fingerprint`, so that the build and the check cannot disagree."""
    spec = importlib.util.spec_from_file_location("_aotwheel_runtime", templates_dir() / "ctypes" / "_aotwheel.py")
    assert spec is not None and spec.loader is not None
    runtime = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(runtime)
    size, checksum = runtime.fingerprint(str(library))
    return size, checksum


def _annotation(abi: AbiType) -> str:
    if not abi.pointer:
        return abi.primitive.python
    return "BytesLike" if abi.primitive.size == 1 or abi.primitive.kind == "void" else "Buffer"


def _parameter_model(parameter: Parameter) -> dict[str, Any]:
    abi: AbiType = parameter.type
    primitive = abi.primitive
    name = parameter.python_name
    model: dict[str, Any] = {
        "name": name,
        "pointer": abi.pointer,
        "ctype": "c_void_p" if abi.pointer else primitive.ctype,
        "annotation": _annotation(abi),
        "kind": primitive.kind,
        "size": primitive.size,
        # byte* and sbyte* are C strings as often as buffers: they take bytes and str too.
        "text": abi.pointer and primitive.size == 1,
        "check": "pointer" if abi.pointer else ("float" if primitive.kind == "float" else "int"),
        "minimum": 0,
        "maximum": 0,
        "range_check": None,
    }
    if not abi.pointer and primitive.kind in ("signed", "unsigned"):
        model.update(
            minimum=primitive.minimum,
            maximum=primitive.maximum,
            range_check=f"{primitive.minimum} <= {name} <= {primitive.maximum}",
        )
    return model


def _docstring(export: Export) -> str:
    text = export.doc or export.origin
    if any(p.type.pointer for p in export.parameters):
        text += (
            "\n\nPointer parameters take a C-contiguous writable buffer of the matching item type, passed "
            "without copying; byte pointers also take bytes or str (NUL-terminated UTF-8)."
        )
    return text


def _docstring_literal(text: str) -> str:
    """The body of a triple-quoted docstring: escaped, continuation lines indented for the def."""
    escaped = text.replace("\\", "\\\\").replace('"""', '\\"""')
    return "\n".join(line and "    " + line if i else line for i, line in enumerate(escaped.splitlines()))


def _tuple(items: Iterable[str]) -> str:
    """A Python tuple display: `()`, `(a,)`, `(a, b)`."""
    items = list(items)
    return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"


def _native_check(function: str, parameter: dict[str, Any]) -> str:
    """The Python check the native entry point calls for an argument it does not convert itself:
    the ctypes binding's own, so that both backends explain a rejected argument alike."""
    if parameter["pointer"]:
        return f"_pointer_{function}_{parameter['name']}.lendable"
    where = repr(f"{function}() argument '{parameter['name']}'")
    if parameter["check"] == "float":
        return f"lambda v: _aotwheel.check_float(v, {where})"
    return f"lambda v: _aotwheel.check_int(v, {parameter['minimum']}, {parameter['maximum']}, {where})"


def _function_model(export: Export, number: int) -> dict[str, Any]:
    name = export.python_name
    parameters = [_parameter_model(p) for p in export.parameters]
    returns = export.returns
    return {
        "name": name,
        "number": number,
        "names": _tuple(repr(p["name"]) for p in parameters),
        "checks": _tuple(_native_check(name, p) for p in parameters),
        "symbol": export.entry_point,
        "parameters": parameters,
        "arguments": ", ".join(p["name"] for p in parameters),
        "argtypes": _tuple(f"_ctypes.{p['ctype']}" for p in parameters),
        "spec": _tuple(f"({p['name']!r}, {p['check']!r}, {p['minimum']}, {p['maximum']})" for p in parameters),
        "range_checks": [p["range_check"] for p in parameters if p["range_check"]],
        "restype": "c_void_p" if returns.pointer else returns.primitive.ctype,
        "returns": "int" if returns.pointer else returns.primitive.python,
        # ctypes gives None for a NULL c_void_p; the annotation promises an int address.
        "result_suffix": " or 0" if returns.pointer else "",
        "doc": _docstring_literal(_docstring(export)),
    }


class CtypesBackend:
    """Renders `__init__.py`, `__init__.pyi`, `py.typed` and the `_aotwheel` run-time helper."""

    name = "ctypes"
    native = False  # whether the library is also the extension module `_lib`

    def __init__(self) -> None:
        self._env = template_environment("ctypes")

    def csharp(self, api: Optional[Api], exports: Sequence[Export], assembly: str) -> str:
        return render_shims(api, exports, self.native, assembly)

    def render(self, package: BindingInput) -> dict[str, bytes]:
        """The package's files; with a [PyExport] API also `_api.py`/`_api.pyi` and their `_dotnet` runtime,
        re-exported from `__init__`."""
        docstring = f"Python bindings for the .NET library {package.assembly} ({package.distribution} {package.version})."
        api = package.api if package.api is not None and not package.api.empty else None
        context = {
            "docstring": docstring,
            "tool_version": __version__,
            "assembly": package.assembly,
            "library": package.library_filename,
            "fingerprint": package.library_fingerprint,
            "functions": [_function_model(e, n) for n, e in enumerate(package.exports, first_raw_number(api))],
            "api_names": ["DotNetError", *api.public_names] if api else [],
            "native": self.native,
        }
        runtime = (templates_dir() / "ctypes" / "_aotwheel.py").read_bytes()
        files = render_python(api, package.library_filename, docstring, __version__, self.name) if api else {}
        if api:
            for runtime_file in ("_dotnet.py", "_columns.py"):
                files[runtime_file] = (templates_dir() / "ctypes" / runtime_file).read_bytes()
        return {
            **files,
            "__init__.py": self._env.get_template("__init__.py.j2").render(context).encode(),
            "__init__.pyi": self._env.get_template("__init__.pyi.j2").render(context).encode(),
            "_aotwheel.py": runtime,
            "_native.py": self._env.get_template("_native.py.j2").render(context).encode(),
            "py.typed": b"",
        }


class NativeBackend(CtypesBackend):
    """The library is also the extension module `_lib` (PyInit__lib and a native entry point per
    member and export in its C#); the package registers the entry points where `_lib` loads and
    keeps the ctypes calls for where it does not."""

    name = "native"
    native = True


def backend_named(name: str) -> BindingBackend:
    """The backend `[tool.aotwheel] backend` names: "native" or "ctypes"."""
    return {"native": NativeBackend, "ctypes": CtypesBackend}[name]()
