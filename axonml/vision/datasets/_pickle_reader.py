"""A restricted reader for pickled dicts of bytes, numbers, lists and NumPy arrays.

CIFAR's "python version" stores each batch as a pickle. Unpickling runs whatever callables the
file names, so we never hand such a file to ``pickle``. This reader interprets the opcodes
itself and builds only plain containers, scalars, bytes/str and NumPy arrays; the only globals
it accepts are the handful NumPy and Python 3 use to pickle arrays and bytes, and those are not
called but recognised and rebuilt here. Anything else is refused with an error naming the file.
"""
from __future__ import annotations

import struct

import numpy as np

__all__ = ["read_pickled_dict"]

_RECONSTRUCT = "ndarray reconstruct"
_NDARRAY = "ndarray"
_DTYPE = "dtype"
_ENCODE = "codecs.encode"
_FROMBUFFER = "frombuffer"
_SCALAR = "scalar"

_ALLOWED_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"): _RECONSTRUCT,
    ("numpy._core.multiarray", "_reconstruct"): _RECONSTRUCT,
    ("numpy", "ndarray"): _NDARRAY,
    ("numpy", "dtype"): _DTYPE,
    ("_codecs", "encode"): _ENCODE,
    ("numpy.core.numeric", "_frombuffer"): _FROMBUFFER,
    ("numpy._core.numeric", "_frombuffer"): _FROMBUFFER,
    ("numpy.core.multiarray", "scalar"): _SCALAR,
    ("numpy._core.multiarray", "scalar"): _SCALAR,
}


class _Global:
    __slots__ = ("kind",)

    def __init__(self, kind: str):
        self.kind = kind


class _PendingDtype:
    """numpy.dtype(descr, ...) whose byte order arrives later through BUILD."""
    __slots__ = ("descr", "dtype")

    def __init__(self, descr: str):
        self.descr = descr
        self.dtype = np.dtype(descr)


class _PendingArray:
    """An ndarray created empty by _reconstruct and filled by BUILD."""
    __slots__ = ("array",)

    def __init__(self):
        self.array = None


class _Mark:
    pass


_MARK = _Mark()


