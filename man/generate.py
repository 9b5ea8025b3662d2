"""Write the man pages from the argparse parser: man/axonml.1 and one man/axonml-COMMAND.1 per command.

Run ``make man`` (or ``python man/generate.py``) after changing a command; ``--output DIR`` writes
elsewhere, which is how tests/cli/test_manpage.py checks that the pages in man/ match the parser.
"""
import argparse
import os
import sys

from argparse_manpage.manpage import Manpage

HERE = os.path.dirname(os.path.abspath(__file__))
MANUAL = "axonml manual"
DESCRIPTION = "train, evaluate and ship models with axonml"


def _take_examples(parser) -> list[str]:
    """The example lines of a parser's epilog and its actions' (removed from them, for an EXAMPLES section)."""
    lines = []
    for candidate in [parser, *_children(parser)]:
        epilog = candidate.epilog or ""
        if epilog.startswith("examples:"):
            lines += [line.strip() for line in epilog.splitlines()[1:] if line.strip() and line.strip() not in lines]
            candidate.epilog = None
    return lines


def _children(parser) -> list:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):
                found += [child, *_children(child)]
    return found


def _roff(text: str) -> str:
    return text.replace("\\", "\\e").replace("-", "\\-").replace("'", "\\(aq")


def _render(parser, page_name: str, description: str, see_also: list[str], examples: bool = True) -> str:
    data = {"project_name": "axonml", "description": description, "manual_title": MANUAL, "manual_section": 1}
    from axonml import __version__
    data["version"] = __version__
    lines = _take_examples(parser) if examples else []
    page = Manpage(parser, data)
    page.prog = page_name
    if lines:
        page.add_section("EXAMPLES", "=", ".nf\n" + "\n".join(_roff(line) for line in lines) + "\n.fi")
    if see_also:
        page.add_section("SEE ALSO", "=", ", ".join(f"\\fB{name}\\fR(1)" for name in see_also))
    return str(page)


def commands(parser) -> list[tuple[str, argparse.ArgumentParser, str]]:
    """(name, parser, one-line help) of every top-level command, aliases left out."""
    action = parser._subparsers._group_actions[0]
    helps = {choice.dest: choice.help for choice in action._choices_actions}
    return [(name, action.choices[name], helps[name]) for name in sorted(helps)]


def pages() -> dict[str, str]:
    os.environ["COLUMNS"] = "80"     # argparse wraps help text to the terminal: the same pages on every terminal
    sys.path.insert(0, os.path.dirname(HERE))
    from axonml.cli import build_parser
    parser = build_parser()
    found = commands(parser)
    result = {"axonml.1": _render(parser, "axonml", DESCRIPTION, [f"axonml-{name}" for name, _, _ in found],
                                  examples=False)}
    for name, child, help_text in found:
        result[f"axonml-{name}.1"] = _render(child, f"axonml-{name}", help_text or name, ["axonml"])
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default=HERE, metavar="DIR", help="where to write the pages (default: man/)")
    args = parser.parse_args(argv)
    os.makedirs(args.output, exist_ok=True)
    generated = pages()
    for stale in sorted(os.listdir(args.output)):
        if stale.startswith("axonml") and stale.endswith(".1") and stale not in generated:
            os.remove(os.path.join(args.output, stale))
    for name, text in generated.items():
        with open(os.path.join(args.output, name), "w") as f:
            f.write(text)
    print(f"wrote {len(generated)} man pages to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
