"""What the comments say about each value: the matching of comments to values, recurring
phrases, the leaning of comments and representative quotes (docs/method.md, "Comments about
each value").

No Django and no database: plain text in, plain data out. Nothing is downloaded at run time:
stop words are scikit-learn's English list and the lists shipped in `lexicons/`, and the word
lists for the leaning of a comment are shipped there too, one file per language.
"""

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity

LEXICONS = Path(__file__).parent / "lexicons"
LANGUAGES = ("en", "de", "fr", "es")
# A general comment belongs to the value whose profile (name, claim, description and items) it
# resembles most, when the cosine similarity of their TF-IDF vectors (character 3- to 5-grams
# within words, so "recognise", "recognition" and "recognised" meet) reaches this threshold.
MATCH_THRESHOLD = 0.08
# A phrase is shown only when at least this many different respondents used it: a count of 1
# points at one person, and a count of 2 lets either of the two recognise the other.
MIN_PHRASE_RESPONDENTS = 3
MAX_THEMES = 5
MAX_QUOTES = 3
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?", re.UNICODE)


@dataclass(frozen=True)
class ValueProfile:
    code: str
    name: str
    claim: str = ""
    description: str = ""
    items: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        # The name weighs most: it is the shortest and surest statement of what the value is.
        return " ".join([self.name] * 3 + [self.claim, self.description, *self.items])


@dataclass(frozen=True)
class Lexicon:
    language: str
    positive: tuple[str, ...]
    negative: tuple[str, ...]
    negation: frozenset[str]
    stop: frozenset[str]

    def polarity(self, word: str) -> int:
        if _matches(word, self.positive):
            return 1
        if _matches(word, self.negative):
            return -1
        return 0


def _matches(word: str, patterns: tuple[str, ...]) -> bool:
    return any(word.startswith(p[:-1]) if p.endswith("*") else word == p for p in patterns)


@cache
def lexicon(language: str) -> Lexicon | None:
    """The shipped word lists of a language; None for a language without them."""
    path = LEXICONS / f"{language}.txt"
    if language not in LANGUAGES or not path.exists():
        return None
    sections: dict[str, list[str]] = {"positive": [], "negative": [], "negation": [], "stop": []}
    current = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip().lower()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1]
            continue
        if current in sections:
            sections[current].append(line)
    stop = set(sections["stop"])
    if language == "en":
        stop |= set(ENGLISH_STOP_WORDS)
    return Lexicon(
        language=language,
        positive=tuple(sections["positive"]),
        negative=tuple(sections["negative"]),
        negation=frozenset(sections["negation"]),
        stop=frozenset(stop),
    )


@cache
def stop_words() -> frozenset[str]:
    """Every shipped stop word: scikit-learn's English list and those of the other languages."""
    words: set[str] = set(ENGLISH_STOP_WORDS)
    for language in LANGUAGES:
        found = lexicon(language)
        if found:
            words |= found.stop
    return frozenset(words)


def words(text: str) -> list[str]:
    return [w.replace("’", "'") for w in WORD.findall(text.lower())]


def language_of(text: str) -> str | None:
    """The shipped language whose stop words the comment uses most; None when it uses none of
    any (too short, or a language without a word list: the report then does not guess)."""
    tokens = words(text)
    scores = []
    for language in LANGUAGES:
        found = lexicon(language)
        if found is not None:
            # Stop words first; the words of its lists decide a comment without any.
            stops = sum(t in found.stop or t in found.negation for t in tokens)
            listed = sum(bool(found.polarity(t)) for t in tokens)
            scores.append((stops, listed, language))
    scores.sort(reverse=True)
    if not scores or scores[0][:2] == (0, 0):
        return None
    if len(scores) > 1 and scores[0][:2] == scores[1][:2]:
        return None  # as much one language as another: no guess
    return scores[0][2]


@lru_cache(maxsize=65536)
def leaning(text: str) -> str:
    """ "positive", "negative", "neither", or "unrated" (no word list for its language).

    Words of the language's lists count +1 or −1; a negation up to two words before a word
    turns it round ("not valued" is negative, "never blamed" positive)."""
    language = language_of(text)
    found = lexicon(language) if language else None
    if found is None:
        return "unrated"
    tokens = words(text)
    score = 0
    for i, token in enumerate(tokens):
        polarity = found.polarity(token)
        if polarity and token not in found.negation:
            negated = any(t in found.negation for t in tokens[max(0, i - 2) : i])
            score += -polarity if negated else polarity
        elif token in found.negation and found.polarity(token) < 0:
            score -= 1  # "never" alone leans negative
    if score > 0:
        return "positive"
    if score < 0:
        return "negative"
    return "neither"


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def match_values(texts: Sequence[str], values: Sequence[ValueProfile]) -> list[str | None]:
    """The value each comment is most about, or None when no value's profile is similar
    enough (cosine similarity of TF-IDF vectors below MATCH_THRESHOLD)."""
    if not texts or not values:
        return [None] * len(texts)
    vectorizer = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=(3, 5),
        sublinear_tf=True,
        strip_accents="unicode",
        preprocessor=lambda t: " ".join(w for w in words(t) if w not in stop_words()),
    )
    profiles = [_normalise(v.text) for v in values]
    matrix = vectorizer.fit_transform(profiles + [_normalise(t) for t in texts])
    similarity = cosine_similarity(matrix[len(values) :], matrix[: len(values)])
    best = similarity.argmax(axis=1)
    return [
        values[int(b)].code if similarity[i, int(b)] >= MATCH_THRESHOLD else None
        for i, b in enumerate(best)
    ]


