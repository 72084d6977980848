"""MinHash signatures and LSH band keys: the candidates of a case among every indexed case, found
through an index instead of comparing with each of them.

datasketch (MinHash, kept up since 2015, used widely for near-duplicate detection) computes the
signatures; the bands are cut here so the keys can live in an indexed database table
(cases.models.SimilarityKey) rather than in datasketch's in-memory or Redis storage: the index
survives restarts, is shared by every worker, and a query reads only the rows of its own keys.

- story: MinHash of the story's character 5-grams (normalised: digits folded, so recycled text
  with new numbers keeps its shingles), STORY_BANDS bands of BAND_ROWS rows. Two stories of
  Jaccard similarity s share a band with probability 1 − (1 − s^r)^b: 0.98 at s = 0.45 (the
  lightest copies of the labelled set), 0.30 at s = 0.15 (the template's stock phrases).
- introduction: the same on part 1 (企业简介), fewer bands: it is copied whole or not at all.
- facts: one key per key fact (number with unit, Latin name, quoted name): a paraphrase shares
  few shingles but most facts, so cases sharing MIN_SHARED_FACT_KEYS facts are candidates too.
"""

from __future__ import annotations

import hashlib
import struct
import zlib

import numpy as np
from datasketch import MinHash

from cases.similarity.text import Narrative

SHINGLE = 5
BAND_ROWS = 3
STORY_BANDS = 40
INTRODUCTION_BANDS = 10
PERMUTATIONS = BAND_ROWS * STORY_BANDS
SEED = 19
MIN_SHARED_FACT_KEYS = 2


def _crc32(data: bytes) -> int:
    # A fast, stable 32-bit hash (the default, SHA-1, is several times slower per shingle).
    return zlib.crc32(data)


# The permutations are drawn once (from SEED): every signature of the index must use the same ones.
SCHEME = "affine32"
_TEMPLATE = MinHash(num_perm=PERMUTATIONS, seed=SEED, hashfunc=_crc32, scheme=SCHEME)


def _signature(norm: str) -> np.ndarray | None:
    shingles = {norm[i:i + SHINGLE] for i in range(len(norm) - SHINGLE + 1)}
    if not shingles:
        return None
    minhash = MinHash(num_perm=PERMUTATIONS, seed=SEED, hashfunc=_crc32, permutations=_TEMPLATE.permutations,
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
    return _band_keys(_signature(narrative.story.norm), STORY_BANDS, b"story")


def introduction_keys(narrative: Narrative) -> list[int]:
    return _band_keys(_signature(narrative.introduction.norm), INTRODUCTION_BANDS, b"intro")


def fact_keys(narrative: Narrative) -> list[int]:
    return sorted({_key(b"fact", fact.encode("utf-8")) for fact in narrative.story.facts})
