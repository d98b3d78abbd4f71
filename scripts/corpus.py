#!/usr/bin/env python3
"""The real-news corpus: assemble it, check re-retrieved texts by hash, build a split to score.

The articles are third-party text, so the repository keeps only what identifies them and what we
annotated (corpus/manifest.jsonl, gold.jsonl, aggregates.jsonl, split.tsv); the texts live in the
git-ignored corpus/texts/, re-retrieved with the query in the manifest (corpus/README.md).

    scripts/corpus.py assemble --source DIR   # annotations with verbatim spans -> offsets
    scripts/corpus.py check [--texts DIR]     # every text present with the manifest's sha256?
    scripts/corpus.py agreement --second DIR  # a second annotator's gold2/aggregates2 vs ours
    scripts/corpus.py build --split dev|validation|all --out DIR
                                              # articles/, gold.jsonl, aggregates.jsonl, sources.tsv
                                              # for `zhaoshang eval` and benchmarks/extract.py

Gold spans are stored as code-point offsets into the article (`evidence_start`/`evidence_end`,
`text_start`/`text_end`, and `*_start`/`*_end` for amount_text and stage_text), never as text.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
SHARED_EVAL = ROOT.parent / "shared" / "eval"
LANGUAGES = ("zh-Hans", "zh-Hant", "en")
SPLIT_SEED = 20261208
# Spans stored as offsets: gold field -> (start key, end key).
PROJECT_SPANS = {
    "evidence": ("evidence_start", "evidence_end"),
    "amount_text": ("amount_text_start", "amount_text_end"),
    "stage_text": ("stage_text_start", "stage_text_end"),
}
AGGREGATE_SPANS = {"text": ("text_start", "text_end")}


class CorpusError(Exception):
    """A corpus file is missing, malformed or disagrees with the manifest."""


# ---------------------------------------------------------------- small helpers


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise CorpusError(f"{path}:{n}: not JSON ({exc.msg})") from exc
    return rows


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False, sort_keys=False) + "\n" for r in rows),
        encoding="utf-8",
    )


def sentence_hashes(text: str, min_chars: int = 15) -> set[str]:
    """Sentence hashes as shared/eval/README.md defines them (for the held-out check)."""
    out = set()
    for part in re.split(r"[。！？!?；;\n]", text):
        s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", part))
        if len(s) >= min_chars:
            out.add(hashlib.sha256(s.encode()).hexdigest())
    return out


def heldout_reason(url: str, text: str) -> str | None:
    urls = set((SHARED_EVAL / "heldout-urls.sha256").read_text().split())
    sents = set((SHARED_EVAL / "heldout-sentences.sha256").read_text().split())
    if sha256_text(url) in urls:
        return "its URL is held out"
    hits = len(sentence_hashes(text) & sents)
    return f"{hits} held-out sentences" if hits >= 2 else None


def locate(text: str, needle: str, within: tuple[int, int] | None = None) -> tuple[int, int]:
    """Offsets of `needle` in `text`, preferring an occurrence inside `within`."""
    if within is not None:
        i = text.find(needle, within[0], within[1])
        if i >= 0:
            return i, i + len(needle)
    i = text.find(needle)
    if i < 0:
        raise CorpusError(f"span not found in the article: {needle[:40]!r}")
    return i, i + len(needle)


def to_offsets(rec: dict[str, Any], text: str, spans: dict[str, tuple[str, str]]) -> dict:
    """Replace verbatim span fields by offsets; the first span anchors the later ones."""
    out = dict(rec)
    anchor: tuple[int, int] | None = None
    for field, (k0, k1) in spans.items():
        value = out.pop(field, None)
        if not value:
            out[k0] = out[k1] = None
            continue
        start, end = locate(text, value, anchor)
        anchor = anchor or (start, end)
        out[k0], out[k1] = start, end
    return out


def from_offsets(rec: dict[str, Any], text: str, spans: dict[str, tuple[str, str]]) -> dict:
    """The verbatim span fields back from the offsets (for local scoring only)."""
    out = dict(rec)
    for field, (k0, k1) in spans.items():
        s, e = out.get(k0), out.get(k1)
        out[field] = text[s:e] if s is not None and e is not None else None
    return out


# ---------------------------------------------------------------- commands


def assemble(source: Path) -> None:
    """Merge the annotators' files into corpus/ (offsets only) and copy the texts."""
    manifest: list[dict[str, Any]] = []
    for f in sorted(source.glob("manifest-*.jsonl")):
        manifest += read_jsonl(f)
    manifest.sort(key=lambda m: m["id"])
    texts: dict[str, str] = {}
    seen_urls: dict[str, str] = {}
    seen_sents: dict[str, str] = {}
    dropped: list[str] = []
    kept: list[dict[str, Any]] = []
    for m in manifest:
        text = (source / "texts" / f"{m['id']}.txt").read_text(encoding="utf-8")
        if sha256_text(text) != m["sha256"]:
            raise CorpusError(f"{m['id']}: text does not match its manifest hash")
        if m["language"] not in LANGUAGES:
            raise CorpusError(f"{m['id']}: unknown language {m['language']!r}")
        why = heldout_reason(m["url"], text)
        if why:
            dropped.append(f"{m['id']}: held out ({why})")
            continue
        if m["url"] in seen_urls:
            dropped.append(f"{m['id']}: same URL as {seen_urls[m['url']]}")
            continue
        sents = sentence_hashes(text, min_chars=30)  # long enough to be article text
        # A repost shares most of its sentences with a kept article; pages of one site also
        # share their navigation and footer lines, which must not count as a repost.
        shared = sum(1 for h in sents if h in seen_sents)
        if shared >= 2 and shared >= 0.3 * len(sents):
            twin = sorted({seen_sents[h] for h in sents if h in seen_sents})[0]
            dropped.append(f"{m['id']}: repost of {twin}")
            continue
        seen_urls[m["url"]] = m["id"]
        for h in sents:
            seen_sents.setdefault(h, m["id"])
        texts[m["id"]] = text
        kept.append(m)
    gold, aggs = [], []
    for f in sorted(source.glob("gold-*.jsonl")):
        for g in read_jsonl(f):
            if g["article"] in texts:
                gold.append(to_offsets(g, texts[g["article"]], PROJECT_SPANS))
    for f in sorted(source.glob("aggregates-*.jsonl")):
        for a in read_jsonl(f):
            if a["article"] in texts:
                aggs.append(to_offsets(a, texts[a["article"]], AGGREGATE_SPANS))
    CORPUS.mkdir(exist_ok=True)
    (CORPUS / "texts").mkdir(exist_ok=True)
    for aid, text in texts.items():
        (CORPUS / "texts" / f"{aid}.txt").write_text(text, encoding="utf-8")
    write_jsonl(CORPUS / "manifest.jsonl", kept)
    write_jsonl(CORPUS / "gold.jsonl", gold)
    write_jsonl(CORPUS / "aggregates.jsonl", aggs)
    write_split(kept)
    for line in dropped:
        print("dropped", line)
    print(f"{len(kept)} articles, {len(gold)} project records, {len(aggs)} aggregates")


