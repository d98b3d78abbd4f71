"""Run the extractor over an articles folder and score it with the official scorer.

The scorer (score.py) lives outside the project and is imported from a path with importlib, so
the metrics are exactly the official ones.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

from .records import extract_files

DEFAULT_SCORER = Path(__file__).resolve().parents[2] / ".." / "shared" / "eval" / "score.py"


def load_scorer(path: str | Path | None = None) -> ModuleType:
    """Import score.py from ``path`` (default: ../shared/eval/score.py next to the repo)."""
    p = Path(path) if path else DEFAULT_SCORER
    p = p.resolve()
    if not p.is_file():
        raise FileNotFoundError(f"scorer not found: {p} (pass scorer=PATH)")
    spec = importlib.util.spec_from_file_location("zhaoshang_eval_score", p)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import scorer from {p}")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def write_predictions(articles: str | Path, out: str | Path) -> int:
    """Extract every ``*.txt`` in ``articles`` into a JSONL file; returns the record count."""
    paths = sorted(Path(articles).glob("*.txt"))
    n = 0
    with Path(out).open("w", encoding="utf-8") as fh:
        for rec in extract_files(paths):
            fh.write(json.dumps(rec, ensure_ascii=False, default=str) + "\n")
            n += 1
    return n


def run_eval(
    gold: str | Path,
    aggregates: str | Path | None,
    articles: str | Path,
    sources: str | Path | None = None,
    scorer: str | Path | None = None,
    pred_out: str | Path | None = None,
) -> tuple[dict[str, Any], str]:
    """Extract, score, and return (metrics dict, printable text) exactly as score.py reports."""
    sc = load_scorer(scorer)
    with tempfile.TemporaryDirectory() as tmp:
        pred_path = Path(pred_out) if pred_out else Path(tmp) / "pred.jsonl"
        write_predictions(articles, pred_path)
        texts = {
            p.stem: p.read_text(encoding="utf-8") for p in sorted(Path(articles).glob("*.txt"))
        }
        gold_recs = sc.read_jsonl(Path(gold))
        pred = sc.read_jsonl(pred_path)
    docs = {str(g["article"]) for g in gold_recs}
    pred = [p for p in pred if str(p.get("document")) in docs]
    pred_projects = [p for p in pred if p.get("kind", "project") == "project"]
    pred_aggs = [p for p in pred if p.get("kind") == "aggregate"]
    report: dict[str, Any] = {}
    report["projects"], _ = sc.score_projects(gold_recs, pred_projects, texts)
    if aggregates:
        report["aggregates"] = sc.score_aggregates(sc.read_jsonl(Path(aggregates)), pred_aggs)
    if sources:
        lang: dict[str, str] = {}
        for line in Path(sources).read_text(encoding="utf-8").splitlines()[1:]:
            cols = line.split("\t")
            if len(cols) >= 4:
                lang[cols[0]] = cols[3]
        split = {}
        for language in sorted(set(lang.values())):
            ids = {d for d, lg in lang.items() if lg == language}
            g = [x for x in gold_recs if str(x["article"]) in ids]
            p = [x for x in pred_projects if str(x.get("document")) in ids]
            split[language] = sc.score_projects(g, p, texts)[0]["records"]
        report["by_language"] = split
    return report, format_report(report)


def format_report(report: dict[str, Any]) -> str:
    r = report["projects"]["records"]
    s = report["projects"]["strict"]
    lines = [
        f"records   P={r['precision']:.3f} R={r['recall']:.3f} F1={r['f1']:.3f}  "
        f"(tp={r['tp']} fp={r['fp']} fn={r['fn']})",
        f"strict    P={s['precision']:.3f} R={s['recall']:.3f} F1={s['f1']:.3f}  "
        "(amount and location also right)",
    ]
    fa = report["projects"]["field_accuracy_on_matches"]
    lines.append("fields    " + "  ".join(f"{k}={v:.3f}" for k, v in sorted(fa.items())))
    if "aggregates" in report:
        a = report["aggregates"]
        lines.append(
            f"aggregates P={a['precision']:.3f} R={a['recall']:.3f} F1={a['f1']:.3f}  "
            f"(tp={a['tp']} fp={a['fp']} fn={a['fn']})"
        )
    for language, m in report.get("by_language", {}).items():
        lines.append(f"{language:9} P={m['precision']:.3f} R={m['recall']:.3f} F1={m['f1']:.3f}")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover - convenience for manual runs
    base = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SCORER.parent
    _, text = run_eval(
        base / "dev" / "gold.jsonl",
        base / "dev" / "aggregates.jsonl",
        base / "dev" / "articles",
        base / "dev" / "sources.tsv",
        base / "score.py",
    )
    print(text)
