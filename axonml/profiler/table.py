"""The text table of profiler results, in torch.profiler's column layout."""
from __future__ import annotations

__all__ = ["build_table"]


def _time(us: float) -> str:
    if us >= 1e6:
        return f"{us / 1e6:.3f}s"
    if us >= 1e3:
        return f"{us / 1e3:.3f}ms"
    return f"{us:.3f}us"


def _bytes(n: int) -> str:
    sign, n = ("-" if n < 0 else ""), abs(n)
    for unit, size in (("Gb", 1 << 30), ("Mb", 1 << 20), ("Kb", 1 << 10)):
        if n >= size:
            return f"{sign}{n / size:.2f} {unit}"
    return f"{sign}{n} b"


def build_table(rows, self_total_us: float, row_limit: int, name_width: int, header: str | None) -> str:
    shapes = any(getattr(row, "input_shapes", None) for row in rows)
    memory = any(row.cpu_memory_usage or row.self_cpu_memory_usage for row in rows)  # profiled with memory
    columns = ["Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg"] + \
        (["CPU Mem", "Self CPU Mem"] if memory else []) + ["# of Calls"] + (["Input Shapes"] if shapes else [])
    body = []
    for row in rows[:row_limit] if row_limit and row_limit > 0 else rows:
        name = row.key if len(row.key) <= name_width else row.key[:name_width - 3] + "..."
        cells = [name, f"{100 * row.self_cpu_time_total / self_total_us:.2f}%", _time(row.self_cpu_time_total),
                 f"{100 * row.cpu_time_total / self_total_us:.2f}%", _time(row.cpu_time_total), _time(row.cpu_time)]
        if memory:
            cells += [_bytes(row.cpu_memory_usage), _bytes(row.self_cpu_memory_usage)]
        cells.append(str(row.count))
        if shapes:
            cells.append(str(row.input_shapes if row.input_shapes is not None else ""))
        body.append(cells)
    widths = [max([len(c)] + [len(r[i]) for r in body]) for i, c in enumerate(columns)]
    line = "-" * (sum(widths) + 2 * (len(widths) - 1))

    def render(cells):
        return "  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(cells, widths)))

    out = ([header] if header else []) + [line, render(columns), line] + [render(r) for r in body] + [line]
    out.append(f"Self CPU time total: {_time(self_total_us)}")
    return "\n".join(out) + "\n"
