"""Benchmark the extractor: articles/second per core (warm), cold start, peak memory.

    .venv/bin/python benchmarks/extract.py [--articles DIR] [--runs 5] [--generated 300]

Corpus: the dev articles (read from ../shared/eval/dev/articles by default, never copied) plus
generated ~2 KB articles built from invented sentence templates.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

_TEMPLATES = [
    "在{ind}领域，{co}(上海)科技有限公司拟投资{n}亿元，在{place}建设{what}。",
    "{co}智能计划投资{n}亿元在{place}打造{what}，项目建成后年产值预计可达{m}亿元。",
    "一家世界500强企业拟在{place}设立{what}，项目总投资约{n}亿美元。",
    "本次共有{k}个项目集中签约，总投资逾{t}亿元，涵盖{ind}等重点领域。",
    "{co}新材料股份有限公司注册资本{n}亿元，去年营收{m}亿元，员工{k}00余人。",
    "同日开工的还有{co}电子的{what}项目，总投资{n}亿元，规划建筑面积约{k}万平方米。",
]
_WORDS = dict(
    ind=["集成电路", "生物医药", "人工智能", "新能源", "高端装备"],
    co=["蓝澜", "杉禾", "云翔", "青岚", "北辰", "启明", "澄宇", "星衡"],
    place=["张江", "临港新片区", "嘉定区", "松江新城", "青浦区", "闵行经济技术开发区"],
    what=["研发中心", "智能工厂", "区域总部", "生产基地", "中试平台"],
)


def generated_articles(n: int, size: int = 2048, seed: int = 7) -> list[str]:
    """Articles of about ``size`` bytes of UTF-8 (a 2 KB Chinese article is ~700 characters)."""
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        parts: list[str] = []
        while sum(len(p.encode("utf-8")) for p in parts) < size:
            tpl = rnd.choice(_TEMPLATES)
            parts.append(
                tpl.format(
                    n=rnd.randint(1, 90),
                    m=rnd.randint(10, 200),
                    k=rnd.randint(2, 60),
                    t=rnd.randint(100, 900),
                    **{k: rnd.choice(v) for k, v in _WORDS.items()},
                )
            )
            if rnd.random() < 0.2:
                parts.append("\n")
        out.append("".join(parts))
    return out


def cold_start() -> float:
    """Seconds for a fresh interpreter to import the extractor and process one article."""
    code = (
        f"import time;t=time.perf_counter();import sys;sys.path.insert(0,{str(ROOT)!r});"
        "from ingest.extract import extract;"
        "extract('甲乙科技有限公司拟投资5亿元在张江建设研发中心。');"
        "print(time.perf_counter()-t)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--articles", type=Path, default=ROOT.parent / "shared" / "eval" / "dev" / "articles"
    )
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--generated", type=int, default=300)
    args = ap.parse_args()

    colds = [cold_start() for _ in range(3)]

    from ingest.extract import extract

    dev = [p.read_text(encoding="utf-8") for p in sorted(args.articles.glob("*.txt"))]
    gen = generated_articles(args.generated)
    gen6 = generated_articles(max(1, args.generated // 3), size=6144, seed=11)
    corpora = {"dev": dev, "generated-2KB": gen, "generated-6KB": gen6}
    for texts in corpora.values():  # warm-up: caches, regex compilation, OpenCC
        for t in texts[:5]:
            extract(t)
    results: dict[str, tuple[float, float, int]] = {}
    for name, texts in corpora.items():
        rates = []
        for _ in range(args.runs):
            t0 = time.process_time()
            for t in texts:
                extract(t)
            dt = time.process_time() - t0
            rates.append(len(texts) / dt)
        nbytes = sum(len(t.encode("utf-8")) for t in texts) / max(1, len(texts))
        results[name] = (statistics.median(rates), nbytes, len(texts))
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    cmd = " ".join([Path(sys.executable).name, *sys.argv])
    print("== extractor benchmark ==")
    print(f"command : {cmd}")
    print(f"machine : {' '.join(platform.uname())}; nproc={os.cpu_count()}")
    print(f"python  : {platform.python_version()}")
    print(f"date    : {datetime.now(UTC).isoformat(timespec='seconds')}")
    print(
        "cold start (import + first article), median of 3: "
        f"{statistics.median(colds) * 1000:.0f} ms"
    )
    for name, (rate, nbytes, n) in results.items():
        print(
            f"{name:14} {n:4d} articles, avg {nbytes:6.0f} bytes UTF-8: "
            f"{rate:8.1f} articles/s per core (CPU time, median of {args.runs} runs)"
        )
    print(f"peak RSS: {peak_kb / 1024:.1f} MB")


if __name__ == "__main__":
    main()
