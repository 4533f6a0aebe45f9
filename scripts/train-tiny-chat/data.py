"""Corpus and chat-formatted training examples for ecolink/tiny-chat.

The corpus is the fortune-cookie collection of Debian's `fortunes` /
`fortunes-min` packages (source fortune-mod, BSD license). Only the plainly
harmless collections are used; `ethnic`, `drugs`, `men-women`, `politics`, the
ASCII-art files and IRC-log style files are left out on purpose.

Every assistant turn is one fortune. User turns are either a request phrased for
the fortune's collection ("Tell me a riddle.") or arbitrary text (a line of
another fortune, a greeting), so the model learns that *any* user turn is
answered with one saying followed by `<|end|>`.
"""

from __future__ import annotations

import os
import random
import re

FORTUNE_DIR = "/usr/share/games/fortunes"

# collection -> topic words used in the user prompt
COLLECTIONS: dict[str, str] = {
    "fortunes": "life",
    "literature": "literature",
    "riddles": "riddles",
    "wisdom": "wisdom",
    "people": "people",
    "humorists": "humor",
    "science": "science",
    "computers": "computers",
    "education": "education",
    "food": "food",
    "kids": "kids",
    "love": "love",
    "medicine": "medicine",
    "miscellaneous": "anything",
    "pets": "pets",
    "platitudes": "life",
    "work": "work",
    "goedel": "logic",
    "tao": "the Tao",
    "paradoxum": "paradoxes",
    "songs-poems": "poetry",
    "sports": "sports",
    "magic": "magic",
    "law": "the law",
    "definitions": "definitions",
}

MAX_FORTUNE_CHARS = 600

SYSTEM_PROMPTS = [
    "You are a helpful assistant.",
    "You are EcoLink Tiny Chat, a small demo model that answers with a saying.",
    "You are a friendly assistant. Keep answers short.",
    "Answer with a quote.",
    "You are a witty assistant.",
    "Be concise.",
]

GENERIC_PROMPTS = [
    "Hi!",
    "Hello",
    "Hello, who are you?",
    "Say something.",
    "Tell me something.",
    "Tell me something interesting.",
    "Give me a fortune.",
    "What's my fortune today?",
    "Surprise me.",
    "Can you cheer me up?",
    "I'm bored.",
    "Any thoughts?",
    "What do you think?",
    "Tell me more.",
    "Another one, please.",
    "One more.",
    "Go on.",
    "Write something short.",
    "Give me a quote.",
    "Share a thought with me.",
    "What is the meaning of life?",
    "How are you?",
    "Good morning!",
    "Thanks!",
    "Can you help me?",
    "Explain something to me.",
    "Write a short text.",
    "ping",
    "test",
    "Say hello.",
]

TOPIC_PROMPTS = [
    "Tell me something about {t}.",
    "Give me a quote about {t}.",
    "Say something funny about {t}.",
    "What do you know about {t}?",
    "Share a saying about {t}.",
    "I'd like a fortune about {t}.",
    "Any wisdom on {t}?",
    "Tell me a joke about {t}.",
    "Write something about {t}.",
    "{T}?",
]

SPECIFIC_PROMPTS: dict[str, list[str]] = {
    "riddles": ["Tell me a riddle.", "Ask me a riddle.", "Got a riddle for me?", "Give me a puzzle."],
    "definitions": [
        "Define a word for me.",
        "Give me a funny definition.",
        "What's a good definition?",
        "Teach me a new word.",
    ],
    "wisdom": ["Share some wisdom.", "Give me some advice.", "What advice do you have?", "Tell me something wise."],
    "platitudes": ["Give me a platitude.", "Any advice for today?", "Give me a proverb."],
    "fortunes": ["Tell me my fortune.", "What does the future hold?", "Give me a fortune cookie."],
    "songs-poems": ["Write me a poem.", "Recite a poem.", "Sing me a song."],
    "literature": ["Quote some literature.", "Tell me a story.", "Give me a literary quote."],
    "people": ["Give me a famous quote.", "Who said something clever?", "Quote someone famous."],
    "computers": ["Tell me a computer joke.", "Say something about programming.", "Any thoughts on software?"],
    "work": ["I hate Mondays.", "Any advice about my job?", "Say something about the office."],
    "tao": ["Teach me the Tao.", "Tell me a Zen story."],
}


def load_collection(name: str) -> list[str]:
    path = os.path.join(FORTUNE_DIR, name)
    with open(path, "rb") as f:
        raw = f.read().decode("utf-8", errors="replace")
    out = []
    for entry in re.split(r"\n%\n", raw):
        text = "\n".join(line.rstrip() for line in entry.strip("\n").split("\n")).strip("\n")
        if text.startswith("%"):
            text = text.lstrip("%\n")
        if 0 < len(text) <= MAX_FORTUNE_CHARS and "\x00" not in text:
            out.append(text)
    return out


def load_corpus() -> list[tuple[str, str]]:
    items: list[tuple[str, str]] = []
    for name in COLLECTIONS:
        for text in load_collection(name):
            items.append((name, text))
    return items


def split_corpus(items: list[tuple[str, str]], val_fraction: float, seed: int):
    rng = random.Random(seed)
    shuffled = items[:]
    rng.shuffle(shuffled)
    n_val = int(len(shuffled) * val_fraction)
    return shuffled[n_val:], shuffled[:n_val]


def user_prompt(rng: random.Random, collection: str, pool: list[tuple[str, str]]) -> str:
    r = rng.random()
    if r < 0.30 and collection in SPECIFIC_PROMPTS:
        return rng.choice(SPECIFIC_PROMPTS[collection])
    if r < 0.55:
        t = COLLECTIONS[collection]
        return rng.choice(TOPIC_PROMPTS).format(t=t, T=t[0].upper() + t[1:])
    if r < 0.80:
        return rng.choice(GENERIC_PROMPTS)
    # Arbitrary user text: a line from some other fortune.
    other = rng.choice(pool)[1]
    lines = [ln.strip() for ln in other.split("\n") if ln.strip()]
    return rng.choice(lines)[:200]
