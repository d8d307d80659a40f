"""The survey codebook: every question described once, expanded into answer items.

Everything that knows what a return contains (template, readers, validation, docs) goes
through :class:`Codebook`, so a new question or a renamed category is a YAML edit.

The codebook is versioned: ``config/instruments/<version>.yaml`` is one instrument, written in
full or as ``extends: <older version>`` plus added, dropped and changed questions
(:func:`resolve_instrument`). Each wave names its version, so old returns keep their layout.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import yaml

TOTAL = "total"
NUMERIC_TYPES = ("count", "money", "percent")
CHOICE_TYPES = ("category", "yes_no")
YES_NO = {"yes": "Yes", "no": "No"}


@dataclass(frozen=True)
class Dimension:
    id: str
    label: str
    values: tuple[str, ...]
    labels: dict[str, str]
    groups: dict[str, str]


@dataclass(frozen=True)
class Item:
    """One answer cell: a question at one combination of its dimension values."""

    question_id: str
    dims: tuple[tuple[str, str], ...]
    is_total: bool = False

    @cached_property
    def key(self) -> str:
        """Column name in a one-row-per-LA export, e.g. ``costs__pru__ks3``."""
        return "__".join([self.question_id, *(v for _, v in self.dims)])

    @cached_property
    def dim_dict(self) -> dict[str, str]:
        return dict(self.dims)


@dataclass(frozen=True)
class Question:
    id: str
    section: str
    number: str
    text: str
    help: str
    type: str
    dimensions: tuple[str, ...]
    categories: dict[str, str]
    unit: str
    range: tuple[float, float] | None
    plausible: tuple[float, float] | None
    total: bool
    max_sum: float | None
    blank: str
    required: bool
    figures: tuple[int, ...]
    items: tuple[Item, ...] = field(default=(), compare=False)

    @property
    def is_numeric(self) -> bool:
        return self.type in NUMERIC_TYPES

    @property
    def is_choice(self) -> bool:
        return self.type in CHOICE_TYPES


@dataclass(frozen=True)
class Section:
    id: str
    sheet: str
    title: str
    number: int


class CodebookError(ValueError):
    """The codebook itself is malformed."""


class Codebook:
    """A parsed instrument (``config/instruments/<version>.yaml``)."""

    def __init__(self, raw: dict):
        self.raw = raw
        self.dimensions = {k: _dimension(k, v) for k, v in raw["dimensions"].items()}
        self.category_sets = {k: dict(v) for k, v in raw["category_sets"].items()}
        self.sections = {
            s["id"]: Section(s["id"], s["sheet"], s["title"], i + 1) for i, s in enumerate(raw["sections"])
        }
        counters: dict[str, int] = {}
        questions = {}
        for q in raw["questions"]:
            if q["id"] in questions:
                raise CodebookError(f"question id {q['id']!r} appears twice")
            section = self.sections.get(q["section"])
            if section is None:
                raise CodebookError(f"question {q['id']!r}: unknown section {q['section']!r}")
            counters[section.id] = counters.get(section.id, 0) + 1
            questions[q["id"]] = self._question(q, f"{section.number}.{counters[section.id]}")
        self.questions: dict[str, Question] = questions

    @classmethod
    def load(cls, path: str | Path) -> Codebook:
        return cls(_read(Path(path)))

    @classmethod
    def for_version(cls, folder: Path, version: str, fill=None) -> Codebook:
        """The instrument ``version`` of ``folder``, its texts passed through ``fill`` (placeholders)."""
        raw = resolve_instrument(folder, version)
        return cls(fill_texts(raw, fill) if fill else raw)

    def _question(self, q: dict, number: str) -> Question:
        dims = tuple(q.get("dimensions") or ())
        for d in dims:
            if d not in self.dimensions:
                raise CodebookError(f"question {q['id']!r}: unknown dimension {d!r}")
        if len(dims) > 2:
            raise CodebookError(f"question {q['id']!r}: at most two dimensions are supported")
        qtype = q["type"]
        if qtype == "category":
            categories = self.category_sets[q["categories"]]
        elif qtype == "yes_no":
            categories = dict(YES_NO)
        else:
            categories = {}
        base = Question(
            id=q["id"],
            section=q["section"],
            number=number,
            text=q["text"],
            help=q.get("help", ""),
            type=qtype,
            dimensions=dims,
            categories=categories,
            unit=q.get("unit", ""),
            range=tuple(q["range"]) if q.get("range") else None,
            plausible=tuple(q["plausible"]) if q.get("plausible") else None,
            total=bool(q.get("total", False)),
            max_sum=q.get("max_sum"),
            blank=_blank_rule(q),
            required=bool(q.get("required", False)),
            figures=tuple(q.get("figures") or ()),
        )
        return _with_items(base, self.dimensions)

    @cached_property
    def items(self) -> dict[str, Item]:
        """Every answer item of the survey, keyed by export column name."""
        return {it.key: it for q in self.questions.values() for it in q.items}

    def questions_in(self, section_id: str) -> list[Question]:
        return [q for q in self.questions.values() if q.section == section_id]

    @cached_property
    def dimension_columns(self) -> list[str]:
        """Dimension ids used by any question, in codebook order (columns of ``responses``)."""
        seen: dict[str, None] = {}
        for q in self.questions.values():
            for d in q.dimensions:
                seen.setdefault(d, None)
        return list(seen)


BLANK_RULES = ("zero", "missing", "zero_in_column")  # how an empty cell is read (docs/data-contract.md)


def _blank_rule(q: dict) -> str:
    rule = q.get("blank", "missing")
    if rule == "zero_in_column" and len(q.get("dimensions") or ()) != 2:
        raise CodebookError(f"question {q['id']!r}: blank zero_in_column needs a grid (two dimensions)")
    if rule not in BLANK_RULES:
        allowed = ", ".join(BLANK_RULES)
        raise CodebookError(f"question {q['id']!r}: blank must be one of {allowed}, not {rule!r}")
    return rule


def _dimension(key: str, raw: dict) -> Dimension:
    values = raw["values"]
    return Dimension(
        id=key,
        label=raw["label"],
        values=tuple(values),
        labels={k: v["label"] for k, v in values.items()},
        groups={k: v.get("group", "") for k, v in values.items()},
    )


def _with_items(q: Question, dimensions: dict[str, Dimension]) -> Question:
    """Expand a question into its items; a total row follows the first dimension's values."""
    if not q.dimensions:
        items = [Item(q.id, ())]
    elif len(q.dimensions) == 1:
        (d1,) = q.dimensions
        items = [Item(q.id, ((d1, v),)) for v in dimensions[d1].values]
        if q.total:
            items.append(Item(q.id, ((d1, TOTAL),), is_total=True))
    else:
        d1, d2 = q.dimensions
        rows = list(dimensions[d1].values) + ([TOTAL] if q.total else [])
        items = [
            Item(q.id, ((d1, r), (d2, c)), is_total=(r == TOTAL)) for r in rows for c in dimensions[d2].values
        ]
    return Question(**{**q.__dict__, "items": tuple(items)})


