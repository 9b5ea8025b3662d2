"""A pickle opcode interpreter that builds data and never calls anything it was not given.

``pickle`` rebuilds objects by importing and calling whatever the stream names (GLOBAL, then
REDUCE/BUILD/NEWOBJ), so a pickle is a program. This machine reads the same opcodes (protocols
2 to 5, the ones ``torch.save`` emits) onto its own stack and memo, and resolves each GLOBAL
through a table the caller passes in: a name that is not in the table is refused before
anything happens, and a name that is in it maps to one of the caller's own functions. Nothing
is imported, no attribute is looked up by name, no ``__reduce__``/``__setstate__`` runs.

Every length in the stream is checked against the bytes that are really left, so a hostile
length fails as a truncated file instead of a huge allocation.
"""
from __future__ import annotations

import struct
from collections import OrderedDict
from typing import Any, Callable

__all__ = ["UnsafeCheckpointError", "PickleMachine", "Allowed", "Marker"]


class UnsafeCheckpointError(ValueError):
    """A checkpoint names a callable or class that loading it would have to import and run.

    axonml refuses such files instead of executing them; the message names the global.
    """


class Marker:
    """A global that the stream may name but not call (a storage type, a class used as an argument)."""

    __slots__ = ("qualname", "value")

    def __init__(self, qualname: str, value: Any = None):
        self.qualname = qualname
        self.value = value

    def __repr__(self) -> str:
        return f"<{self.qualname}>"


class Allowed:
    """A global the stream may call with REDUCE (or NEWOBJ): ``function(*args)``, and optionally BUILD."""

    __slots__ = ("qualname", "function")

    def __init__(self, qualname: str, function: Callable[..., Any]):
        self.qualname = qualname
        self.function = function

    def __repr__(self) -> str:
        return f"<{self.qualname}>"


class _Mark:
    __slots__ = ()


_MARK = _Mark()
_HIGHEST_PROTOCOL = 5


class _Reader:
    """Reads from a binary file object, refusing any length that runs past ``end``."""

    __slots__ = ("file", "position", "end", "source")

    def __init__(self, file, end: int, source: str):
        self.file = file
        self.position = file.tell()
        self.end = end
        self.source = source

    def read(self, n: int) -> bytes:
        if n < 0 or n > self.end - self.position:
            raise ValueError(f"{self.source}: truncated pickle (an entry of {n} bytes at byte {self.position} "
                             f"runs past the end, {self.end})")
        data = self.file.read(n)
        if len(data) != n:
            raise ValueError(f"{self.source}: truncated pickle at byte {self.position}")
        self.position += n
        return data


