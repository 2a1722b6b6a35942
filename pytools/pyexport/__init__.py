"""[PyExport]: idiomatic Python bindings for plain C# code.

The compiled assembly's metadata (read by the inspector) becomes an API model (`model.py`, built and
validated by `api.py`); from it come the C# `UnmanagedCallersOnly` shims (`csharp.py`) compiled into
the same NativeAOT library, and the Python side that calls them (`python.py`). `stage.py` runs the
two compile phases for the builder.
"""
