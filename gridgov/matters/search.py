"""Chinese full-text search by character bigrams, the same on SQLite (FTS5) and PostgreSQL (tsvector).

Chinese has no spaces between words, and the engines' own tokenizers either keep a whole
run of Han characters as one token (unicode61, PostgreSQL's parser) or need three
characters (FTS5 trigram), so a two-character word such as 纠纷 or 漏水 is never found.
We index the text as space-separated tokens instead: every overlapping pair of Han
characters, plus the last character of each run alone (so every character starts some
token and a one-character query can be a prefix search), plus lower-cased ASCII words.
The engines then only split on spaces, which both do with their plain tokenizers.

A query is tokenized the same way (bigrams only) and all its tokens must match.
"""

from __future__ import annotations

import re
import unicodedata

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN_RE = re.compile(rf"[{HAN}]+|[^\W_{HAN}]+")
_HAN_RE = re.compile(rf"[{HAN}]")


def _runs(text: str) -> list[str]:
    return _TOKEN_RE.findall(unicodedata.normalize("NFKC", text).lower())


def _dedupe(tokens: list[str]) -> list[str]:
    return list(dict.fromkeys(tokens))


def bigram_tokens(text: str) -> str:
    """The stored token column for ``text``: "土地 地界 界纠 纠纷 纷 abc"."""
    tokens: list[str] = []
    for run in _runs(text):
        if _HAN_RE.match(run):
            tokens.extend(run[i : i + 2] for i in range(len(run) - 1))
            tokens.append(run[-1])
        else:
            tokens.append(run)
    return " ".join(_dedupe(tokens))


def query_terms(text: str) -> tuple[list[str], list[str]]:
    """(exact tokens, prefix tokens) a document must all contain to match ``text``.

    A lone Han character becomes a prefix term (it starts a bigram or is a run's last
    character); longer runs become their bigrams; ASCII words match exactly.
    """
    exact: list[str] = []
    prefix: list[str] = []
    for run in _runs(text):
        if _HAN_RE.match(run) and len(run) == 1:
            prefix.append(run)
        elif _HAN_RE.match(run):
            exact.extend(run[i : i + 2] for i in range(len(run) - 1))
        else:
            exact.append(run)
    return _dedupe(exact), _dedupe(prefix)


def fts5_query(text: str) -> str:
    """An FTS5 MATCH expression; tokens contain only letters and digits, quoted anyway."""
    exact, prefix = query_terms(text)
    return " AND ".join([f'"{t}"' for t in exact] + [f'"{t}"*' for t in prefix])


def tsquery(text: str) -> str:
    """A to_tsquery('simple', ...) expression."""
    exact, prefix = query_terms(text)
    return " & ".join([f"'{t}'" for t in exact] + [f"'{t}':*" for t in prefix])
