"""Run-time support for `.map` (ctypes backend): a [PyExport] function over whole columns, in one
native call whose row loop runs in .NET (ctypes releases the GIL for it).

Copied unchanged into every generated package. Needs numpy, imported only when `.map` is called;
pandas is never imported unless an argument already is a pandas object. The column layouts (fixed,
string, wire) are described in aotwheel's pytools/pyexport/columns.py and mirror
AotWheel.Interop.Column in C#.
"""

import ctypes
from typing import Any, Dict, List, Optional, Sequence, Tuple

from . import _dotnet
from ._aotwheel import check_float, check_int, check_usable

__all__ = ["Column", "MapResult"]

# A 1-D numpy array, a pandas Series, any sequence, or a scalar used for every row; for a record
# parameter also a pandas DataFrame or a mapping of field names to columns.
Column = Any
# A numpy array (object items for strings, dates, ...), a dict of columns for a record, or a pandas
# Series/DataFrame carrying the index of the pandas argument.
MapResult = Any


class NativeColumn(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("aux", ctypes.c_void_p), ("valid", ctypes.c_void_p), ("step", ctypes.c_int64),
                ("length", ctypes.c_int64)]


def _numpy() -> Any:
    numpy = _dotnet._numpy()
    if numpy is None:
        raise ImportError(".map needs numpy (the scalar call does not): install numpy")
    return numpy


def _pandas_kind(value: Any) -> str:
    """The class name of a pandas object ("Series", "DataFrame", ...), else "" (pandas is not imported)."""
    cls = type(value)
    return cls.__name__ if cls.__module__.partition(".")[0] == "pandas" else ""


def _is_null(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float):
        return value != value
    return type(value).__name__ in ("NAType", "NaTType")


class _Where:
    """Names a column in messages, and a row of it unless the column is a broadcast scalar."""

    __slots__ = ("text", "broadcast")

    def __init__(self, text: str, broadcast: bool) -> None:
        self.text, self.broadcast = text, broadcast

    def at(self, row: int) -> str:
        return self.text if self.broadcast else f"{self.text}, row {row}"


def _not_null(where: _Where, row: int, value: Any, cs: str) -> ValueError:
    return ValueError(f"{where.at(row)} is {value!r}, but the .NET {cs} is not nullable")


def _items(numpy: Any, values: Any) -> List[Any]:
    """The column's values as Python objects (dates and durations as datetime/timedelta)."""
    if _pandas_kind(values) == "Series":
        values = values.to_numpy()
    if isinstance(values, numpy.ndarray):
        if values.dtype.kind in "Mm":  # datetime64/timedelta64: tolist() of ns units gives ints
            values = values.astype(values.dtype.kind == "M" and "datetime64[us]" or "timedelta64[us]")
        return values.tolist()
    return list(values)


def _array(numpy: Any, values: Any) -> Any:
    """The column as a numpy array of numbers without copying, or None when it is not one."""
    if _pandas_kind(values) == "Series":
        if not isinstance(values.dtype, numpy.dtype):
            return None  # an extension array (nullable Int64, ...): read its objects
        values = values.to_numpy()  # numpy-backed: a view of the Series' memory
    if isinstance(values, numpy.ndarray) and values.dtype.kind in "biuf":
        return values
    return None


# -- kinds: how one scalar type crosses as a column ----------------------------------------------


class Kind:
    """Encodes an input column into a NativeColumn, allocates an output one, and decodes it."""

    cs = ""

    def encode(self, numpy: Any, values: Any, nullable: bool, where: _Where) -> Tuple[NativeColumn, List[Any]]:
        raise NotImplementedError

    def allocate(self, numpy: Any, rows: int, nullable: bool) -> Tuple[NativeColumn, List[Any]]:
        raise NotImplementedError

    def decode(self, numpy: Any, column: NativeColumn, keep: List[Any], rows: int, nullable: bool) -> Any:
        raise NotImplementedError


