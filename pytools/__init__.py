"""aotwheel: turn a C# library into a Python wheel that needs no .NET at run time."""

from .errors import AotWheelError

__version__ = "0.1.0"
__all__ = ["AotWheelError", "__version__"]
