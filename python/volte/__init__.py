"""volte: which statements say the same thing, in any language, and who
changed position.

The package is the library's front door for notebooks::

    import pandas as pd
    import volte

    df = pd.read_csv("statements.csv", parse_dates=["when"])
    report = volte.report(df, text="quote", speaker="who", date="when",
                          axes="AI companies should get a federal backstop.")
    report.to_pandas("turns")                     # one row per turn

    engine = volte.Engine(symmetric_prompt=True)  # the report's prompt, "query: "
    vectors = engine.encode(df["quote"], show_progress_bar=True)
    topics = volte.cluster(vectors, df["quote"], threshold=0.9)
    df["topic"] = topics["labels"]                # -1: in no topic
    pd.DataFrame(volte.stance(df["quote"], "AI companies should get a federal backstop."))

Every call that works releases the GIL; options are checked by the
library, with the command line's ranges and messages (a bad value is a
``ValueError``). ``volte.ray`` spreads embedding, similarity search and
clustering over a Ray cluster.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
from typing import Any, Iterable, Mapping, Optional, Sequence, Union

from ._volte import Engine as _Engine
from ._volte import cluster, extract, normalize, pairs, stance, top_k, version

__all__ = [
    "Engine",
    "Report",
    "top_k",
    "pairs",
    "cluster",
    "normalize",
    "report",
    "stance",
    "extract",
    "version",
]
__version__ = version()


def _progress_bar(show: Optional[bool], what: str):
    """A callback drawing a tqdm bar (the notebook one where it can), or
    ``None`` when no bar is asked for or tqdm is not installed."""
    if not show:
        return None, None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None, None
    bar = tqdm(total=0, desc=what, unit=" texts")

    def callback(kind: str, n: int) -> None:
        if kind == "start":
            bar.reset(total=n)
        else:
            bar.update(n)

    return callback, bar


class Engine(_Engine):
    """A loaded embedding model (default: multilingual-e5-small, int8 on
    the CPU). ``symmetric_prompt=True`` embeds with the model's ``query``
    prompt (``query: ``), as ``volte report`` does; the default embeds
    without a prompt, as ``volte embed`` does."""

    def __init__(self, model: Optional[str] = None, **options: Any) -> None:
        # The model is opened by the extension's constructor; what is kept
        # here is which prompt was asked for, for encode(prompt_name=).
        self._prompt_name = options.get("prompt_name") or (
            "query" if options.get("symmetric_prompt") and not options.get("prompt") else None
        )

    def encode(
        self,
        sentences: Any,
        batch_size: int = 32,
        show_progress_bar: Optional[bool] = None,
        normalize_embeddings: bool = True,
        prompt_name: Optional[str] = None,
        **_ignored: Any,
    ):
        """Embeds like sentence-transformers' ``encode``: a ``str`` gives a
        1-D float32 array, a list, tuple, pandas Series or NumPy array of
        ``str`` a 2-D one. ``show_progress_bar`` draws a tqdm bar when tqdm
        is installed. volte's rows are always unit length, so
        ``normalize_embeddings`` changes nothing; batches are sized by
        tokens (``Engine(batch_tokens=)``), ``batch_size`` is only checked.
        ``prompt_name`` must be the prompt this engine was opened with
        (open ``Engine(prompt_name=...)`` for another)."""
        if prompt_name is not None and prompt_name != self._prompt_name:
            raise ValueError(
                f"prompt_name {prompt_name!r}: this Engine embeds with "
                f"{self._prompt_name!r} (prompt {self.prompt!r}); open "
                f"volte.Engine(prompt_name={prompt_name!r}) for that prompt"
            )
        callback, bar = _progress_bar(show_progress_bar, "Embedding")
        try:
            return self.embed(sentences, progress=callback, batch_size=batch_size)
        finally:
            if bar is not None:
                bar.close()


# ---------------------------------------------------------------- records

_ROLES = ("text", "id", "speaker", "date", "source", "lang")


def _missing(v: Any) -> bool:
    """None, NaN, pandas' NA and NaT, NumPy's NaT."""
    if v is None:
        return True
    if isinstance(v, float):
        return math.isnan(v)
    kind = type(v).__name__
    if kind in ("NAType", "NaTType"):
        return True
    if kind in ("float16", "float32", "float64", "longdouble"):
        return bool(v != v)
    if kind == "datetime64":
        import numpy as np

        return bool(np.isnat(v))
    return False


def _value(v: Any) -> Any:
    """A JSON value: dates and times (pandas, NumPy, datetime) as ISO
    text, a time of midnight without a zone as its date alone (what
    ``pd.to_datetime`` makes of a date); NumPy scalars as Python numbers."""
    kind = type(v).__name__
    if kind == "datetime64":
        v = v.astype("datetime64[us]").item()
    if isinstance(v, _dt.datetime):
        if v.tzinfo is None and v.time() == _dt.time():
            return v.date().isoformat()
        return v.isoformat()
    if isinstance(v, _dt.date):
        return v.isoformat()
    if hasattr(v, "item") and type(v).__module__ == "numpy":
        return v.item()
    return v


def _rows(data: Any) -> tuple[list, list[str]]:
    """Rows as mappings, and the column names (a DataFrame's columns, or
    every key of the records)."""
    if hasattr(data, "to_dict") and hasattr(data, "columns"):
        return data.to_dict("records"), [str(c) for c in data.columns]
    rows, columns = [], {}
    for i, record in enumerate(data):
        if not isinstance(record, Mapping):
            raise ValueError(
                f"records[{i}] is not a dict (give a pandas DataFrame or a list of dicts)"
            )
        rows.append(record)
        for k in record:
            columns[str(k)] = None
    return rows, list(columns)


def _records_jsonl(rows: list, names: Sequence[str]) -> str:
    lines = []
    for record in rows:
        kept = {}
        for k in names:
            if k in record and not _missing(record[k]):
                kept[k] = _value(record[k])
        lines.append(json.dumps(kept, ensure_ascii=False, default=str))
    return "\n".join(lines) + "\n"


def _axes(axes: Any) -> dict:
    """The extension's arguments for the forms ``axes`` takes."""
    if axes is None:
        return {}
    if isinstance(axes, os.PathLike):
        return {"axes_path": os.fspath(axes)}
    if isinstance(axes, str):
        if axes.endswith(".toml") or os.path.isfile(axes):
            return {"axes_path": axes}
        return {"theses": [axes]}
    if isinstance(axes, Mapping):
        axes = [axes]
    axes = list(axes)
    if axes and all(isinstance(a, str) for a in axes):
        return {"theses": axes}
    if axes and all(isinstance(a, Mapping) for a in axes):
        return {"axes_json": json.dumps([dict(a) for a in axes], ensure_ascii=False)}
    raise ValueError(
        "axes: an axes file (TOML), a thesis, a list of theses or a list of axis dicts "
        "(name, thesis or pro and con, description)"
    )


