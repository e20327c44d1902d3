"""The course, replayed: every worked example of the five course texts (seeds 000-004), computed
right and shown step by step, beside what the slides say; and the longer lessons.

    python -m lamina.course                  # the worked examples (a few seconds)
    python -m lamina.course seed001          # one of them (name, module name or unique prefix)
    python -m lamina.course --list           # worked examples and lessons
    python -m lamina.course --with-lessons   # the worked examples, then every lesson
    lamina course ...                        # the same, from the ``lamina`` command

    from lamina import course
    result = course.run("seed000", output_dir="course_output", quick=True)   # a dict of the numbers

Worked examples (this package): ``seed000_regression``, ``seed001_backprop``, ``seed002_perceptron``,
``seed003_cnn_arithmetic``, ``seed003_rnn_types`` (the RNN types of seed 003), ``seed004_stride_flops``. Lessons: every module of ``lamina/course/lessons/``
(names without a leading underscore), found with ``pkgutil``. Both follow one protocol: module-level
``NAME`` (str), ``DESCRIPTION`` (str) and ``run(output_dir='course_output', quick=False) -> dict``.
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass

EXAMPLE_MODULES = ("seed000_regression", "seed001_backprop", "seed002_perceptron", "seed003_cnn_arithmetic",
                   "seed003_rnn_types", "seed004_stride_flops")
LESSONS_PACKAGE = __name__ + ".lessons"


@dataclass(frozen=True)
class Entry:
    """One runnable item: a worked example ('example') or a lesson ('lesson')."""

    name: str
    description: str
    kind: str
    module: str

    def load(self):
        return importlib.import_module(self.module)

    def run(self, output_dir="course_output", quick=False) -> dict:
        return self.load().run(output_dir=output_dir, quick=quick)


def _entry(module_name: str, kind: str) -> Entry:
    module = importlib.import_module(module_name)
    name, description = getattr(module, "NAME", None), getattr(module, "DESCRIPTION", "")
    if not isinstance(name, str) or not callable(getattr(module, "run", None)):
        raise TypeError(f"{module_name} does not follow the course protocol (NAME: str, DESCRIPTION: str, run())")
    return Entry(name, str(description), kind, module_name)


def examples() -> dict:
    """The worked examples of the seeds, in seed order: name -> Entry."""
    entries = (_entry(f"{__name__}.{m}", "example") for m in EXAMPLE_MODULES)
    return {e.name: e for e in entries}


_broken: dict = {}


def find_lessons() -> dict:
    """The lessons found in ``lamina/course/lessons/``, sorted by module name: name -> Entry.

    A lesson that fails to import (or lacks NAME/run) is left out and listed by ``broken_lessons()``;
    one whose NAME is already a worked example's is left out too. (Not called ``lessons``: importing
    the subpackage ``lamina.course.lessons`` sets that attribute of this package.)
    """
    try:
        package = importlib.import_module(LESSONS_PACKAGE)
    except ImportError:
        return {}
    found, taken = {}, set(examples())
    _broken.clear()
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module_name = f"{LESSONS_PACKAGE}.{info.name}"
        try:
            entry = _entry(module_name, "lesson")
        except Exception as err:  # noqa: BLE001 - a broken lesson must not hide the others
            _broken[module_name] = f"{type(err).__name__}: {err}"
            continue
        if entry.name in taken or entry.name in found:
            _broken[module_name] = f"NAME {entry.name!r} is already used"
            continue
        found[entry.name] = entry
    return found


def broken_lessons() -> dict:
    """Lesson modules that ``lessons()`` could not register: module name -> reason."""
    find_lessons()
    return dict(_broken)


def registry(include_lessons: bool = True) -> dict:
    """Every runnable item: the worked examples, then (by default) the lessons."""
    entries = examples()
    if include_lessons:
        entries.update(find_lessons())
    return entries


def get(name: str) -> Entry:
    """An entry by its NAME, its module name (``seed000_regression``) or a unique prefix of either."""
    entries = registry()
    if name in entries:
        return entries[name]
    by_module = {e.module.rsplit(".", 1)[-1]: e for e in entries.values()}
    if name in by_module:
        return by_module[name]
    matches = {e.name: e for key, e in list(entries.items()) + list(by_module.items()) if key.startswith(name)}
    if len(matches) == 1:
        return next(iter(matches.values()))
    known = ", ".join(entries)
    if matches:
        raise KeyError(f"course: {name!r} is ambiguous ({', '.join(matches)}); known: {known}")
    raise KeyError(f"course: no example or lesson named {name!r}; known: {known}")


def run(name: str, output_dir="course_output", quick=False) -> dict:
    """Run one example or lesson and return the dict of numbers it computed."""
    return get(name).run(output_dir=output_dir, quick=quick)


__all__ = ["EXAMPLE_MODULES", "Entry", "broken_lessons", "examples", "find_lessons", "get", "registry", "run"]
