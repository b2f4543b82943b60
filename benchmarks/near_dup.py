"""Near-duplicate detection at scale (100,000 documents), and the measurements behind its settings.

    .venv/bin/python benchmarks/near_dup.py [--docs N] [--dup-share F]
    .venv/bin/python benchmarks/near_dup.py --parameters

--parameters: recall and false matches for shingle sizes, permutation counts, thresholds and
bands on wcxb-dev clean text (the text dumps through `clean_text`) and the seeds. Positives are
synthetic: each page with another header and footer and one paragraph edited (a quarter of
its words changed, or rewritten entirely), and syndicated copies with a different intro.
Negatives are all pairs of distinct dev pages and of the seeds except 000-001.

Scale run:
Documents are made from the words of the wcxb-dev reference texts (ground-truth.json):
each distinct document strings together 40-word runs taken from random places, so two of
them share almost no 5-word shingle; a `--dup-share` of them are planted near-duplicates of
an earlier document (a new header and footer line, one run of words replaced). Documents are
generated one at a time and dropped once signed: the figures are the detector's, not the
corpus's. Prints wall time and peak RSS (ru_maxrss, this process) after each stage, and how
many planted duplicates were found.
"""

from __future__ import annotations

import argparse
import io
import itertools
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from inputs import DEVDATA

from cleaners import clean_text
from cleaners.near_dup import NearDupIndex, Signature, content_hash, signature, tokens

SEEDS = DEVDATA.parents[1] / "seeds"

RUN_WORDS = 40
RUNS_PER_DOC = 15
MIB = 1024


def corpus_words() -> list[str]:
    truth = json.loads((DEVDATA / "ground-truth.json").read_text(encoding="utf-8"))
    return [word for page in truth.values() for word in page["main_content"].split()]


def distinct_text(words: list[str], seed: int) -> str:
    rng = random.Random(seed)
    runs = []
    for _ in range(RUNS_PER_DOC):
        start = rng.randrange(len(words) - RUN_WORDS)
        runs.append(" ".join(words[start : start + RUN_WORDS]))
    return "\n\n".join(runs)


def near_copy(text: str, words: list[str], seed: int) -> str:
    """The same text under another header and footer, with one run of words replaced."""
    rng = random.Random(-seed)
    runs = text.split("\n\n")
    start = rng.randrange(len(words) - RUN_WORDS)
    runs[rng.randrange(len(runs))] = " ".join(words[start : start + RUN_WORDS])
    header = f"Home > News > Story {seed} | Updated {rng.randrange(1, 28)} May 2025"
    footer = f"Share this story {seed} · © 2025 Publisher {rng.randrange(1000)}"
    return "\n\n".join([header, *runs, footer])


def documents(words: list[str], count: int, dup_share: float) -> Iterator[tuple[str, str, str]]:
    """(doc_id, text, doc_id of the distinct document it copies, or "")."""
    plan = random.Random(0)
    distinct: list[int] = []
    for number in range(count):
        if distinct and plan.random() < dup_share:
            original = plan.choice(distinct)
            text = near_copy(distinct_text(words, original), words, number)
            yield f"doc{number}", text, f"doc{original}"
        else:
            distinct.append(number)
            yield f"doc{number}", distinct_text(words, number), ""


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / MIB


def report(stage: str, seconds: float, count: int, extra: str = "") -> None:
    rate = f"{count / seconds:,.0f}/s" if seconds else ""
    print(f"{stage:<34} {seconds:8.2f} s {rate:>12}  peak RSS {peak_mib():7.0f} MiB  {extra}")


CHROME = (
    ("Home > News > World", "Subscribe now and save 50%", "Published 3 March 2025 by Staff"),
    ("Skip to content", "Menu Search Sign in", "Updated: 14:32 GMT, 12 May 2025"),
    ("The Daily Example", "Latest | Politics | Business | Sport", "By Jane Doe, Correspondent"),
    ("Share this article: Facebook Twitter Email", "© 2025 Example Media. All rights reserved."),
    ("Sign up for our newsletter to get the latest stories", "Copyright 2025 Another Publisher"),
    ("Comments (12)", "Leave a reply", "Related articles", "Why the council voted against it"),
)
FILLER = "new revised several officials later reportedly however".split()