@dataclass
class Theme:
    phrase: str
    respondents: int


@dataclass
class ThemeSummary:
    themes: list[Theme] = field(default_factory=list)
    positive: int = 0
    negative: int = 0
    neither: int = 0
    unrated: int = 0
    quotes: list[tuple[str, int]] = field(default_factory=list)  # (text, identical comments)


@lru_cache(maxsize=65536)
def _phrases(text: str) -> frozenset[str]:
    """The 1- to 3-word phrases of a comment, stop words and negations left out (a phrase
    never spans a removed word)."""
    stop = stop_words()
    runs: list[list[str]] = [[]]
    for token in words(text):
        if token in stop or len(token) < 3:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append(token)
    found = set()
    for run in runs:
        for n in (1, 2, 3):
            for i in range(len(run) - n + 1):
                found.add(" ".join(run[i : i + n]))
    return frozenset(found)


def _contains(longer: str, shorter: str) -> bool:
    return f" {shorter} " in f" {longer} "


def recurring_phrases(by_respondent: Sequence[Sequence[str]], minimum: int) -> list[Theme]:
    """Phrases used by at least `minimum` different respondents, most used first. A phrase
    that contains another is merged with it: the theme counts the respondents who used either
    and is named by the longer phrase when at least half of them used it."""
    users: dict[str, set[int]] = {}
    for respondent, comments in enumerate(by_respondent):
        for phrase in set().union(*(_phrases(c) for c in comments)) if comments else ():
            users.setdefault(phrase, set()).add(respondent)
    kept = {p: u for p, u in users.items() if len(u) >= minimum}
    # Longest first: each phrase joins the theme of a longer phrase that contains it.
    themes: list[tuple[str, set[int], str]] = []  # (name, respondents, longest phrase)
    for phrase in sorted(kept, key=lambda p: (-len(p.split()), -len(kept[p]), p)):
        home = next((t for t in themes if _contains(t[2], phrase)), None)
        if home is None:
            themes.append((phrase, set(kept[phrase]), phrase))
            continue
        index = themes.index(home)
        name, who, longest = home
        merged = who | kept[phrase]
        if len(kept[name]) * 2 < len(merged):
            name = phrase  # the longer name speaks for too few of them
        themes[index] = (name, merged, longest)
    # One theme per name; the broadest wins when two longer phrases share a word.
    best: dict[str, set[int]] = {}
    for name, who, _longest in themes:
        if len(who) > len(best.get(name, ())):
            best[name] = who
    ordered = sorted(best.items(), key=lambda t: (-len(t[1]), t[0]))
    shown: list[Theme] = []
    for name, who in ordered:
        if any(_contains(t.phrase, name) or _contains(name, t.phrase) for t in shown):
            continue
        shown.append(Theme(phrase=name, respondents=len(who)))
        if len(shown) == MAX_THEMES:
            break
    return shown


def summarise(
    comments: Sequence[tuple[int, str]],
    *,
    minimum: int = MIN_PHRASE_RESPONDENTS,
    quotes: int = MAX_QUOTES,
) -> ThemeSummary:
    """Themes, leaning and quotes of one value's comments: (respondent, masked text) pairs.

    Quotes are the comments nearest the centroid of the value's comments (TF-IDF of words),
    taken only among comments that use a shown theme phrase, so a quote always speaks for
    something at least `minimum` people wrote; identical comments are one quote with a count.
    """
    summary = ThemeSummary()
    if not comments:
        return summary
    by_respondent: dict[int, list[str]] = {}
    for respondent, text in comments:
        by_respondent.setdefault(respondent, []).append(text)
        setattr(summary, leaning(text), getattr(summary, leaning(text)) + 1)
    summary.themes = recurring_phrases(list(by_respondent.values()), minimum)
    if not summary.themes or quotes <= 0:
        return summary
    counts: dict[str, int] = {}
    first: dict[str, str] = {}
    for _respondent, text in comments:
        key = identity(text)
        counts[key] = counts.get(key, 0) + 1
        first.setdefault(key, text)
    keys = list(first)
    phrases = [t.phrase for t in summary.themes]
    eligible = [i for i, key in enumerate(keys) if _phrases(first[key]) & set(phrases)]
    if not eligible:
        return summary
    vectorizer = TfidfVectorizer(
        preprocessor=lambda t: " ".join(w for w in words(t) if w not in stop_words()),
        token_pattern=r"(?u)\b\w\w+\b",  # noqa: S106 (a regular expression)
    )
    try:
        matrix = vectorizer.fit_transform([first[k] for k in keys])
    except ValueError:  # nothing but stop words
        return summary
    weights = np.array([counts[k] for k in keys], dtype=float)
    centroid = np.asarray(matrix.T @ weights / weights.sum()).reshape(1, -1)
    closeness = cosine_similarity(matrix[eligible], centroid).ravel()
    order = [eligible[i] for i in np.argsort(-closeness, kind="stable")]
    summary.quotes = [(first[keys[i]], counts[keys[i]]) for i in order[:quotes]]
    return summary


def identity(text: str) -> str:
    """What makes two comments identical: the same words, whatever the case and spacing."""
    return " ".join(_normalise(text).casefold().split())