class _Reader:
    def __init__(self, data: bytes, path: str):
        self.data = data
        self.pos = 0
        self.path = path
        self.stack: list = []
        self.memo: dict = {}

    def fail(self, why: str):
        raise RuntimeError(f"{self.path}: cannot read this pickle safely: {why}")

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            self.fail("truncated data")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def unpack(self, fmt: str):
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]

    def line(self) -> str:
        end = self.data.find(b"\n", self.pos)
        if end < 0:
            self.fail("truncated data")
        text = self.data[self.pos:end].decode("ascii", "replace")
        self.pos = end + 1
        return text

    def pop_mark(self) -> list:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i] is _MARK:
                items = self.stack[i + 1:]
                del self.stack[i:]
                return items
        self.fail("MARK missing")

    def pop(self):
        if not self.stack:
            self.fail("stack underflow")
        return self.stack.pop()

    # --- the calls a NumPy / bytes pickle makes ---------------------------------------------------
    def reduce(self, func, args):
        if not isinstance(func, _Global) or not isinstance(args, tuple):
            self.fail("REDUCE on something other than an allowed global")
        kind = func.kind
        if kind == _RECONSTRUCT:
            return _PendingArray()
        if kind == _DTYPE and args and isinstance(args[0], (str, bytes)):
            descr = args[0].decode("latin1") if isinstance(args[0], bytes) else args[0]
            try:
                return _PendingDtype(descr)
            except TypeError:
                self.fail(f"unknown dtype {args[0]!r}")
        if kind == _ENCODE and len(args) == 2 and isinstance(args[0], str) and args[1] == "latin1":
            return args[0].encode("latin1")
        if kind == _FROMBUFFER and len(args) == 4:
            buffer, dtype, shape, order = args
            dtype = self.resolve_dtype(dtype)
            return np.frombuffer(bytes(buffer), dtype=dtype).reshape(shape, order=order).copy()
        if kind == _SCALAR and len(args) == 2 and isinstance(args[1], bytes):
            return np.frombuffer(args[1], dtype=self.resolve_dtype(args[0]), count=1)[0]
        self.fail(f"unexpected arguments for {kind}")

    def resolve_dtype(self, dtype):
        if isinstance(dtype, _PendingDtype):
            return dtype.dtype
        self.fail("an array without a dtype")

    def build(self, obj, state):
        if isinstance(obj, _PendingDtype):
            if not isinstance(state, tuple) or len(state) < 4:
                self.fail("unexpected dtype state")
            order = state[1].decode("latin1") if isinstance(state[1], bytes) else state[1]
            if order not in ("<", ">", "|", "="):
                self.fail("unexpected dtype byte order")
            if state[2] is not None or state[3] is not None:
                self.fail("structured dtypes are not supported")
            order = order if order != "|" else "="
            obj.dtype = obj.dtype.newbyteorder(order)
            return
        if isinstance(obj, _PendingArray):
            if not isinstance(state, tuple) or len(state) != 5:
                self.fail("unexpected ndarray state")
            _, shape, dtype, fortran, raw = state
            dtype = self.resolve_dtype(dtype)
            if dtype.hasobject or not isinstance(raw, (bytes, bytearray)):
                self.fail("object arrays are not supported")
            count = int(np.prod(shape, dtype=np.int64))
            if len(raw) != count * dtype.itemsize:
                self.fail(f"array data of {len(raw)} bytes does not fit shape {shape} of {dtype}")
            array = np.frombuffer(bytes(raw), dtype=dtype, count=count)
            obj.array = array.reshape(shape, order="F" if fortran else "C").copy()
            return
        self.fail(f"BUILD on a {type(obj).__name__}")

    # --- the opcode loop --------------------------------------------------------------------------------
    def run(self):
        stack, memo = self.stack, self.memo
        while True:
            op = self.take(1)[0]
            if op == 0x80:                                  # PROTO
                if self.take(1)[0] > 5:
                    self.fail("unsupported pickle protocol")
            elif op == 0x95:                                # FRAME
                self.take(8)
            elif op == 0x2E:                                # STOP
                return self.pop()
            elif op == 0x7D:                                # EMPTY_DICT
                stack.append({})
            elif op == 0x5D:                                # EMPTY_LIST
                stack.append([])
            elif op == 0x29:                                # EMPTY_TUPLE
                stack.append(())
            elif op == 0x28:                                # MARK
                stack.append(_MARK)
            elif op == 0x71:                                # BINPUT
                memo[self.take(1)[0]] = stack[-1]
            elif op == 0x72:                                # LONG_BINPUT
                memo[self.unpack("<I")] = stack[-1]
            elif op == 0x94:                                # MEMOIZE
                memo[len(memo)] = stack[-1]
            elif op in (0x68, 0x6A):                        # BINGET, LONG_BINGET
                key = self.take(1)[0] if op == 0x68 else self.unpack("<I")
                if key not in memo:
                    self.fail("memo reference to a missing object")
                stack.append(memo[key])
            elif op == 0x55:                                # SHORT_BINSTRING (Python 2 str)
                stack.append(self.take(self.take(1)[0]))
            elif op == 0x54:                                # BINSTRING
                stack.append(self.take(self.unpack("<i")))
            elif op in (0x58, 0x8C, 0x8D):                  # BINUNICODE, SHORT_BINUNICODE, BINUNICODE8
                size = self.unpack({0x58: "<I", 0x8C: "<B", 0x8D: "<Q"}[op])
                stack.append(self.take(size).decode("utf-8", "surrogatepass"))
            elif op in (0x43, 0x42, 0x8E, 0x96):            # SHORT_BINBYTES, BINBYTES, BINBYTES8, BYTEARRAY8
                size = self.unpack({0x43: "<B", 0x42: "<I", 0x8E: "<Q", 0x96: "<Q"}[op])
                chunk = self.take(size)
                stack.append(bytearray(chunk) if op == 0x96 else chunk)
            elif op == 0x4B:                                # BININT1
                stack.append(self.take(1)[0])
            elif op == 0x4D:                                # BININT2
                stack.append(self.unpack("<H"))
            elif op == 0x4A:                                # BININT
                stack.append(self.unpack("<i"))
            elif op in (0x8A, 0x8B):                        # LONG1, LONG4
                size = self.take(1)[0] if op == 0x8A else self.unpack("<i")
                stack.append(int.from_bytes(self.take(size), "little", signed=True))
            elif op == 0x47:                                # BINFLOAT
                stack.append(self.unpack(">d"))
            elif op == 0x4E:                                # NONE
                stack.append(None)
            elif op in (0x88, 0x89):                        # NEWTRUE, NEWFALSE
                stack.append(op == 0x88)
            elif op == 0x49:                                # INT (text; Python 2 writes booleans so)
                text = self.line()
                if text in ("00", "01"):
                    stack.append(text == "01")
                elif text.lstrip("-").isdigit():
                    stack.append(int(text))
                else:
                    self.fail("malformed INT")
            elif op in (0x85, 0x86, 0x87):                  # TUPLE1..3
                count = op - 0x84
                if len(stack) < count:
                    self.fail("stack underflow")
                items = tuple(stack[-count:])
                del stack[-count:]
                stack.append(items)
            elif op == 0x74:                                # TUPLE
                stack.append(tuple(self.pop_mark()))
            elif op == 0x6C:                                # LIST
                stack.append(self.pop_mark())
            elif op == 0x64:                                # DICT
                items = self.pop_mark()
                stack.append(dict(zip(items[::2], items[1::2])))
            elif op == 0x61:                                # APPEND
                value = self.pop()
                self.append(stack[-1], [value])
            elif op == 0x65:                                # APPENDS
                items = self.pop_mark()
                self.append(stack[-1], items)
            elif op == 0x73:                                # SETITEM
                value, key = self.pop(), self.pop()
                self.setitems(stack[-1], [key, value])
            elif op == 0x75:                                # SETITEMS
                items = self.pop_mark()
                self.setitems(stack[-1], items)
            elif op == 0x63:                                # GLOBAL
                module, name = self.line(), self.line()
                stack.append(self.global_(module, name))
            elif op == 0x93:                                # STACK_GLOBAL
                name, module = self.pop(), self.pop()
                if not isinstance(module, str) or not isinstance(name, str):
                    self.fail("STACK_GLOBAL with non-string names")
                stack.append(self.global_(module, name))
            elif op == 0x52:                                # REDUCE
                args, func = self.pop(), self.pop()
                stack.append(self.reduce(func, args))
            elif op == 0x62:                                # BUILD
                state = self.pop()
                self.build(stack[-1], state)
            else:
                self.fail(f"opcode 0x{op:02x} is not allowed")

    def global_(self, module: str, name: str) -> _Global:
        kind = _ALLOWED_GLOBALS.get((module, name))
        if kind is None:
            self.fail(f"it references {module}.{name}, which a data file has no reason to")
        return _Global(kind)

    def append(self, target, items):
        if not isinstance(target, list):
            self.fail("APPEND to a non-list")
        target.extend(items)

    def setitems(self, target, items):
        if not isinstance(target, dict) or len(items) % 2:
            self.fail("SETITEMS on a non-dict")
        for key, value in zip(items[::2], items[1::2]):
            try:
                target[key] = value
            except TypeError:
                self.fail("unhashable dict key")


