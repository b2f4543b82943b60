"""Exact and near-duplicate detection over clean text: content hashes, MinHash, banded LSH.

Exact duplicates share `content_hash` (the text's words, case, whitespace and punctuation
folded). Near-duplicates share enough word shingles: `signature` is a MinHash of the text's
SHINGLE_WORDS-word shingles (the same values as datasketch's "affine32" scheme, computed here
because importing datasketch imports scipy: 60 MB in every worker), and `NearDupIndex` finds the
first-seen document whose estimated Jaccard similarity reaches `threshold` through banded
LSH. Signatures are small picklable bytes, so worker processes compute them and one process
indexes them in order; the index round-trips through plain columns (a Parquet file in OUT) so
the next run recognises this run's pages.

Defaults measured by `benchmarks/near_dup.py --parameters` on wcxb-dev clean text (401 pages,
80,200 distinct pairs, 1,201 synthetic copies: other header and footer plus one edited or
rewritten paragraph, or a syndicated copy with another intro) and the seeds: 5-word
shingles, 128 permutations, threshold 0.5, 32 bands of 4 rows find 1,183 of the 1,201 copies
(1,168 of 1,180 for pages of 100+ words) with no false match, and 001 -> 000 as the only
seed pair. Every setting tried had no false match; the misses are pages under ~200 words
that the synthetic header, footer and edit change by half.
"""

from __future__ import annotations

import hashlib
import unicodedata
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from cleaners.patterns import INVISIBLE_CHARACTERS, WORD, whitespace_pieces

SHINGLE_WORDS = 5
"""Words per shingle. 3 to 7 find the same copies within noise (1,183-1,191 of 1,201); the
closest distinct dev pages fall from 0.34 (3 words) to 0.23 (5), and the seeds on one topic
(002-004 against 000) share no 5-word run at all."""

NUM_PERM = 128
"""MinHash permutations: the similarity estimate's standard error at 0.5 is 0.044."""

THRESHOLD = 0.5
"""Estimated Jaccard similarity from which a document is a near-duplicate. The closest
distinct wcxb-dev pages reach 0.23 (shop category pages on one template), six standard errors
below; 0.4 would find 5 more copies (all short pages), 0.6 11 fewer, 0.7 46 fewer."""

BANDS = 32
"""LSH bands of NUM_PERM // BANDS rows each (4): a pair at Jaccard 0.5 becomes a candidate
with probability 0.87, at 0.6 with 0.99. Candidates are then checked against `threshold`
on the full signature, so extra candidates cost time, never precision."""

SIGNATURE_SEED = 1
SHINGLE_CHUNK = 4096
"""Shingles hashed into a MinHash per call: bounds the (shingles x permutations) matrix."""

MERGE_FLOOR = 65_536
"""Band keys kept in the dict of recent additions (about 10 MiB) before they are merged into
the sorted arrays: a merge costs one pass over the arrays, ~30 ms at 100,000 documents."""

BAND_KEY_CHUNK = 8192
"""Signatures turned into band keys per step when an index is rebuilt: bounds the uint64
temporaries to a few MiB."""

Kind = Literal["exact", "near"]

_SHINGLE_MULTIPLIERS = np.random.RandomState(0x5EED).randint(
    1, 1 << 62, size=64, dtype=np.uint64
) * np.uint64(2) + np.uint64(1)
"""Odd multipliers that place each word of a shingle (up to 64 words) at its position."""


def scheme(shingle_words: int = SHINGLE_WORDS, num_perm: int = NUM_PERM) -> str:
    """Names everything that makes two signatures comparable; stored with persisted ones."""
    return f"minhash-affine32-seed{SIGNATURE_SEED}-w{shingle_words}-p{num_perm}"


def tokens(text: str) -> list[str]:
    """The words of `text`: NFKC, lowercase, invisible characters dropped, punctuation ignored.

    Not `patterns.words`: that one caches per line, and documents are too big to cache."""
    return WORD.findall(_folded(text))


