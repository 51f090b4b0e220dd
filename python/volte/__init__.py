"""volte: which statements say the same thing, in any language, and who
changed position.

The package is the library's front door for notebooks::

    import volte
    engine = volte.Engine()                       # multilingual-e5-small, int8 on the CPU
    vectors = engine.embed(["Le chat dort.", "Die Katze schläft."])
    indices, scores = volte.top_k(None, vectors, k=1)
    topics = volte.cluster(vectors, threshold=0.9)
    report = volte.report(records, axes="examples/ai-bailout/theses.toml")

Every call that works releases the GIL. ``volte.ray`` spreads embedding,
similarity search and clustering over a Ray cluster.
"""

from __future__ import annotations

import json
import os
from typing import Any, Iterable, Mapping, Optional, Union

from ._volte import Engine, cluster, normalize, pairs, top_k, version

__all__ = ["Engine", "top_k", "pairs", "cluster", "normalize", "report", "version"]
__version__ = version()

_FIELDS = ("id", "text", "speaker", "date", "source", "lang")


def _records_jsonl(records: Iterable[Mapping[str, Any]]) -> str:
    lines = []
    for i, record in enumerate(records):
        if not isinstance(record, Mapping):
            raise ValueError(f"records[{i}] is not a dict")
        if "text" not in record:
            raise ValueError(f"records[{i}] has no 'text'")
        kept = {k: record[k] for k in _FIELDS if record.get(k) is not None}
        lines.append(json.dumps(kept, ensure_ascii=False, default=str))
    return "\n".join(lines) + "\n"


def report(
    records: Iterable[Mapping[str, Any]],
    axes: Union[str, os.PathLike, None] = None,
    *,
    engine: Optional[Engine] = None,
    model: Optional[str] = None,
    camps: bool = False,
    stance_model: Union[str, os.PathLike, None] = None,
    cluster_threshold: Optional[float] = None,
    min_topic_size: Optional[int] = None,
    shift_min_change: Optional[float] = None,
    shift_min_confidence: Optional[float] = None,
) -> dict:
    """The stance-shift report of ``records`` as a dict (the JSON of
    ``volte report --format json``; schema in docs/report-schema.md).

    ``records`` are dicts with ``text`` and optionally ``id``, ``speaker``,
    ``date`` (YYYY, YYYY-MM, YYYY-MM-DD or RFC 3339), ``source`` and
    ``lang``. ``axes`` is an axes file (TOML) as for ``volte report
    --axes``; without it each topic's stance is its main opposition, or with
    ``camps=True`` the camps the stance model finds. ``engine`` reuses an
    opened model (it should have ``symmetric_prompt=True``, as the report's
    own does).
    """
    axes_toml = axes_name = None
    if axes is not None:
        with open(axes, encoding="utf-8") as f:
            axes_toml = f.read()
        axes_name = os.fspath(axes)
    if engine is None:
        engine = Engine(model, symmetric_prompt=True)
    text = engine.report_json(
        _records_jsonl(records),
        axes_toml=axes_toml,
        axes_name=axes_name,
        camps=camps,
        stance_model=None if stance_model is None else os.fspath(stance_model),
        cluster_threshold=cluster_threshold,
        min_topic_size=min_topic_size,
        shift_min_change=shift_min_change,
        shift_min_confidence=shift_min_confidence,
    )
    return json.loads(text)