def _finish(obj, path: str):
    if isinstance(obj, _PendingArray):
        if obj.array is None:
            raise RuntimeError(f"{path}: cannot read this pickle safely: an array without data")
        return obj.array
    if isinstance(obj, (_PendingDtype, _Global, _Mark)):
        raise RuntimeError(f"{path}: cannot read this pickle safely: a stray {type(obj).__name__}")
    if isinstance(obj, dict):
        return {_finish(k, path): _finish(v, path) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_finish(v, path) for v in obj]
    if isinstance(obj, tuple):
        return tuple(_finish(v, path) for v in obj)
    return obj


def read_pickled_dict(path: str) -> dict:
    """Read a pickled dict of plain data without running pickle.

    Bytes keys (Python 2 ``str``) are decoded as latin-1, as ``pickle.load(f, encoding="latin1")``
    would. Raises RuntimeError naming the file for anything outside the allowed subset, and for
    truncated or malformed data.
    """
    with open(path, "rb") as f:
        data = f.read()
    if not data.startswith(b"\x80"):
        raise RuntimeError(f"{path}: cannot read this pickle safely: only binary pickles (protocol 2 or later) "
                           f"are supported")
    result = _finish(_Reader(data, path).run(), path)
    if not isinstance(result, dict):
        raise RuntimeError(f"{path}: expected a pickled dict, found a {type(result).__name__}")
    return {k.decode("latin1") if isinstance(k, bytes) else k: v for k, v in result.items()}
