"""MinHash signatures and LSH band keys: the candidates of a case among every indexed case, found
through an index instead of comparing with each of them.

datasketch (MinHash, kept up since 2015, used widely for near-duplicate detection) computes the
signatures; the bands are cut here so the keys can live in an indexed database table
(cases.models.SimilarityKey) rather than in datasketch's in-memory or Redis storage: the index
survives restarts, is shared by every worker, and a query reads only the rows of its own keys.

- story: MinHash of the story's character 5-grams (normalised: digits folded, so recycled text
  with new numbers keeps its shingles), STORY_BANDS bands of BAND_ROWS rows. Two stories of
  Jaccard similarity s share a band with probability 1 − (1 − s^r)^b: 0.81 at s = 0.46 (the
  lightest copies of the labelled set, which the facts find too), 0.96 at 0.55, 1.0 from 0.7
  (recycled text is above 0.9); 0.02 at s = 0.15 (stock phrases), 0.0005 at 0.06, so among
  10,000 narratives a query meets a handful of unrelated candidates, not hundreds.
- introduction: the same on part 1 (企业简介), fewer bands: it is copied whole or not at all.
- facts: one key per key fact (number with unit, Latin name, quoted name): a paraphrase shares
  few shingles but most facts, so a case sharing at least MIN_SHARED_FACTS facts, FACT_BAR of the
  facts of the one with fewer (the engine's own condition for a retelling), is a candidate too.
"""

from __future__ import annotations

import hashlib
import struct
import zlib

import numpy as np
from datasketch import MinHash

from cases.similarity.text import FACT_BAR, MIN_SHARED_FACTS, Narrative

SHINGLE = 5
BAND_ROWS = 4
STORY_BANDS = 36
INTRODUCTION_BANDS = 10
PERMUTATIONS = BAND_ROWS * STORY_BANDS
SEED = 19
MIN_SHARED_FACT_KEYS = MIN_SHARED_FACTS


def _crc32(data: bytes) -> int:
    # A fast, stable 32-bit hash (the default, SHA-1, is several times slower per shingle).
    return zlib.crc32(data)


# The permutations are drawn once (from SEED): every signature of the index must use the same ones.
SCHEME = "affine32"
_TEMPLATE = MinHash(num_perm=PERMUTATIONS, seed=SEED, hashfunc=_crc32, scheme=SCHEME)


def _signature(norm: str, permutations: int) -> np.ndarray | None:
    """The MinHash of the 5-grams of `norm` under the first `permutations` permutations."""
    shingles = {norm[i:i + SHINGLE] for i in range(len(norm) - SHINGLE + 1)}
    if not shingles:
        return None
    a, b = _TEMPLATE.permutations
    minhash = MinHash(num_perm=permutations, seed=SEED, hashfunc=_crc32, permutations=(a[:permutations], b[:permutations]),
                      scheme=SCHEME)
    minhash.update_batch([shingle.encode("utf-8") for shingle in shingles])
    return minhash.hashvalues


def _key(salt: bytes, values: bytes) -> int:
    digest = hashlib.blake2b(salt + values, digest_size=8).digest()
    return struct.unpack(">q", digest)[0]


def _band_keys(signature: np.ndarray | None, bands: int, salt: bytes) -> list[int]:
    if signature is None:
        return []
    rows = signature[: bands * BAND_ROWS].astype(np.uint32).reshape(bands, BAND_ROWS)
    return [_key(salt + bytes([band]), rows[band].tobytes()) for band in range(bands)]


def story_keys(narrative: Narrative) -> list[int]:
    return _band_keys(_signature(narrative.story.norm, STORY_BANDS * BAND_ROWS), STORY_BANDS, b"story")


def introduction_keys(narrative: Narrative) -> list[int]:
    return _band_keys(_signature(narrative.introduction.norm, INTRODUCTION_BANDS * BAND_ROWS), INTRODUCTION_BANDS, b"intro")


def fact_keys(narrative: Narrative) -> list[int]:
    return sorted({_key(b"fact", fact.encode("utf-8")) for fact in narrative.story.facts})


def facts_may_match(shared: int, mine: int, theirs: int) -> bool:
    """Whether two stories sharing `shared` of their `mine` and `theirs` facts could be a retelling
    by the engine's measure (so are worth the exact check)."""
    fewer = min(mine, theirs)
    return shared >= MIN_SHARED_FACTS and fewer > 0 and shared / fewer >= FACT_BAR