def _folded(text: str) -> str:
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return INVISIBLE_CHARACTERS.sub("", text).lower()


def _word_hashes_and_content_hash(text: str) -> tuple[np.ndarray, str]:
    """The 32-bit hash of each of the text's `tokens`, in order, and its `content_hash`,
    reading the text piece by piece (`patterns.whitespace_pieces`): a list of all the words of
    a one-million-word text held about 60 MiB in the worker, and `findall` on a piece is one
    call rather than one per word."""
    digest = hashlib.blake2b(digest_size=16)
    hashes = []
    separator = b""
    for piece in whitespace_pieces(_folded(text)):
        if words := WORD.findall(piece):
            digest.update(separator + " ".join(words).encode())
            separator = b" "
            hashes.append(_word_hashes(words))
    word_hashes = np.concatenate(hashes) if hashes else np.empty(0, dtype=np.uint64)
    return word_hashes, digest.hexdigest()


def _word_hashes(words: list[str]) -> np.ndarray:
    return np.fromiter(map(zlib.crc32, map(str.encode, words)), dtype=np.uint64, count=len(words))


def content_hash(text: str) -> str:
    """Hex digest of the text's words: equal for texts that differ only in case, whitespace,
    line breaks or punctuation (the seeds 000 and 001 after cleaning)."""
    return _hash_of(tokens(text))


def _hash_of(words: list[str]) -> str:
    return hashlib.blake2b(" ".join(words).encode(), digest_size=16).hexdigest()


@dataclass(frozen=True, slots=True)
class Signature:
    """A MinHash: `num_perm` little-endian uint32 values (512 bytes at 128 permutations)."""

    values: bytes

    def array(self) -> np.ndarray:
        return np.frombuffer(self.values, dtype="<u4")

    def similarity(self, other: Signature) -> float:
        """Estimated Jaccard similarity of the two texts' shingle sets."""
        if len(other.values) != len(self.values):
            raise ValueError("signatures of different sizes are not comparable")
        return float(np.mean(self.array() == other.array()))


@dataclass(frozen=True, slots=True)
class Match:
    """The document a new one duplicates: the first-seen of its cluster, and how closely."""

    dup_of: str
    score: float
    kind: Kind


def _shingle_hashes(word_hashes: np.ndarray, shingle_words: int) -> np.ndarray:
    """32-bit hashes of the word `shingle_words`-grams, from the words' hashes; a text shorter
    than one shingle is one shingle of all its words, an empty text has none."""
    words = len(word_hashes)
    width = min(shingle_words, words)
    count = words - width + 1 if words else 0
    combined = np.zeros(count, dtype=np.uint64)
    for position in range(width):
        combined += word_hashes[position : position + count] * _SHINGLE_MULTIPLIERS[position]
    return (_mix(combined) >> np.uint64(32)).astype(np.uint32)


_FINALISERS = {
    np.dtype(np.uint64): (33, 0xFF51AFD7ED558CCD, 33, 0xC4CEB9FE1A85EC53, 33),
    np.dtype(np.uint32): (16, 0x85EBCA6B, 13, 0xC2B2AE35, 16),
}