def paragraphs(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def edited_copy(text: str, others: list[str], rng: random.Random, rewrite: bool) -> str:
    """Another header and footer, and one paragraph (of 15+ words if any) edited."""
    paras = paragraphs(text)
    long_ones = [i for i, p in enumerate(paras) if len(p.split()) >= 15] or list(range(len(paras)))
    target = rng.choice(long_ones)
    words = paras[target].split()
    if rewrite:
        source = rng.choice(others).split()
        start = rng.randrange(max(1, len(source) - len(words)))
        words = source[start : start + len(words)]
    else:
        for position in rng.sample(range(len(words)), max(1, len(words) // 4)):
            words[position] = rng.choice(FILLER)
    paras[target] = " ".join(words)
    return "\n".join([*rng.choice(CHROME[:3]), *paras, *rng.choice(CHROME[3:])])


def syndicated_copy(text: str, others: list[str], rng: random.Random) -> str:
    intro = " ".join(rng.choice(others).split()[:40])
    note = "This story was originally published by Example Wire and is republished here."
    return "\n".join([note, intro, *paragraphs(text)[1:]])


REBUILD_IN_A_FRESH_PROCESS = """
import resource, sys, time
import psutil
import pyarrow.parquet as pq
from cleaners.near_dup import NearDupIndex
before = psutil.Process().memory_info().rss / 1024
started = time.perf_counter()
index = NearDupIndex.from_columns(pq.read_table(sys.argv[1]).to_pydict())
seconds = time.perf_counter() - started
after = psutil.Process().memory_info().rss / 1024
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(
    f"{len(index)} entries in {seconds:.2f} s; RSS {before / 1024:.0f} MiB after the imports, "
    f"{after / 1024:.0f} MiB with the index, peak {peak / 1024:.0f} MiB"
)
"""


def rebuild_in_a_fresh_process(parquet: bytes) -> str:
    """What the next run pays at its start: read the Parquet file, rebuild the index."""
    with tempfile.NamedTemporaryFile(suffix=".parquet") as stored:
        stored.write(parquet)
        stored.flush()
        child = subprocess.run(
            [sys.executable, "-c", REBUILD_IN_A_FRESH_PROCESS, stored.name],
            capture_output=True,
            text=True,
            check=True,
        )
    return child.stdout.strip()


def measure_parameters() -> None:
    truth = json.loads((DEVDATA / "ground-truth.json").read_text(encoding="utf-8"))
    dev = {
        key: clean_text((DEVDATA / "text" / f"{key}.txt").read_text(), url=page["url"]).text
        for key, page in truth.items()
    }
    dev = {key: text for key, text in dev.items() if tokens(text)}
    seeds = {p.name[:3]: clean_text(p.read_text()).text for p in sorted(SEEDS.glob("*.txt"))}
    texts = list(dev.values())
    rng = random.Random(7)
    copies = []  # (kind, original key, copy text, original has 100+ words)
    for key, text in dev.items():
        long = len(tokens(text)) >= 100
        copies.append(("edited", key, edited_copy(text, texts, rng, rewrite=False), long))
        copies.append(("rewritten", key, edited_copy(text, texts, rng, rewrite=True), long))
        if len(paragraphs(text)) >= 3:
            copies.append(("syndicated", key, syndicated_copy(text, texts, rng), long))
    print(
        f"{len(dev)} dev pages ({len(dev) * (len(dev) - 1) // 2} distinct pairs), "
        f"{len(copies)} synthetic copies, {len(seeds)} seeds"
    )
    settings = [(k, 128, 0.5, 32) for k in (3, 4, 5, 6, 7)]
    settings += [(5, 64, 0.5, 16), (5, 256, 0.5, 64), (5, 128, 0.5, 16)]
    settings += [(5, 128, threshold, 32) for threshold in (0.3, 0.4, 0.6, 0.7)]
    for words, num_perm, threshold, bands in settings:

        def sign(text: str, w: int = words, p: int = num_perm) -> tuple[Signature, str]:
            return signature(text, shingle_words=w, num_perm=p), content_hash(text)

        config = {"threshold": threshold, "num_perm": num_perm, "bands": bands}
        index = NearDupIndex(shingle_words=words, **config)
        signed = {key: sign(text) for key, text in dev.items()}
        false = sum(1 for key in dev if index.observe(key, *signed[key]))
        matrix = np.stack([sig.array() for sig, _ in signed.values()])
        closest = max(float(np.sort((matrix == row).mean(axis=1))[-2]) for row in matrix)
        seed_index = NearDupIndex(shingle_words=words, **config)
        seed_found = {}
        for name, text in seeds.items():
            match = seed_index.observe(name, *sign(text))
            seed_found[name] = match.dup_of if match else None
        seed_signed = {name: sign(text)[0] for name, text in seeds.items()}
        seed_closest = max(
            seed_signed[a].similarity(seed_signed[b])
            for a, b in itertools.combinations(sorted(seeds), 2)
            if (a, b) != ("000", "001")
        )
        found, total, wrong = Counter(), Counter(), 0
        for kind, key, text, long in copies:
            match = index.find("copy", *sign(text))
            for bucket in (kind, "all", "100+ words" if long else "<100 words"):
                total[bucket] += 1
                found[bucket] += bool(match and match.dup_of == key)
            wrong += bool(match and match.dup_of != key)
        recall = ", ".join(f"{b} {found[b]}/{total[b]}" for b in total)
        seeds_ok = seed_found == {"000": None, "001": "000", "002": None, "003": None, "004": None}
        print(
            f"k={words} perms={num_perm} threshold={threshold} bands={bands}: recall {recall}; "
            f"false matches: dev pairs {false}, copies to the wrong page {wrong}; "
            f"closest distinct dev pages {closest:.3f}, seeds {seed_closest:.3f}; "
            f"seeds 001->000 only: {seeds_ok}",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--dup-share", type=float, default=0.1)
    parser.add_argument("--parameters", action="store_true", help="measure the settings")
    args = parser.parse_args()
    if args.parameters:
        measure_parameters()
        return

    started = time.perf_counter()
    words = corpus_words()
    report("load dev words", time.perf_counter() - started, len(words))

    signed, planted, total_words = [], {}, 0
    generating = hashing = 0.0
    for doc_id, text, original in documents(words, args.docs, args.dup_share):
        clock = time.perf_counter()
        generating += clock - started
        signed.append((doc_id, signature(text), content_hash(text)))
        started = time.perf_counter()
        hashing += started - clock
        total_words += len(text.split())
        if original:
            planted[doc_id] = original
    report("generate documents", generating, args.docs, f"{total_words / args.docs:.0f} words/doc")
    report("signature + content_hash", hashing, args.docs, f"{len(planted)} planted duplicates")

    index = NearDupIndex()
    clock = time.perf_counter()
    matches = {doc_id: index.observe(doc_id, sig, text_hash) for doc_id, sig, text_hash in signed}
    report("observe (find + add)", time.perf_counter() - clock, args.docs, f"{len(index)} indexed")
    found = sum(1 for doc_id, m in matches.items() if m and m.dup_of == planted.get(doc_id))
    false = sum(1 for doc_id, m in matches.items() if m and m.dup_of != planted.get(doc_id))
    print(f"  planted duplicates found {found}/{len(planted)}, other matches {false}")

    originals = [doc_id for doc_id, _, _ in signed if doc_id not in planted][: args.docs // 10]
    fresh = []
    for doc_id in originals:
        text = near_copy(distinct_text(words, int(doc_id[3:])), words, args.docs)
        fresh.append((f"next-week-{doc_id}", signature(text), content_hash(text)))
    clock = time.perf_counter()
    again = [index.find(doc_id, sig, h) for doc_id, sig, h in fresh]
    report("find (a page scraped again)", time.perf_counter() - clock, len(fresh))
    recognised = sum(
        1 for m, doc_id in zip(again, originals, strict=True) if m and m.dup_of == doc_id
    )
    print(f"  near copies recognised as their original {recognised}/{len(fresh)}")

    clock = time.perf_counter()
    buffer = io.BytesIO()
    pq.write_table(pa.table(index.to_columns()), buffer)
    report("to_columns + Parquet", time.perf_counter() - clock, len(index))
    print(f"  Parquet size {buffer.tell() / MIB / MIB:.1f} MiB for {len(index)} entries")

    clock = time.perf_counter()
    buffer.seek(0)
    rebuilt = NearDupIndex.from_columns(pq.read_table(buffer).to_pydict())
    report("Parquet + from_columns", time.perf_counter() - clock, len(rebuilt))
    same = sum(
        1
        for (doc_id, sig, h) in fresh
        if rebuilt.find(doc_id, sig, h) == index.find(doc_id, sig, h)
    )
    print(f"  rebuilt index answers like the original on {same}/{len(fresh)} queries")
    print(f"  fresh process: {rebuild_in_a_fresh_process(buffer.getvalue())}")


if __name__ == "__main__":
    main()