def _column(data: Any, aux: Any = None, valid: Any = None, step: int = 1) -> NativeColumn:
    address = (lambda a: None if a is None else a.ctypes.data)
    return NativeColumn(address(data), address(aux), address(valid), step)


class Fixed(Kind):
    """One native item per row: numbers, and types that cross as one (bool, char, enums)."""

    def __init__(self, fmt: str, cs: str) -> None:
        self.fmt, self.cs = fmt, cs
        kind, size = _dotnet._KINDS.get(fmt, ("unsigned", 1))
        self.float = kind == "float"
        self.low = -(1 << (size * 8 - 1)) if kind == "signed" else 0
        self.high = (1 << (size * 8 - (1 if kind == "signed" else 0))) - 1

    def native(self, value: Any, where: str) -> Any:
        """One Python value as the native item (range and type checked as for the scalar call)."""
        return check_float(value, where) if self.float else check_int(value, self.low, self.high, where)

    def encode(self, numpy: Any, values: Any, nullable: bool, where: _Where) -> Tuple[NativeColumn, List[Any]]:
        target = numpy.dtype(self.fmt)
        array = _array(numpy, values)
        if array is not None and array.ndim == 1 and (array.dtype.kind == "b") == (target.kind == "b"):
            return self._from_array(numpy, array, target, nullable, where)
        items = _items(numpy, values)
        valid = None
        for row, item in enumerate(items):
            if _is_null(item):
                if not nullable:
                    raise _not_null(where, row, item, self.cs)
                if valid is None:
                    valid = numpy.ones(len(items), dtype=numpy.uint8)
                valid[row], items[row] = 0, 0
            else:
                items[row] = self.native(item, where.at(row))
        data = numpy.array(items, dtype=target)
        return _column(data, None, valid), [data, valid]

    def _from_array(self, numpy: Any, array: Any, target: Any, nullable: bool, where: _Where) -> Tuple[NativeColumn, List[Any]]:
        valid = missing = None
        if array.dtype.kind == "f" and (nullable or not self.float):
            missing = numpy.isnan(array)
            if missing.any():
                row = int(numpy.flatnonzero(missing)[0])
                if not nullable:
                    raise _not_null(where, row, float("nan"), self.cs)
                valid = (~missing).astype(numpy.uint8)
            else:
                missing = None
        if array.dtype == target and array.strides[0] % array.itemsize == 0:
            # Zero-copy: .NET reads the caller's memory, steps of a strided view included.
            return _column(array, None, valid, array.strides[0] // array.itemsize), [array, valid]
        if not self.float and target.kind != "b":
            if array.dtype.kind == "f":
                fractional = array != numpy.floor(array)
                if missing is not None:
                    fractional &= ~missing
                if fractional.any():
                    row = int(numpy.flatnonzero(fractional)[0])
                    raise TypeError(f"{where.at(row)} must be int, not float ({array[row]!r})")
            clean = array if missing is None else numpy.where(missing, 0, array)
            # Compare only against the bounds the source type can pass (each then fits the source type).
            info = numpy.iinfo(array.dtype) if array.dtype.kind in "iu" else None
            outside = numpy.zeros(len(clean), dtype=bool)
            if info is None or info.min < self.low:
                outside |= clean < self.low
            if info is None or info.max > self.high:
                outside |= clean > self.high
            if outside.any():
                row = int(numpy.flatnonzero(outside)[0])
                raise OverflowError(f"{where.at(row)} = {array[row]} is out of range [{self.low}, {self.high}]")
            array = clean
        data = numpy.ascontiguousarray(array, dtype=target)
        return _column(data, None, valid), [data, valid]

    def allocate(self, numpy: Any, rows: int, nullable: bool) -> Tuple[NativeColumn, List[Any]]:
        data = numpy.empty(rows, dtype=numpy.dtype(self.fmt))
        valid = numpy.empty(rows, dtype=numpy.uint8) if nullable else None
        return _column(data, None, valid), [data, valid]

    def decode(self, numpy: Any, column: NativeColumn, keep: List[Any], rows: int, nullable: bool) -> Any:
        data, valid = keep
        if not nullable:
            return self.python(numpy, data)
        if self.float:
            return numpy.where(valid != 0, data, numpy.nan)
        values = self.python(numpy, data).astype(object)
        values[valid == 0] = None
        return values

    def python(self, numpy: Any, data: Any) -> Any:
        """The result column as Python sees it (numbers stay a numpy array)."""
        return data


def _objects(numpy: Any, items: Sequence[Any]) -> Any:
    array = numpy.empty(len(items), dtype=object)
    array[:] = items
    return array


class Bool(Fixed):
    def __init__(self) -> None:
        super().__init__("?", "bool")

    def native(self, value: Any, where: str) -> Any:
        return _dotnet.check_bool(value, where)


class Char(Fixed):
    def __init__(self) -> None:
        super().__init__("H", "char")

    def native(self, value: Any, where: str) -> Any:
        return _dotnet.check_char(value, where)

    def python(self, numpy: Any, data: Any) -> Any:
        return _objects(numpy, [chr(code) for code in data.tolist()])


class Enum(Fixed):
    def __init__(self, cls: Any, fmt: str) -> None:
        super().__init__(fmt, cls.__name__)
        self.cls = cls

    def native(self, value: Any, where: str) -> Any:
        return _dotnet.check_enum(value, self.cls, self.low, self.high, where)

    def python(self, numpy: Any, data: Any) -> Any:
        members = {int(m): m for m in self.cls}
        return _objects(numpy, [members.get(v, v) for v in data.tolist()])


def _offsets(numpy: Any, lengths: Any, rows: int) -> Any:
    offsets = numpy.zeros(rows + 1, dtype=numpy.int64)
    numpy.cumsum(numpy.fromiter(lengths, dtype=numpy.int64, count=rows), out=offsets[1:])
    return offsets


def _blob(pointer: Optional[int], rows: int) -> Tuple[Any, bytes]:
    """A result block: int64 offsets (rows + 1), then the bytes; freed here."""
    numpy = _numpy()
    block = _dotnet._take(pointer) or b""
    head = 8 * (rows + 1)
    return numpy.frombuffer(block, dtype=numpy.int64, count=rows + 1), block[head:]


class String(Kind):
    """One UTF-8 blob per column, encoded once per call: the rows joined by NUL, which .NET splits
    (UTF-8 has no other 0 byte). When a string holds a NUL itself, int64 offsets also say where each
    row starts (the last one: the blob's length + 1)."""

    cs = "string"

    def encode(self, numpy: Any, values: Any, nullable: bool, where: _Where) -> Tuple[NativeColumn, List[Any]]:
        items = _items(numpy, values)
        valid = None
        try:
            joined = "\0".join(items)
        except TypeError:  # not all str: nulls, or a wrong type
            valid = self._nulls(numpy, items, nullable, where)
            joined = "\0".join(items)
        try:
            data = joined.encode("utf-8")
        except UnicodeEncodeError:
            row = next(i for i, item in enumerate(items) if not _encodable(item))
            raise ValueError(f"{where.at(row)}: the str has a lone surrogate; UTF-8 (and .NET strings "
                             "crossing to it) cannot carry one") from None
        offsets = None
        if joined.count("\0") != max(len(items) - 1, 0):  # a string holds NUL: say where each row starts
            encoded = [item.encode("utf-8") for item in items]
            data, offsets = b"\0".join(encoded), _offsets(numpy, (len(e) + 1 for e in encoded), len(items))
        blob = numpy.frombuffer(data, dtype=numpy.uint8) if data else numpy.zeros(1, dtype=numpy.uint8)
        column = _column(blob, offsets, valid)
        column.length = len(data)
        return column, [blob, offsets, valid]

    def _nulls(self, numpy: Any, items: List[Any], nullable: bool, where: _Where) -> Any:
        """The validity mask of *items*, whose nulls become "" (a non-str that is no null: TypeError)."""
        valid = numpy.ones(len(items), dtype=numpy.uint8)
        for row in [i for i, item in enumerate(items) if not isinstance(item, str)]:
            item = items[row]
            if not _is_null(item):
                raise TypeError(f"{where.at(row)} must be str, not {type(item).__name__}")
            if not nullable:
                raise _not_null(where, row, item, self.cs)
            valid[row], items[row] = 0, ""
        return valid

    def allocate(self, numpy: Any, rows: int, nullable: bool) -> Tuple[NativeColumn, List[Any]]:
        valid = numpy.empty(rows, dtype=numpy.uint8)  # .NET may return null for any string
        return _column(None, None, valid), [valid]

    def decode(self, numpy: Any, column: NativeColumn, keep: List[Any], rows: int, nullable: bool) -> Any:
        offsets, data = _blob(column.data, rows)
        bounds = offsets.tolist()
        if data.isascii():
            text = data.decode("ascii")
            values: List[Any] = [text[bounds[i]:bounds[i + 1]] for i in range(rows)]
        else:
            values = [data[bounds[i]:bounds[i + 1]].decode("utf-8") for i in range(rows)]
        for row in numpy.flatnonzero(keep[0] == 0).tolist():
            values[row] = None
        return _objects(numpy, values)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


class Wire(Kind):
    """Each row in the composite wire encoding of its codec (nulls included), with int64 offsets:
    any scalar type with a codec crosses this way."""

    def __init__(self, codec: Any, cs: str) -> None:
        self.codec, self.cs = codec, cs

    def encode(self, numpy: Any, values: Any, nullable: bool, where: _Where) -> Tuple[NativeColumn, List[Any]]:
        out = bytearray()
        lengths = []
        for row, item in enumerate(_items(numpy, values)):
            if _is_null(item):
                if not nullable:
                    raise _not_null(where, row, item, self.cs)
                item = None
            start = len(out)
            self.codec.write(out, item, where.at(row))
            lengths.append(len(out) - start)
        blob = numpy.frombuffer(bytes(out) or b"\0", dtype=numpy.uint8)
        offsets = _offsets(numpy, lengths, len(lengths))
        return _column(blob, offsets), [blob, offsets]

    def allocate(self, numpy: Any, rows: int, nullable: bool) -> Tuple[NativeColumn, List[Any]]:
        return NativeColumn(None, None, None, 1), []

    def decode(self, numpy: Any, column: NativeColumn, keep: List[Any], rows: int, nullable: bool) -> Any:
        _, data = _blob(column.data, rows)
        reader = _dotnet._Reader(data)
        return _objects(numpy, [self.codec.read(reader) for _ in range(rows)])


class Ticks(Kind):
    """Dates and durations as one int64 per row: .NET ticks (a DateTime's with bit 62 for an aware,
    UTC one), a DateOnly's day number. numpy converts datetime64/timedelta64 columns in one go;
    other items go through the scalar codec, one by one, with its checks and messages."""

    # Microseconds from 0001-01-01 to numpy's epoch 1970-01-01, and days.
    EPOCH_DAYS = 719_162
    EPOCH_MICROSECONDS = EPOCH_DAYS * 86_400_000_000
    UTC = 1 << 62

    def __init__(self, codec: Any, name: str) -> None:
        self.codec, self.name, self.cs = codec, name, name

    def _vector(self, numpy: Any, values: Any) -> Any:
        """The int64 ticks of a datetime64/timedelta64 column (a tz-aware pandas Series too) and its
        NaT mask, or None when the column is not one this type takes that way."""
        utc = False
        if _pandas_kind(values) == "Series":
            dtype = values.dtype
            if getattr(dtype, "tz", None) is not None and self.name == "DateTime":
                values, utc = values.dt.tz_convert("UTC").dt.tz_localize(None), True
            elif not isinstance(dtype, numpy.dtype):
                return None
            values = values.to_numpy()
        if not isinstance(values, numpy.ndarray) or values.ndim != 1:
            return None
        kind = values.dtype.kind
        unit = numpy.datetime_data(values.dtype)[0] if kind in "Mm" else ""
        if (kind, self.name) not in (("M", "DateTime"), ("m", "TimeSpan")) and (kind, unit, self.name) != ("M", "D", "DateOnly"):
            return None
        missing = numpy.isnat(values)
        if self.name == "DateOnly":
            return values.view(numpy.int64) + self.EPOCH_DAYS, missing
        # Microseconds, the finer digits dropped toward the past as the scalar codec drops them.
        if unit in ("ns", "ps", "fs", "as"):
            per = {"ns": 1_000, "ps": 1_000_000, "fs": 1_000_000_000, "as": 1_000_000_000_000}[unit]
            micros = numpy.floor_divide(values.view(numpy.int64), per)
        elif unit == "us":
            micros = values.view(numpy.int64)
        else:
            micros = values.astype(values.dtype.str[:3] + "[us]").view(numpy.int64)
        ticks = (micros + (self.EPOCH_MICROSECONDS if self.name == "DateTime" else 0)) * 10
        if utc:
            ticks |= self.UTC
        return ticks, missing

    def _item(self, item: Any, where: str) -> int:
        out = bytearray()
        self.codec.write(out, item, where)
        value = int.from_bytes(out[:8] if self.name != "DateOnly" else out, "little", signed=True)
        return value | self.UTC if self.name == "DateTime" and out[8] == 1 else value

    def encode(self, numpy: Any, values: Any, nullable: bool, where: _Where) -> Tuple[NativeColumn, List[Any]]:
        vector = self._vector(numpy, values)
        valid = None
        if vector is not None:
            data, missing = vector
            if missing.any():
                row = int(numpy.flatnonzero(missing)[0])
                if not nullable:
                    raise _not_null(where, row, None, self.cs)
                valid = (~missing).astype(numpy.uint8)
                data = numpy.where(missing, 0, data)
            data = numpy.ascontiguousarray(data, dtype=numpy.int64)
            return _column(data, None, valid), [data, valid]
        items = _items(numpy, values)
        ticks = [0] * len(items)
        for row, item in enumerate(items):
            if _is_null(item):
                if not nullable:
                    raise _not_null(where, row, item, self.cs)
                if valid is None:
                    valid = numpy.ones(len(items), dtype=numpy.uint8)
                valid[row] = 0
            else:
                ticks[row] = self._item(item, where.at(row))
        data = numpy.array(ticks, dtype=numpy.int64)
        return _column(data, None, valid), [data, valid]

    def allocate(self, numpy: Any, rows: int, nullable: bool) -> Tuple[NativeColumn, List[Any]]:
        data = numpy.empty(rows, dtype=numpy.int64)
        valid = numpy.empty(rows, dtype=numpy.uint8) if nullable else None
        return _column(data, None, valid), [data, valid]

    def decode(self, numpy: Any, column: NativeColumn, keep: List[Any], rows: int, nullable: bool) -> Any:
        """numpy's own dates and durations (datetime64[us], timedelta64[us], datetime64[D]; NaT for
        null), so that a column stays a column; aware DateTimes (DateTimeKind.Utc) and TimeOnly,
        which numpy has no type for, as objects (None for null)."""
        data, valid = keep
        missing = None if valid is None else valid == 0
        if self.name == "DateTime" and not ((data & self.UTC) != 0).any():
            # int64 reinterpreted in place: numpy's astype from integers converts item by item
            values = (data // 10 - self.EPOCH_MICROSECONDS).view("datetime64[us]")
        elif self.name == "TimeSpan":
            values = numpy.where(data < 0, -(-data // 10), data // 10).view("timedelta64[us]")  # toward zero
        elif self.name == "DateOnly":
            values = (data - self.EPOCH_DAYS).view("datetime64[D]")
        else:
            reader = _dotnet._Reader(b"".join(int(v & (self.UTC - 1)).to_bytes(8, "little", signed=True)
                                              + (b"\1" if v & self.UTC else b"\0") for v in data.tolist())
                                     if self.name == "DateTime" else data.astype("<i8").tobytes())
            values = _objects(numpy, [self.codec.read(reader) for _ in range(rows)])
            if missing is not None:
                values[missing] = None
            return values
        if missing is not None:
            values[missing] = numpy.array("NaT", dtype=values.dtype)
        return values


# -- plans: what one function's .map takes and returns --------------------------------------------


class Leaf:
    __slots__ = ("name", "kind", "nullable")

    def __init__(self, name: str, kind: Kind, nullable: bool) -> None:
        self.name, self.kind, self.nullable = name, kind, nullable


class Value:
    """A parameter (or the result): one leaf, or the fields of a record class."""

    __slots__ = ("name", "record", "leaves")

    def __init__(self, name: str, record: Any, leaves: Sequence[Leaf]) -> None:
        self.name, self.record, self.leaves = name, record, tuple(leaves)


class Plan:
    """What the `.map` of *function* takes and returns, and its entry point (the library's *symbol*)."""

    __slots__ = ("function", "symbol", "inputs", "result", "entry_point")

    def __init__(self, function: str, symbol: str, inputs: Sequence[Value], result: Value) -> None:
        self.function, self.symbol, self.inputs, self.result = function, symbol, tuple(inputs), result
        # Its ctypes function, made at the first call: making every .map's at import took 1 ms (the
        # sample's 99).
        self.entry_point: Any = None


def attach(function: Any, mapper: Any) -> None:
    """Make *mapper* the `.map` of *function*."""
    mapper.__name__ = "map"
    mapper.__qualname__ = f"{function.__qualname__}.map"
    function.map = mapper


def _length(value: Any, numpy: Any, where: str) -> Optional[int]:
    """Rows of a column argument; None for a scalar (broadcast)."""
    if isinstance(value, (str, bytes, bytearray)) or value is None:
        return None
    if isinstance(value, numpy.ndarray):
        if value.ndim != 1:
            raise ValueError(f"{where} must be 1-D, not an array of shape {value.shape}")
        return len(value)
    if _pandas_kind(value) == "Series" or (hasattr(value, "__len__") and hasattr(value, "__getitem__")
                                           and not hasattr(value, "keys")):
        return len(value)
    return None


def _fields(value: Value, argument: Any, where: str) -> List[Any]:
    """A record argument's columns, in field order: from a DataFrame, a mapping or one record."""
    if isinstance(argument, value.record):
        return [getattr(argument, leaf.name) for leaf in value.leaves]
    kind = _pandas_kind(argument)
    if kind == "DataFrame" or (not kind and hasattr(argument, "keys") and hasattr(argument, "__getitem__")):
        names = list(argument.keys())
        missing = [leaf.name for leaf in value.leaves if leaf.name not in names]
        if missing:
            raise ValueError(f"{where} has no column for the {value.record.__name__} field(s) "
                             f"{', '.join(repr(m) for m in missing)} (it has: {', '.join(repr(str(n)) for n in names)})")
        return [argument[leaf.name] for leaf in value.leaves]
    raise TypeError(f"{where} must be a pandas DataFrame, a mapping of {value.record.__name__} field names "
                    f"to columns, or one {value.record.__name__}, not {type(argument).__name__}")


def _row_error(pointer: ctypes.c_void_p, row: int) -> _dotnet.DotNetError:
    error = _dotnet.error(pointer.value)
    if row >= 0:
        error.message = f"row {row}: {error.message}"
        error.args = (error.message,)
    return error


def _entry_point(library: ctypes.CDLL, plan: Plan) -> Any:
    native = library[plan.symbol]
    native.argtypes = (ctypes.c_int64, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p)
    native.restype = ctypes.c_int32
    plan.entry_point = native
    return native


def apply(library: ctypes.CDLL, plan: Plan, arguments: Sequence[Any]) -> Any:
    """Run *plan*'s function over the columns in *arguments* (in parameter order) in one call of its
    entry point in *library*."""
    check_usable()
    native = plan.entry_point
    if native is None:
        native = _entry_point(library, plan)
    numpy = _numpy()
    index, indexed = None, ""
    columns: List[Tuple[Leaf, Any, str]] = []
    for value, argument in zip(plan.inputs, arguments):
        where = f"{plan.function}.map() argument '{value.name}'"
        if _pandas_kind(argument) in ("Series", "DataFrame"):
            if index is None:
                index, indexed = argument.index, where
            elif argument.index is not index and not argument.index.equals(index):
                # Rows are paired by position; pandas would pair them by label.
                raise ValueError(f"{where} has another index than {indexed}: .map() pairs rows by position, so the "
                                 "pandas arguments must have equal indexes; align them first (a, b = a.align(b), or "
                                 "b.reindex(a.index)), or pass .to_numpy() to pair by position")
        if value.record is None:
            columns.append((value.leaves[0], argument, where))
        else:
            for leaf, column in zip(value.leaves, _fields(value, argument, where)):
                columns.append((leaf, column, f"{where} field '{leaf.name}'"))
    lengths = [(where, _length(column, numpy, where)) for _, column, where in columns]
    sized = [(where, n) for where, n in lengths if n is not None]
    if not sized:
        raise TypeError(f"{plan.function}.map() needs at least one column (a sequence, array or Series); "
                        f"for one row call {plan.function}()")
    rows = sized[0][1]
    if any(n != rows for _, n in sized):
        first: Dict[int, str] = {}
        for where, n in sized:
            first.setdefault(n, where)
        raise ValueError(f"{plan.function}.map(): the columns have different lengths: "
                         + ", ".join(f"{where} has {n}" for n, where in first.items()))
    inputs = (NativeColumn * max(len(columns), 1))()
    keep: List[Any] = []
    for k, ((leaf, column, where), (_, n)) in enumerate(zip(columns, lengths)):
        broadcast = n is None
        encoded, held = leaf.kind.encode(numpy, [column] if broadcast else column, leaf.nullable, _Where(where, broadcast))
        if broadcast:
            encoded.step = 0
        inputs[k] = encoded
        keep.append(held)
    outputs = (NativeColumn * len(plan.result.leaves))()
    held_outputs = []
    for j, leaf in enumerate(plan.result.leaves):
        outputs[j], held = leaf.kind.allocate(numpy, rows, leaf.nullable)
        held_outputs.append(held)
    failed, error = ctypes.c_int64(-1), ctypes.c_void_p()
    if native(rows, inputs, outputs, ctypes.byref(failed), ctypes.byref(error)):
        raise _row_error(error, failed.value)
    results = {leaf.name: leaf.kind.decode(numpy, outputs[j], held_outputs[j], rows, leaf.nullable)
               for j, leaf in enumerate(plan.result.leaves)}
    if plan.result.record is None:
        result = results[plan.result.leaves[0].name]
        if index is None:
            return result
        import pandas  # an argument was a pandas object, so pandas is there

        try:
            return pandas.Series(result, index=index, name=plan.function)
        except (OverflowError, ValueError):  # dates beyond pandas' nanosecond range (1677-2262)
            return pandas.Series(result.astype(object), index=index, name=plan.function)
    if index is None:
        return results
    import pandas

    return pandas.DataFrame(results, index=index)