class PickleMachine:
    """Interpret one pickle from a file object.

    Args:
        globals_table: ``{(module, name): Marker | Allowed}``; any other GLOBAL raises
            :class:`UnsafeCheckpointError` naming it.
        persistent_load: called with the persistent id of BINPERSID (None: such ids are refused).
        build: called as ``build(obj, state)`` for BUILD; it returns the object or raises.
        source: the file's name, for messages.
    """

    def __init__(self, globals_table: dict, persistent_load: Callable[[Any], Any] | None = None,
                 build: Callable[[Any, Any], Any] | None = None, source: str = "<pickle>"):
        self.globals_table = globals_table
        self.persistent_load = persistent_load
        self.build = build
        self.source = source

    # -- the loop ------------------------------------------------------------------------------------

    def load(self, file, end: int) -> Any:
        """Run the pickle that starts at file's position; stop after STOP, leaving file just past it."""
        reader = _Reader(file, end, self.source)
        stack: list = []
        metastack: list = []
        memo: dict = {}
        read = reader.read
        fail = self._fail

        def pop_mark() -> list:
            nonlocal stack
            if not metastack:
                fail(reader, "an opcode needs a MARK that is not there")
            items = stack
            stack = metastack.pop()
            if any(item is _MARK for item in items):
                fail(reader, "a MARK inside a marked run")
            return items

        def pop():
            if not stack or stack[-1] is _MARK:
                fail(reader, "the stack is empty")
            return stack.pop()

        def top():
            if not stack or stack[-1] is _MARK:
                fail(reader, "the stack is empty")
            return stack[-1]

        while True:
            at = reader.position
            code = read(1)
            if code == b"\x80":                                  # PROTO
                protocol = read(1)[0]
                if protocol > _HIGHEST_PROTOCOL:
                    fail(reader, f"unsupported pickle protocol {protocol}")
            elif code == b"\x95":                                # FRAME: a length hint only
                read(8)
            elif code == b".":                                   # STOP
                if len(stack) != 1 or metastack:
                    fail(reader, "STOP with a stack that does not hold exactly one object")
                return stack[0]
            elif code == b"(":                                   # MARK
                metastack.append(stack)
                stack = []
            elif code == b"0":                                   # POP
                if stack and stack[-1] is _MARK:
                    fail(reader, "POP of a MARK")
                pop()
            elif code == b"1":                                   # POP_MARK
                pop_mark()
            elif code == b"2":                                   # DUP
                stack.append(top())
            # -- numbers and constants
            elif code == b"J":
                stack.append(struct.unpack("<i", read(4))[0])
            elif code == b"K":
                stack.append(read(1)[0])
            elif code == b"M":
                stack.append(struct.unpack("<H", read(2))[0])
            elif code == b"\x8a":                                # LONG1
                stack.append(int.from_bytes(read(read(1)[0]), "little", signed=True))
            elif code == b"\x8b":                                # LONG4
                length = struct.unpack("<i", read(4))[0]
                if length > 1 << 16:
                    fail(reader, f"an integer of {length} bytes")
                stack.append(int.from_bytes(read(length), "little", signed=True))
            elif code == b"G":
                stack.append(struct.unpack(">d", read(8))[0])
            elif code == b"N":
                stack.append(None)
            elif code == b"\x88":
                stack.append(True)
            elif code == b"\x89":
                stack.append(False)
            # -- strings and bytes
            elif code == b"\x8c":                                # SHORT_BINUNICODE
                stack.append(self._text(reader, read(read(1)[0])))
            elif code == b"X":                                   # BINUNICODE
                stack.append(self._text(reader, read(struct.unpack("<I", read(4))[0])))
            elif code == b"\x8d":                                # BINUNICODE8
                stack.append(self._text(reader, read(struct.unpack("<Q", read(8))[0])))
            elif code == b"U":                                   # SHORT_BINSTRING (a Python 2 str)
                stack.append(read(read(1)[0]).decode("latin-1"))
            elif code == b"T":                                   # BINSTRING
                length = struct.unpack("<i", read(4))[0]
                stack.append(read(length).decode("latin-1"))
            elif code == b"C":                                   # SHORT_BINBYTES
                stack.append(read(read(1)[0]))
            elif code == b"B":                                   # BINBYTES
                stack.append(read(struct.unpack("<I", read(4))[0]))
            elif code == b"\x8e":                                # BINBYTES8
                stack.append(read(struct.unpack("<Q", read(8))[0]))
            elif code == b"\x96":                                # BYTEARRAY8
                stack.append(bytearray(read(struct.unpack("<Q", read(8))[0])))
            # -- containers
            elif code == b")":
                stack.append(())
            elif code == b"t":
                items = tuple(pop_mark())      # pop_mark rebinds stack: take the items first
                stack.append(items)
            elif code == b"\x85":
                stack.append((pop(),))
            elif code == b"\x86":
                second = pop()
                stack.append((pop(), second))
            elif code == b"\x87":
                third, second = pop(), pop()
                stack.append((pop(), second, third))
            elif code == b"]":
                stack.append([])
            elif code == b"l":                                   # LIST
                items = pop_mark()
                stack.append(items)
            elif code == b"a":                                   # APPEND
                item = pop()
                self._list(reader, top()).append(item)
            elif code == b"e":                                   # APPENDS
                items = pop_mark()
                self._list(reader, top()).extend(items)
            elif code == b"}":
                stack.append({})
            elif code == b"d":                                   # DICT
                items = pop_mark()
                items = self._set_items(reader, {}, items)
                stack.append(items)
            elif code == b"s":                                   # SETITEM
                value, key = pop(), pop()
                self._set_items(reader, top(), [key, value])
            elif code == b"u":                                   # SETITEMS
                items = pop_mark()
                self._set_items(reader, top(), items)
            elif code == b"\x8f":                                # EMPTY_SET
                stack.append(set())
            elif code == b"\x90":                                # ADDITEMS
                items = pop_mark()
                target = top()
                if not isinstance(target, set):
                    fail(reader, f"ADDITEMS on a {type(target).__name__}")
                self._hashable(reader, items)
                target.update(items)
            elif code == b"\x91":                                # FROZENSET
                items = pop_mark()
                self._hashable(reader, items)
                items = frozenset(items)
                stack.append(items)
            # -- the memo
            elif code == b"q":
                memo[read(1)[0]] = top()
            elif code == b"r":
                memo[struct.unpack("<I", read(4))[0]] = top()
            elif code == b"\x94":                                # MEMOIZE
                memo[len(memo)] = top()
            elif code in (b"h", b"j"):                           # BINGET, LONG_BINGET
                index = read(1)[0] if code == b"h" else struct.unpack("<I", read(4))[0]
                if index not in memo:
                    fail(reader, f"memo entry {index} is read before it is written")
                stack.append(memo[index])
            # -- what pickle would import and call
            elif code == b"c":                                   # GLOBAL "module\nname\n"
                module = self._line(reader)
                name = self._line(reader)
                stack.append(self._global(module, name))
            elif code == b"\x93":                                # STACK_GLOBAL
                name, module = pop(), pop()
                if not isinstance(module, str) or not isinstance(name, str):
                    fail(reader, "STACK_GLOBAL with names that are not strings")
                stack.append(self._global(module, name))
            elif code in (b"R", b"\x81"):                        # REDUCE, NEWOBJ
                args, function = pop(), pop()
                stack.append(self._call(reader, function, args))
            elif code == b"\x92":                                # NEWOBJ_EX
                kwargs, args, function = pop(), pop(), pop()
                if kwargs:
                    self._refuse(function, "with keyword arguments")
                stack.append(self._call(reader, function, args))
            elif code == b"b":                                   # BUILD
                state = pop()
                target = pop()
                if self.build is None:
                    self._refuse(target, "with BUILD")
                stack.append(self.build(target, state))
            elif code == b"Q":                                   # BINPERSID
                pid = pop()
                if self.persistent_load is None:
                    fail(reader, "a persistent id where none is allowed")
                stack.append(self.persistent_load(pid))
            # -- the text opcodes of protocols 0 and 1 that carry data
            elif code == b"I":                                   # INT (also 00/01 for False/True)
                text = self._line(reader)
                stack.append({"00": False, "01": True}.get(text) if text in ("00", "01") else self._int(reader, text))
            elif code == b"L":                                   # LONG
                stack.append(self._int(reader, self._line(reader).rstrip("L")))
            elif code == b"F":                                   # FLOAT
                try:
                    stack.append(float(self._line(reader)))
                except ValueError:
                    fail(reader, "a FLOAT that is not a number")
            elif code == b"S":                                   # STRING: a quoted, escaped line
                stack.append(self._quoted(reader, self._line(reader, raw=True)))
            elif code == b"V":                                   # UNICODE: raw-unicode-escape line
                stack.append(self._line(reader, raw=True).decode("raw-unicode-escape", "replace"))
            elif code == b"p":                                   # PUT
                memo[self._int(reader, self._line(reader))] = top()
            elif code == b"g":                                   # GET
                index = self._int(reader, self._line(reader))
                if index not in memo:
                    fail(reader, f"memo entry {index} is read before it is written")
                stack.append(memo[index])
            elif code in (b"i", b"o"):                           # INST, OBJ: protocol 0/1 instance creation
                if code == b"i":
                    module, name = self._line(reader), self._line(reader)
                    raise UnsafeCheckpointError(f"{self.source}: refusing to create an instance of {module}.{name} "
                                                "(INST): loading this file would run code")
                raise UnsafeCheckpointError(f"{self.source}: refusing an OBJ opcode: loading this file would run code")
            elif code in (b"\x82", b"\x83", b"\x84"):            # EXT1/2/4: the copyreg extension registry
                raise UnsafeCheckpointError(f"{self.source}: refusing an extension-registry global (EXT)")
            else:
                fail(reader, f"unsupported pickle opcode {code!r} at byte {at}")

    # -- helpers ---------------------------------------------------------------------------------------

    def _fail(self, reader: _Reader, why: str):
        raise ValueError(f"{self.source}: malformed pickle: {why} (byte {reader.position})")

    def _text(self, reader: _Reader, data: bytes) -> str:
        try:
            return data.decode("utf-8", "surrogatepass")
        except UnicodeDecodeError:
            self._fail(reader, "a string that is not UTF-8")

    def _line(self, reader: _Reader, raw: bool = False):
        chars = bytearray()
        limit = 1 << 20 if raw else 512
        while True:
            char = reader.read(1)
            if char == b"\n":
                return bytes(chars) if raw else chars.decode("utf-8", "replace")
            chars += char
            if len(chars) > limit:
                self._fail(reader, f"a text line longer than {limit} characters")

    def _int(self, reader: _Reader, text: str) -> int:
        if not text or len(text) > 4300 or not text.lstrip("-").isdigit():
            self._fail(reader, f"{text[:40]!r} is not an integer")
        return int(text)

    def _quoted(self, reader: _Reader, line: bytes) -> str:
        import codecs
        if len(line) < 2 or line[:1] not in (b"'", b'"') or line[-1:] != line[:1]:
            self._fail(reader, "a STRING that is not quoted")
        return codecs.escape_decode(line[1:-1])[0].decode("latin-1")

    def _list(self, reader: _Reader, target) -> list:
        if not isinstance(target, list):
            self._fail(reader, f"APPEND to a {type(target).__name__}")
        return target

    def _hashable(self, reader: _Reader, keys) -> None:
        for key in keys:
            try:
                hash(key)
            except TypeError:
                self._fail(reader, f"an unhashable key of type {type(key).__name__}")

    def _set_items(self, reader: _Reader, target, items: list):
        if not isinstance(target, dict):
            self._fail(reader, f"SETITEM on a {type(target).__name__}")
        if len(items) % 2:
            self._fail(reader, "SETITEMS with an odd number of items")
        keys = items[0::2]
        self._hashable(reader, keys)
        for key, value in zip(keys, items[1::2]):
            target[key] = value
        return target

    def _global(self, module: str, name: str):
        entry = self.globals_table.get((module, name))
        if entry is None:
            raise UnsafeCheckpointError(f"{self.source}: refusing to load the global {module}.{name}: loading this "
                                        "file would import and run it (only tensors, storages and containers are "
                                        "rebuilt)")
        return entry

    def _refuse(self, target, how: str):
        name = target.qualname if isinstance(target, (Marker, Allowed)) else type(target).__name__
        raise UnsafeCheckpointError(f"{self.source}: refusing to call {name} {how}")

    def _call(self, reader: _Reader, function, args):
        if not isinstance(function, Allowed):
            self._refuse(function, "(it is not a callable this reader allows)")
        if not isinstance(args, tuple):
            self._fail(reader, f"arguments of {function.qualname} are not a tuple")
        try:
            return function.function(*args)
        except UnsafeCheckpointError:
            raise
        except (TypeError, ValueError, OverflowError) as error:
            self._fail(reader, f"{function.qualname}{_short(args)}: {error}")


def _short(args) -> str:
    text = repr(args)
    return text if len(text) < 120 else text[:117] + "..."


def ordered_dict(*args) -> OrderedDict:
    """collections.OrderedDict() or OrderedDict([(key, value), ...]), rebuilt as data."""
    if not args:
        return OrderedDict()
    if len(args) != 1 or not isinstance(args[0], (list, tuple)):
        raise ValueError("OrderedDict takes one list of pairs")
    out = OrderedDict()
    for pair in args[0]:
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise ValueError("OrderedDict items must be pairs")
        out[pair[0]] = pair[1]
    return out