def _read(path: Path) -> dict:
    with open(path, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def resolve_instrument(folder: Path, version: str, _seen: tuple[str, ...] = ()) -> dict:
    """The full codebook mapping of an instrument version.

    A version file is either a full codebook or ``extends: <version>`` with any of
    ``add_dimensions``, ``add_category_sets``, ``add_sections`` (appended),
    ``drop_questions`` (ids), ``change_questions`` ({id: fields to replace; ``after: <id>`` moves
    it}) and ``add_questions`` (each placed ``after: <id>``, else at the end of its section).
    Question ids never change meaning: a changed question keeps its id.
    """
    path = folder / f"{version}.yaml"
    if not path.exists():
        raise CodebookError(f"{path}: no such instrument version {version!r}")
    if version in _seen:
        raise CodebookError(f"{path}: versions extend each other in a loop: {' -> '.join((*_seen, version))}")
    raw = _read(path) or {}
    base_version = raw.get("extends")
    if not base_version:
        return raw
    base = copy.deepcopy(resolve_instrument(folder, base_version, (*_seen, version)))
    known = {"version", "extends", "add_dimensions", "add_category_sets", "add_sections"}
    known |= {"drop_questions", "change_questions", "add_questions"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise CodebookError(f"{path}: unknown key(s) {unknown}")
    base["version"] = raw.get("version", version)
    base["dimensions"].update(raw.get("add_dimensions") or {})
    base["category_sets"].update(raw.get("add_category_sets") or {})
    base["sections"] += list(raw.get("add_sections") or [])
    questions = list(base["questions"])
    drop = set(raw.get("drop_questions") or ())
    missing = sorted(drop - {q["id"] for q in questions})
    if missing:
        raise CodebookError(f"{path}: drop_questions: unknown question id(s) {missing}")
    questions = [q for q in questions if q["id"] not in drop]
    for qid, change in (raw.get("change_questions") or {}).items():
        idx = _index(questions, qid, path, "change_questions")
        change = dict(change)
        after = change.pop("after", None)
        if "id" in change:
            raise CodebookError(f"{path}: change_questions.{qid}: a question keeps its id")
        q = {**questions.pop(idx), **change}
        questions.insert(_position(questions, q, after, path), q)
    for q in raw.get("add_questions") or ():
        q = dict(q)
        after = q.pop("after", None)
        if any(x["id"] == q.get("id") for x in questions):
            raise CodebookError(f"{path}: add_questions: id {q.get('id')!r} already exists")
        questions.insert(_position(questions, q, after, path), q)
    base["questions"] = questions
    return base


def _index(questions: list[dict], qid: str, path: Path, key: str) -> int:
    for i, q in enumerate(questions):
        if q["id"] == qid:
            return i
    raise CodebookError(f"{path}: {key}: unknown question id {qid!r}")


def _position(questions: list[dict], q: dict, after: str | None, path: Path) -> int:
    """Insert after ``after``, else after the last question of the same section, else at the end."""
    if after:
        return _index(questions, after, path, f"after of {q.get('id')!r}") + 1
    same = [i for i, x in enumerate(questions) if x.get("section") == q.get("section")]
    return same[-1] + 1 if same else len(questions)


TEXT_FIELDS = ("text", "help", "title", "label")


def fill_texts(raw: dict, fill) -> dict:
    """A copy of the codebook mapping with ``fill`` applied to every text, help, title and label."""

    def walk(node):
        if isinstance(node, dict):
            return {
                k: fill(v) if k in TEXT_FIELDS and isinstance(v, str) else walk(v) for k, v in node.items()
            }
        if isinstance(node, list):
            return [walk(x) for x in node]
        return node

    return walk(raw)