class Report(dict):
    """The report as a dict (the JSON of ``volte report --format json``;
    schema in docs/report-schema.md), with its tables as lists of flat
    dicts: ``statements``, ``topics``, ``shifts``, ``turns`` (shifts of
    status ``turn``) and ``points`` (one row per timeline point, with its
    speaker, topic and axis). ``to_pandas(name)`` makes a DataFrame of one."""

    @property
    def turns(self) -> list:
        return [s for s in self["shifts"] if s.get("status", "turn") == "turn"]

    @property
    def points(self) -> list:
        return [
            {"speaker": t["speaker"], "topic": t["topic"], "axis": t.get("axis"), **p}
            for t in self["timelines"]
            for p in t["points"]
        ]

    def table(self, name: str) -> list:
        if name in ("turns", "points"):
            return getattr(self, name)
        if name in ("statements", "topics", "shifts", "timelines"):
            return self[name]
        raise ValueError(
            f"table {name!r}: statements, topics, shifts, turns, points or timelines"
        )

    def to_pandas(self, name: str = "statements"):
        import pandas as pd

        return pd.DataFrame(self.table(name))


def report(
    data: Union[Any, Iterable[Mapping[str, Any]]],
    axes: Any = None,
    *,
    text: Optional[str] = None,
    speaker: Optional[str] = None,
    date: Optional[str] = None,
    id: Optional[str] = None,
    source: Optional[str] = None,
    lang: Optional[str] = None,
    engine: Optional[Engine] = None,
    model: Optional[str] = None,
    camps: bool = False,
    stance_model: Union[str, os.PathLike, None] = None,
    threshold: Optional[float] = None,
    cluster_threshold: Optional[float] = None,
    min_topic_size: Optional[int] = None,
    axis_min_similarity: Optional[float] = None,
    axis_min_relevance: Optional[float] = None,
    thesis_min_similarity: Optional[float] = None,
    thesis_margin: Optional[float] = None,
    shift_min_change: Optional[float] = None,
    shift_min_confidence: Optional[float] = None,
    shift_possible_confidence: Optional[float] = None,
    show_progress_bar: Optional[bool] = None,
) -> Report:
    """The stance-shift report of ``data`` (a pandas DataFrame or a list of
    dicts) as a :class:`Report`.

    Columns ``text`` and optionally ``id``, ``speaker``, ``date``,
    ``source`` and ``lang``; ``text="quote"``, ``speaker="who"``, … name
    others (a named column that is not there is a ValueError). Dates are
    text (YYYY, YYYY-MM, YYYY-MM-DD, RFC 3339) or pandas / NumPy /
    ``datetime`` timestamps; None, NaN and NaT are missing values.

    ``axes`` is an axes file (TOML, as ``volte report --axes``), a thesis
    sentence, a list of theses, or a list of dicts with the fields of the
    file's ``[[axis]]`` tables. Without it each topic's stance is its main
    opposition, or with ``camps=True`` the camps the stance model finds.

    ``threshold`` is the topic cut as a cosine similarity, the meaning it
    has in :func:`cluster` (default 0.07); ``cluster_threshold`` is the same
    cut as the command line's ``--cluster-threshold``, a cosine distance
    (1 − threshold, default 0.93). ``engine`` reuses an opened model (it
    should have ``symmetric_prompt=True``, as the report's own does).
    """
    rows, columns = _rows(data)
    names = {"text": "text", "id": "id", "speaker": "speaker", "date": "date",
             "source": "source", "lang": "lang"}
    given = {"text": text, "id": id, "speaker": speaker, "date": date,
             "source": source, "lang": lang}
    names.update({k: v for k, v in given.items() if v is not None})
    if engine is None:
        engine = Engine(model, symmetric_prompt=True)
    callback, bar = _progress_bar(show_progress_bar, "Embedding")
    try:
        out = engine.report_json(
            _records_jsonl(rows, list(names.values())),
            columns=columns,
            **{k: v for k, v in given.items() if v is not None},
            **_axes(axes),
            camps=camps,
            stance_model=None if stance_model is None else os.fspath(stance_model),
            threshold=threshold,
            cluster_threshold=cluster_threshold,
            min_topic_size=min_topic_size,
            axis_min_similarity=axis_min_similarity,
            axis_min_relevance=axis_min_relevance,
            thesis_min_similarity=thesis_min_similarity,
            thesis_margin=thesis_margin,
            shift_min_change=shift_min_change,
            shift_min_confidence=shift_min_confidence,
            shift_possible_confidence=shift_possible_confidence,
            progress=callback,
        )
    finally:
        if bar is not None:
            bar.close()
    return Report(json.loads(out))