def _mix(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's finaliser for the values' width (32 or 64 bits): spreads every input bit
    over all output bits, a bijection."""
    kind = values.dtype.type
    shift1, multiply1, shift2, multiply2, shift3 = map(kind, _FINALISERS[values.dtype])
    values = values ^ (values >> shift1)
    values = values * multiply1
    values = values ^ (values >> shift2)
    values = values * multiply2
    return values ^ (values >> shift3)


_PERMUTATIONS: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def _permutations(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    """The affine maps h -> a * h + b (mod 2^32, odd a) drawn as datasketch draws them."""
    if num_perm not in _PERMUTATIONS:
        draw = np.random.RandomState(SIGNATURE_SEED)
        odd = draw.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
        offset = draw.randint(0, 1 << 32, num_perm, dtype=np.uint32)
        _PERMUTATIONS[num_perm] = (odd, offset)
    return _PERMUTATIONS[num_perm]


def signature(
    text: str, *, shingle_words: int = SHINGLE_WORDS, num_perm: int = NUM_PERM
) -> Signature:
    """MinHash of the text's word shingles (see `tokens` for what counts as a word)."""
    word_hashes, _ = _word_hashes_and_content_hash(text)
    return _signature_of(word_hashes, shingle_words, num_perm)


def signature_and_hash(text: str) -> tuple[Signature, str]:
    """`signature(text)` and `content_hash(text)`, the text tokenised once for both."""
    word_hashes, text_hash = _word_hashes_and_content_hash(text)
    return _signature_of(word_hashes, SHINGLE_WORDS, NUM_PERM), text_hash


def _signature_of(word_hashes: np.ndarray, shingle_words: int, num_perm: int) -> Signature:
    if shingle_words < 1 or shingle_words > len(_SHINGLE_MULTIPLIERS):
        raise ValueError(f"shingle_words must be 1..{len(_SHINGLE_MULTIPLIERS)}")
    odd, offset = _permutations(num_perm)
    minimum = np.full(num_perm, np.iinfo(np.uint32).max, dtype=np.uint32)
    shingles = _mix(_shingle_hashes(word_hashes, shingle_words))
    for start in range(0, len(shingles), SHINGLE_CHUNK):
        chunk = shingles[start : start + SHINGLE_CHUNK].reshape(-1, 1)
        np.minimum(minimum, (chunk * odd + offset).min(axis=0), out=minimum)
    return Signature(minimum.astype("<u4").tobytes())


_BAND_MULTIPLIERS = np.random.RandomState(0xBA4D).randint(
    1, 1 << 62, size=(2, 256), dtype=np.uint64
) * np.uint64(2) + np.uint64(1)
"""Odd multipliers for a band's rows (first row) and for the band's number (second row)."""


def _band_keys(signatures: np.ndarray, bands: int) -> np.ndarray:
    """One uint64 key per band of each signature (signatures x bands), distinct across bands."""
    rows = signatures.shape[1] // bands
    keys = np.empty((len(signatures), bands), dtype=np.uint64)
    for start in range(0, len(signatures), BAND_KEY_CHUNK):
        chunk = signatures[start : start + BAND_KEY_CHUNK]
        grouped = chunk.reshape(len(chunk), bands, rows).astype(np.uint64)
        combined = (grouped * _BAND_MULTIPLIERS[0, :rows]).sum(axis=2, dtype=np.uint64)
        keys[start : start + len(chunk)] = _mix(combined + _BAND_MULTIPLIERS[1, :bands])
    return keys


IndexColumns = dict[str, list]
"""`doc_id`, `content_hash`, `signature` (bytes) and `scheme`, one entry per indexed
document in first-seen order: `pyarrow.table(columns)` stores it, `to_pydict()` reads it back."""

COLUMNS = ("doc_id", "content_hash", "signature", "scheme")


class NearDupIndex:
    """The first-seen document of every cluster so far: exact hashes and LSH bands.

    Only first-seen documents are indexed (`observe` adds a document when it duplicates
    nothing), so `dup_of` always names a document that is itself no duplicate, and a cluster
    cannot drift away from its first document through a chain of small edits.

    Band keys live in sorted numpy arrays (12 bytes per band and document) plus a small dict
    of recent additions, merged into the arrays whenever it holds MERGE_FLOOR keys.
    """

    def __init__(
        self,
        *,
        threshold: float = THRESHOLD,
        num_perm: int = NUM_PERM,
        bands: int = BANDS,
        shingle_words: int = SHINGLE_WORDS,
    ) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError("threshold must be in (0, 1]")
        if num_perm < 1 or bands < 1 or num_perm % bands or bands > _BAND_MULTIPLIERS.shape[1]:
            raise ValueError("bands must divide num_perm (at most 256 bands)")
        if num_perm // bands > _BAND_MULTIPLIERS.shape[1]:
            raise ValueError("at most 256 rows per band")
        self.threshold = threshold
        self.num_perm = num_perm
        self.bands = bands
        self.scheme = scheme(shingle_words, num_perm)
        self._doc_ids: list[str] = []
        self._hashes: list[str] = []
        self._row_of_doc: dict[str, int] = {}
        self._row_of_hash: dict[str, int] = {}
        self._signatures = np.empty((0, num_perm), dtype=np.uint32)
        self._sorted_keys = np.empty(0, dtype=np.uint64)
        self._sorted_rows = np.empty(0, dtype=np.int32)
        self._recent: dict[int, list[int]] = {}

    def __len__(self) -> int:
        return len(self._doc_ids)

    def __contains__(self, doc_id: str) -> bool:
        return doc_id in self._row_of_doc

    def find(self, doc_id: str, sig: Signature, text_hash: str) -> Match | None:
        """The first-seen indexed document this one duplicates, or None when it is new.

        An indexed `doc_id` (the same record seen by an earlier run) is its own first-seen
        document: None."""
        if doc_id in self._row_of_doc:
            return None
        exact = self._row_of_hash.get(text_hash)
        if exact is not None:
            return Match(self._doc_ids[exact], 1.0, "exact")
        values = self._checked(sig)
        candidates = self._candidates(_band_keys(values[None, :], self.bands)[0])
        if not len(candidates):
            return None
        scores = (self._signatures[candidates] == values).mean(axis=1)
        passing = np.flatnonzero(scores >= self.threshold)
        if not len(passing):
            return None
        first = passing[np.argmin(candidates[passing])]
        return Match(self._doc_ids[candidates[first]], float(scores[first]), "near")

    def add(self, doc_id: str, sig: Signature, text_hash: str) -> None:
        """Index a document as the first-seen of its cluster (a known `doc_id` stays as is)."""
        if doc_id in self._row_of_doc:
            return
        values = self._checked(sig)
        row = len(self._doc_ids)
        if row == len(self._signatures):
            self._grow(row + 1)
        self._signatures[row] = values
        self._doc_ids.append(doc_id)
        self._hashes.append(text_hash)
        self._row_of_doc[doc_id] = row
        self._row_of_hash.setdefault(text_hash, row)
        for key in _band_keys(values[None, :], self.bands)[0].tolist():
            self._recent.setdefault(key, []).append(row)
        if len(self._recent) >= MERGE_FLOOR:
            self._merge_recent()

    def observe(self, doc_id: str, sig: Signature, text_hash: str) -> Match | None:
        """`find`, then `add` when the document duplicates nothing: one call per document,
        in the order that defines "first seen"."""
        match = self.find(doc_id, sig, text_hash)
        if match is None:
            self.add(doc_id, sig, text_hash)
        return match

    def forget(self, doc_ids: Iterable[str]) -> int:
        """Take these documents out of the index (a deleted or renamed input's records), so that
        no later document is found to duplicate them; returns how many were indexed. The others
        keep their order, so "first seen" is unchanged. Costs a pass over the index: for the
        rare deletions, not per document."""
        rows = sorted({self._row_of_doc[doc_id] for doc_id in doc_ids if doc_id in self})
        if not rows:
            return 0
        if self._recent:
            self._merge_recent()
        kept = np.ones(len(self), dtype=bool)
        kept[rows] = False
        renumbered = (np.cumsum(kept) - 1).astype(np.int32)
        live_entries = kept[self._sorted_rows]
        self._sorted_keys = self._sorted_keys[live_entries]
        self._sorted_rows = renumbered[self._sorted_rows[live_entries]]
        self._signatures = self._signatures[: len(self)][kept]
        self._doc_ids = [doc_id for doc_id, keep in zip(self._doc_ids, kept, strict=True) if keep]
        self._hashes = [text for text, keep in zip(self._hashes, kept, strict=True) if keep]
        self._row_of_doc = {doc_id: row for row, doc_id in enumerate(self._doc_ids)}
        self._row_of_hash = {}
        for row, text_hash in enumerate(self._hashes):
            self._row_of_hash.setdefault(text_hash, row)
        return len(rows)

    def to_columns(self, *, since: int = 0) -> IndexColumns:
        """Indexed documents from position `since` on (0: all; `len(index)` at load time:
        only this run's additions, for an append-only store)."""
        signatures = self._signatures[since : len(self)].astype("<u4")
        return {
            "doc_id": self._doc_ids[since:],
            "content_hash": self._hashes[since:],
            "signature": [row.tobytes() for row in signatures],
            "scheme": [self.scheme] * len(signatures),
        }

    @classmethod
    def from_columns(cls, columns: IndexColumns, **settings) -> NearDupIndex:
        """Rebuild an index from `to_columns` output (rows of several runs concatenated in
        order); `settings` as for the constructor, and must match the stored scheme."""
        index = cls(**settings)
        doc_ids, hashes, signatures, schemes = (list(columns[name]) for name in COLUMNS)
        if not len(doc_ids) == len(hashes) == len(signatures) == len(schemes):
            raise ValueError("index columns differ in length")
        if any(stored != index.scheme for stored in schemes):
            raise ValueError(f"stored signatures are not {index.scheme}: rebuild them")
        if len(set(doc_ids)) != len(doc_ids):
            raise ValueError("a doc_id appears twice in the index columns")
        if any(len(sig) != 4 * index.num_perm for sig in signatures):
            raise ValueError("a stored signature has the wrong size")
        count = len(doc_ids)
        index._grow(count)
        stored = np.frombuffer(b"".join(signatures), dtype="<u4")
        index._signatures[:count] = stored.reshape(count, index.num_perm)
        index._doc_ids, index._hashes = doc_ids, hashes
        index._row_of_doc = {doc_id: row for row, doc_id in enumerate(doc_ids)}
        index._row_of_hash = {}
        for row, text_hash in enumerate(hashes):
            index._row_of_hash.setdefault(text_hash, row)
        keys = _band_keys(index._signatures[:count], index.bands).ravel()
        rows = np.repeat(np.arange(count, dtype=np.int32), index.bands)
        order = np.argsort(keys, kind="stable")
        index._sorted_keys, index._sorted_rows = keys[order], rows[order]
        return index

    def _checked(self, sig: Signature) -> np.ndarray:
        values = sig.array()
        if len(values) != self.num_perm:
            raise ValueError(f"signature has {len(values)} values, the index {self.num_perm}")
        return values

    def _candidates(self, keys: np.ndarray) -> np.ndarray:
        """Rows that share at least one band with the query."""
        starts = np.searchsorted(self._sorted_keys, keys, side="left")
        ends = np.searchsorted(self._sorted_keys, keys, side="right")
        found = [self._sorted_rows[s:e] for s, e in zip(starts, ends, strict=True) if e > s]
        found += [np.asarray(self._recent[k]) for k in keys.tolist() if k in self._recent]
        if not found:
            return np.empty(0, dtype=np.int32)
        return np.unique(np.concatenate(found))

    def _grow(self, rows: int) -> None:
        """Room for at least `rows` signatures, growing by half so appends stay amortised O(1)."""
        capacity = max(rows, 1024, len(self._signatures) * 3 // 2)
        grown = np.empty((capacity, self.num_perm), dtype=np.uint32)
        grown[: len(self)] = self._signatures[: len(self)]
        self._signatures = grown

    def _merge_recent(self) -> None:
        """Insert the recent band keys into the sorted arrays: a sort of the few recent keys and
        one pass over the arrays, not a re-sort of everything."""
        keys = np.fromiter((k for k, rows in self._recent.items() for _ in rows), np.uint64)
        rows = np.fromiter((r for rows in self._recent.values() for r in rows), np.int32)
        order = np.argsort(keys, kind="stable")
        keys, rows = keys[order], rows[order]
        at = np.searchsorted(self._sorted_keys, keys, side="right")
        self._sorted_keys = np.insert(self._sorted_keys, at, keys)
        self._sorted_rows = np.insert(self._sorted_rows, at, rows)
        self._recent = {}
