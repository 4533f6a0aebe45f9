"""Byte-level BPE for ecolink/tiny-chat.

The TypeScript encoder in lib/inference/providers/local/tiny-chat/tokenizer.ts
must produce the very same ids (token counts are billed), so every rule here is
deliberately small enough to restate line for line in TypeScript: a hand-written
pre-tokenizer over UTF-8 bytes (no regex engine differences), then merges applied
by rank inside each chunk. Training the merges needs no TypeScript twin; only the
resulting merge list is shipped in tokenizer.json.
"""

from __future__ import annotations

from collections import Counter, defaultdict

SPECIAL_TOKENS = ["<|system|>", "<|user|>", "<|assistant|>", "<|end|>"]

MAX_CHUNK_BYTES = 256

# Byte classes of the pre-tokenizer.
LETTER, DIGIT, SPACE, NEWLINE, OTHER = 0, 1, 2, 3, 4


def byte_class(b: int) -> int:
    if 65 <= b <= 90 or 97 <= b <= 122 or b >= 128:
        # Bytes >= 0x80 are parts of multi-byte UTF-8 characters; treating them as
        # letters keeps accented words in one chunk.
        return LETTER
    if 48 <= b <= 57:
        return DIGIT
    if b == 32:
        return SPACE
    if b == 10:
        return NEWLINE
    return OTHER


def pretokenize(data: bytes) -> list[bytes]:
    """Split bytes into chunks; merges never cross a chunk boundary.

    A chunk is: an optional single space followed by a run of one class among
    letter/digit/other; or a run of spaces (leaving the last space to the next
    word when one follows); or a run of newlines. Chunks longer than
    MAX_CHUNK_BYTES are cut into pieces of that length.
    """
    chunks: list[bytes] = []
    n = len(data)
    i = 0
    while i < n:
        start = i
        c = byte_class(data[i])
        if c == SPACE and i + 1 < n and byte_class(data[i + 1]) in (LETTER, DIGIT, OTHER):
            i += 1
            c = byte_class(data[i])
        if c in (LETTER, DIGIT, OTHER):
            while i < n and byte_class(data[i]) == c:
                i += 1
        elif c == SPACE:
            while i < n and data[i] == 32:
                i += 1
            if i < n and byte_class(data[i]) in (LETTER, DIGIT, OTHER):
                i -= 1  # the last space belongs to the following word
        else:
            while i < n and data[i] == 10:
                i += 1
        # Very long runs are cut so a hostile input cannot make BPE quadratic;
        # no chunk of the training corpus comes near this length.
        for s in range(start, i, MAX_CHUNK_BYTES):
            chunks.append(data[s : min(s + MAX_CHUNK_BYTES, i)])
    return chunks


