"""``python -m lamina.course [name ...] [--list] [--with-lessons | --lessons] [--output-dir D] [--quick]``

No name: run the worked examples of the seeds (a few seconds). ``--with-lessons``: then every
lesson of ``lamina/course/lessons/`` too (``all`` as a name means the same); ``--lessons``: the
lessons only. Names: an example's or lesson's NAME, its module name, or a unique prefix. Exit status
1 if any run raised (the others still run), 2 for an unknown name.
"""
from __future__ import annotations

import argparse
import time
import traceback

from . import broken_lessons, examples, find_lessons, get, registry


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m lamina.course", description=(
        "Replay the worked examples of the course (seeds 000-004), each computed with Lamina beside what "
        "the slides say; and the lessons."))
    parser.add_argument("names", nargs="*", help="examples or lessons to run (default: every worked example; "
                        "'all': examples and lessons)")
    parser.add_argument("--list", action="store_true", help="list the worked examples and the lessons, then exit")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--with-lessons", action="store_true", help="run the lessons after the worked examples")
    group.add_argument("--lessons", action="store_true", help="run only the lessons")
    parser.add_argument("--output-dir", default="course_output", help="where PNGs and other files go "
                        "(default: ./course_output)")
    parser.add_argument("--quick", action="store_true", help="shorter runs (fewer epochs/steps)")
    return parser


def list_entries(print_fn=print) -> None:
    print_fn("Worked examples (python -m lamina.course NAME):")
    for entry in examples().values():
        print_fn(f"  {entry.name:22s} {entry.description}")
    found = find_lessons()
    print_fn("Lessons (run with --with-lessons, --lessons, or by name):")
    if not found:
        print_fn("  (none found in lamina/course/lessons/)")
    for entry in found.values():
        print_fn(f"  {entry.name:22s} {entry.description}")
    for module, reason in broken_lessons().items():
        print_fn(f"  (skipped {module}: {reason})")


def _selection(args) -> list:
    if args.names:
        if "all" in args.names:
            return list(registry().values())
        return [get(name) for name in args.names]
    if args.lessons:
        return list(find_lessons().values())
    return list(registry(include_lessons=args.with_lessons).values())


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    if args.list:
        list_entries()
        return 0
    try:
        selected = _selection(args)
    except KeyError as err:
        print(err.args[0])
        return 2
    report, failed = [], 0
    for entry in selected:
        start = time.perf_counter()
        try:
            result = entry.run(output_dir=args.output_dir, quick=args.quick)
            status = "ok"
            differs = result.get("disagreements") if isinstance(result, dict) else None
        except Exception:  # noqa: BLE001 - report, then go on with the others
            traceback.print_exc()
            status, differs, failed = "FAILED", None, failed + 1
        report.append((entry, time.perf_counter() - start, status, differs))
    if len(report) > 1 or failed:
        print("\nSummary")
        print("=======")
        for entry, seconds, status, differs in report:
            extra = f", {differs} place(s) where the seed is wrong or differs" if differs else ""
            print(f"  {entry.name:22s} {entry.kind:8s} {status:6s} {seconds:6.2f} s{extra}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