def write_split(manifest: list[dict[str, Any]]) -> None:
    """Two thirds development, one third validation, stratified by language; written once.

    An existing split.tsv is kept as it is: articles already assigned never move, new ones are
    assigned with the same rule so that each language stays near two to one.
    """
    path = CORPUS / "split.tsv"
    split: dict[str, str] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines()[1:]:
            aid, part = line.split("\t")[:2]
            split[aid] = part
    rng = random.Random(SPLIT_SEED)
    by_lang: dict[str, list[str]] = defaultdict(list)
    for m in manifest:
        by_lang[m["language"]].append(m["id"])
    for lang in LANGUAGES:
        ids = sorted(by_lang[lang])
        new = [i for i in ids if i not in split]
        rng.shuffle(new)
        for aid in new:
            n_val = sum(1 for i in ids if split.get(i) == "validation")
            n_all = sum(1 for i in ids if i in split)
            split[aid] = "validation" if 3 * n_val < n_all + 1 else "dev"
    lang_of = {m["id"]: m["language"] for m in manifest}
    rows = ["id\tsplit\tlanguage"] + [
        f"{aid}\t{split[aid]}\t{lang_of[aid]}" for aid in sorted(split) if aid in lang_of
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


def check(texts_dir: Path) -> int:
    """Verify re-retrieved texts against the manifest; returns the number of problems."""
    problems = 0
    for m in read_jsonl(CORPUS / "manifest.jsonl"):
        p = texts_dir / f"{m['id']}.txt"
        if not p.exists():
            print(f"{m['id']}: missing (query: {m['query']!r}, rank {m.get('rank')})")
            problems += 1
        elif sha256_text(p.read_text(encoding="utf-8")) != m["sha256"]:
            print(f"{m['id']}: text differs from the one annotated (sha256 mismatch)")
            problems += 1
    print("all texts present and unchanged" if not problems else f"{problems} problem(s)")
    return problems


def build(part: str, out: Path, texts_dir: Path) -> None:
    """Write a scorable copy of one split: articles/, gold.jsonl, aggregates.jsonl, sources.tsv."""
    if check(texts_dir):
        raise CorpusError("texts missing or changed: re-retrieve them before scoring")
    split = {
        line.split("\t")[0]: line.split("\t")[1]
        for line in (CORPUS / "split.tsv").read_text(encoding="utf-8").splitlines()[1:]
    }
    ids = {aid for aid, p in split.items() if part in ("all", p)}
    manifest = [m for m in read_jsonl(CORPUS / "manifest.jsonl") if m["id"] in ids]
    (out / "articles").mkdir(parents=True, exist_ok=True)
    texts = {}
    for m in manifest:
        texts[m["id"]] = (texts_dir / f"{m['id']}.txt").read_text(encoding="utf-8")
        (out / "articles" / f"{m['id']}.txt").write_text(texts[m["id"]], encoding="utf-8")
    gold = [
        from_offsets(g, texts[g["article"]], PROJECT_SPANS)
        for g in read_jsonl(CORPUS / "gold.jsonl")
        if g["article"] in texts
    ]
    aggs = [
        from_offsets(a, texts[a["article"]], AGGREGATE_SPANS)
        for a in read_jsonl(CORPUS / "aggregates.jsonl")
        if a["article"] in texts
    ]
    write_jsonl(out / "gold.jsonl", gold)
    write_jsonl(out / "aggregates.jsonl", aggs)
    rows = ["id\turl\ttitle\tlanguage\tcompleteness\tnotes"] + [
        f"{m['id']}\t{m['url']}\t\t{m['language']}\texcerpt\t{m.get('genre', '')}" for m in manifest
    ]
    (out / "sources.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    print(f"{part}: {len(manifest)} articles, {len(gold)} records, {len(aggs)} aggregates")


def agreement(second: Path, texts_dir: Path) -> None:
    """Score a second annotator's records against ours with the official scorer.

    The second annotator's records play the predictions, so record F1 is the agreement on
    which projects exist; the field accuracies compare amount, currency, location and stage.
    """
    sys.path.insert(0, str(SHARED_EVAL))
    import score  # the official scorer, exactly as the extractor is measured

    gold2 = read_jsonl(second / "gold2.jsonl")
    aggs2 = read_jsonl(second / "aggregates2.jsonl")
    ids = {r["article"] for r in gold2} | {a["article"] for a in aggs2}
    ids |= {p.stem for p in (second / "texts").glob("*.txt")}
    texts = {aid: (texts_dir / f"{aid}.txt").read_text(encoding="utf-8") for aid in ids}
    gold = [
        from_offsets(g, texts[g["article"]], PROJECT_SPANS)
        for g in read_jsonl(CORPUS / "gold.jsonl")
        if g["article"] in ids
    ]
    aggs = [a for a in read_jsonl(CORPUS / "aggregates.jsonl") if a["article"] in ids]
    pred = []
    for r in gold2:
        start = texts[r["article"]].find(r["evidence"]) if r.get("evidence") else -1
        pred.append(
            {
                "document": r["article"],
                "kind": "project",
                **{k: r.get(k) for k in ("investor", "amount", "currency", "location", "stage")},
                **(
                    {"evidence": {"start": start, "end": start + len(r["evidence"])}}
                    if start >= 0
                    else {}
                ),
            }
        )
    borderline2 = sum(1 for r in gold2 if r.get("borderline"))
    projects, _ = score.score_projects(gold, pred, texts)
    aggregates = score.score_aggregates(
        aggs, [{"document": a["article"], "kind": "aggregate", **a} for a in aggs2]
    )
    r, st = projects["records"], projects["strict"]
    print(f"{len(ids)} articles; ours {len(gold)} records, second {len(gold2)} ({borderline2} bl)")
    print(f"records    P={r['precision']:.3f} R={r['recall']:.3f} F1={r['f1']:.3f}")
    print(f"strict     P={st['precision']:.3f} R={st['recall']:.3f} F1={st['f1']:.3f}")
    fields = projects["field_accuracy_on_matches"]
    print("fields     " + "  ".join(f"{k}={v:.3f}" for k, v in sorted(fields.items())))
    a = aggregates
    print(f"aggregates P={a['precision']:.3f} R={a['recall']:.3f} F1={a['f1']:.3f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("assemble")
    p.add_argument("--source", type=Path, required=True)
    p = sub.add_parser("check")
    p.add_argument("--texts", type=Path, default=CORPUS / "texts")
    p = sub.add_parser("agreement")
    p.add_argument("--second", type=Path, required=True)
    p.add_argument("--texts", type=Path, default=CORPUS / "texts")
    p = sub.add_parser("build")
    p.add_argument("--split", choices=("dev", "validation", "all"), required=True)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--texts", type=Path, default=CORPUS / "texts")
    args = parser.parse_args(argv)
    try:
        if args.cmd == "assemble":
            assemble(args.source)
        elif args.cmd == "agreement":
            agreement(args.second, args.texts)
        elif args.cmd == "check":
            return 1 if check(args.texts) else 0
        else:
            build(args.split, args.out, args.texts)
    except (CorpusError, OSError, KeyError) as exc:
        print(f"corpus: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