def train_merges(texts: list[str], num_merges: int) -> list[tuple[int, int]]:
    """Classic BPE training over pre-tokenized chunks, incremental pair counts."""
    chunk_freq: Counter[bytes] = Counter()
    for t in texts:
        chunk_freq.update(pretokenize(t.encode("utf-8")))
    words = [list(w) for w in chunk_freq]
    freqs = [chunk_freq[w] for w in chunk_freq]

    pair_counts: dict[tuple[int, int], int] = defaultdict(int)
    where: dict[tuple[int, int], set[int]] = defaultdict(set)
    for wi, w in enumerate(words):
        for a, b in zip(w, w[1:]):
            pair_counts[(a, b)] += freqs[wi]
            where[(a, b)].add(wi)

    merges: list[tuple[int, int]] = []
    for m in range(num_merges):
        if not pair_counts:
            break
        # Ties broken by the smaller pair so a rerun gives the same merges.
        best = min(pair_counts.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        if pair_counts[best] < 2:
            break
        new_id = 256 + m
        merges.append(best)
        for wi in list(where[best]):
            w = words[wi]
            f = freqs[wi]
            for a, b in zip(w, w[1:]):
                pair_counts[(a, b)] -= f
                if pair_counts[(a, b)] <= 0:
                    del pair_counts[(a, b)]
                where[(a, b)].discard(wi)
            words[wi] = w = merge_pair(w, best, new_id)
            for a, b in zip(w, w[1:]):
                pair_counts[(a, b)] += f
                where[(a, b)].add(wi)
        where.pop(best, None)
        pair_counts.pop(best, None)
    return merges


def merge_pair(symbols: list[int], pair: tuple[int, int], new_id: int) -> list[int]:
    out: list[int] = []
    i = 0
    while i < len(symbols):
        if i + 1 < len(symbols) and symbols[i] == pair[0] and symbols[i + 1] == pair[1]:
            out.append(new_id)
            i += 2
        else:
            out.append(symbols[i])
            i += 1
    return out


class Tokenizer:
    def __init__(self, merges: list[tuple[int, int]]):
        self.merges = merges
        self.ranks = {p: r for r, p in enumerate(merges)}
        self.num_merges = len(merges)
        self.special_ids = {s: 256 + self.num_merges + k for k, s in enumerate(SPECIAL_TOKENS)}
        self.vocab_size = 256 + self.num_merges + len(SPECIAL_TOKENS)
        self.token_bytes: list[bytes] = [bytes([b]) for b in range(256)]
        for a, b in merges:
            self.token_bytes.append(self.token_bytes[a] + self.token_bytes[b])
        self._cache: dict[bytes, list[int]] = {}

    @property
    def end_id(self) -> int:
        return self.special_ids["<|end|>"]

    def _encode_chunk(self, chunk: bytes) -> list[int]:
        hit = self._cache.get(chunk)
        if hit is not None:
            return hit
        symbols = list(chunk)
        while len(symbols) > 1:
            best_rank = None
            for a, b in zip(symbols, symbols[1:]):
                r = self.ranks.get((a, b))
                if r is not None and (best_rank is None or r < best_rank):
                    best_rank = r
            if best_rank is None:
                break
            symbols = merge_pair(symbols, self.merges[best_rank], 256 + best_rank)
        self._cache[chunk] = symbols
        return symbols

    def encode_ordinary(self, text: str) -> list[int]:
        """Encode text with special-token strings treated as plain bytes."""
        ids: list[int] = []
        for chunk in pretokenize(text.encode("utf-8")):
            ids.extend(self._encode_chunk(chunk))
        return ids

    def encode(self, text: str) -> list[int]:
        """Encode text, turning literal special-token strings into their ids."""
        ids: list[int] = []
        i = 0
        while i < len(text):
            nxt, which = len(text), None
            for s in SPECIAL_TOKENS:
                j = text.find(s, i)
                if j != -1 and j < nxt:
                    nxt, which = j, s
            ids.extend(self.encode_ordinary(text[i:nxt]))
            if which is None:
                break
            ids.append(self.special_ids[which])
            i = nxt + len(which)
        return ids

    def decode(self, ids: list[int]) -> str:
        by_id = {v: k for k, v in self.special_ids.items()}
        out = bytearray()
        for t in ids:
            if t in by_id:
                out += by_id[t].encode("utf-8")
            else:
                out += self.token_bytes[t]
        return out.decode("utf-8", errors="replace")

    def to_json(self) -> dict:
        return {
            "format": "ecolink-byte-bpe-v1",
            "vocab_size": self.vocab_size,
            "num_byte_tokens": 256,
            "merges": [[a, b] for a, b in self.merges],
            "special_tokens": [{"id": self.special_ids[s], "content": s} for s in SPECIAL_TOKENS],
            "pretokenizer": "ecolink-byte-classes-v1",
            "notes": (
                "Token ids 0-255 are raw bytes; id 256+r is merges[r] (the pair of ids it "
                "joins). Text is split into chunks by the byte-class pre-tokenizer, then "
                "within each chunk the adjacent pair with the lowest merge rank is merged "
                "(all non-overlapping occurrences, left to right) until none applies."
            ),
        }
