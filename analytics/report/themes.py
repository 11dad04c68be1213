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
from scipy import sparse
from sklearn.feature_extraction.text import (
    ENGLISH_STOP_WORDS,
    CountVectorizer,
)
from sklearn.preprocessing import normalize

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
MATCH_BATCH = 20_000  # comments weighed against the value profiles at a time
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
        return _polarity(self.language, word)


class _Patterns:
    """A word list as exact words and prefixes ("recogni*"), looked up without a scan."""

    def __init__(self, patterns: tuple[str, ...]) -> None:
        self.exact = frozenset(p for p in patterns if not p.endswith("*"))
        prefixes = [p[:-1] for p in patterns if p.endswith("*")]
        self.lengths = sorted({len(p) for p in prefixes})
        self.prefixes = frozenset(prefixes)

    def __contains__(self, word: str) -> bool:
        if word in self.exact:
            return True
        return any(word[:n] in self.prefixes for n in self.lengths if n <= len(word))


@cache
def _patterns(patterns: tuple[str, ...]) -> _Patterns:
    return _Patterns(patterns)


@lru_cache(maxsize=262144)
def _polarity(language: str, word: str) -> int:
    found = lexicon(language)
    if found is None:
        return 0
    if word in _patterns(found.positive):
        return 1
    if word in _patterns(found.negative):
        return -1
    return 0


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
    shipped = [language for language in LANGUAGES if lexicon(language) is not None]
    totals = np.zeros((len(shipped), 2), dtype=int)
    for token in tokens:
        totals += _token_profile(token)
    # Stop words first; the words of its lists decide a comment without any.
    scores = [(int(s), int(n), language) for (s, n), language in zip(totals, shipped, strict=True)]
    scores.sort(reverse=True)
    if not scores or scores[0][:2] == (0, 0):
        return None
    if len(scores) > 1 and scores[0][:2] == scores[1][:2]:
        return None  # as much one language as another: no guess
    return scores[0][2]


@lru_cache(maxsize=262144)
def _token_profile(token: str) -> np.ndarray:
    """Per shipped language: (is a stop word or negation, is in its word lists)."""
    rows = []
    for language in LANGUAGES:
        found = lexicon(language)
        if found is not None:
            rows.append(
                (token in found.stop or token in found.negation, bool(found.polarity(token)))
            )
    return np.array(rows, dtype=int)


@lru_cache(maxsize=65536)
def leaning(text: str) -> str:
    """The leaning of a comment (`_leaning`), remembered for the texts seen most recently."""
    return _leaning(text)


def _leaning(text: str) -> str:
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
    enough (cosine similarity of TF-IDF vectors below MATCH_THRESHOLD).

    The vectors are those of scikit-learn's TfidfVectorizer(analyzer="char_wb",
    ngram_range=(3, 5), sublinear_tf=True) over the profiles and the comments, stop words left
    out, built so that a million comments fit: character n-grams never cross a word, so a
    comment's n-gram counts are the sums of its words' (each distinct word is cut into n-grams
    once), each distinct comment is read once (its copies still count in the idf), and the
    comments are weighed against the profiles a batch at a time."""
    if not texts or not values:
        return [None] * len(texts)
    docs = [_normalise(v.text) for v in values] + [_normalise(t) for t in texts]
    distinct: dict[str, int] = {}
    doc_index = np.array([distinct.setdefault(d, len(distinct)) for d in docs], dtype=np.int64)
    unique = list(distinct)
    copies = np.bincount(doc_index, minlength=len(unique)).astype(float)
    vocabulary: dict[str, int] = {}
    rows, columns = [], []
    stop = stop_words()
    for i, doc in enumerate(unique):
        for word in words(doc):
            if word not in stop:
                rows.append(i)
                columns.append(vocabulary.setdefault(word, len(vocabulary)))
    if not vocabulary:  # nothing but stop words anywhere
        return [None] * len(texts)
    uses = sparse.csr_matrix(
        (np.ones(len(rows)), (rows, columns)), shape=(len(unique), len(vocabulary))
    )
    grams = CountVectorizer(analyzer="char_wb", ngram_range=(3, 5), preprocessor=str)
    by_word = sparse.csr_matrix(grams.fit_transform(list(vocabulary)), dtype=float)
    batches = [slice(start, start + MATCH_BATCH) for start in range(0, len(unique), MATCH_BATCH)]
    df = np.zeros(by_word.shape[1])
    for batch in batches:
        counts = uses[batch] @ by_word
        counts.data[:] = 1
        df += counts.T @ copies[batch]
    idf = sparse.diags(np.log((1 + len(docs)) / (1 + df)) + 1)

    def tfidf(batch: slice | np.ndarray) -> sparse.csr_matrix:
        counts = sparse.csr_matrix(uses[batch] @ by_word)
        counts.data = 1 + np.log(counts.data)
        return normalize(counts @ idf)

    profiles = tfidf(doc_index[: len(values)]).T.tocsc()
    best = np.zeros(len(unique), dtype=np.int64)
    score = np.zeros(len(unique))
    for batch in batches:
        similarity = (tfidf(batch) @ profiles).toarray()
        best[batch] = similarity.argmax(axis=1)
        score[batch] = similarity.max(axis=1)
    return [
        values[int(best[i])].code if score[i] >= MATCH_THRESHOLD else None
        for i in doc_index[len(values) :]
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


def _subphrases(phrase: str) -> list[str]:
    """Every phrase a phrase contains, itself included."""
    parts = phrase.split()
    return [
        " ".join(parts[i : i + n])
        for n in range(1, len(parts) + 1)
        for i in range(len(parts) - n + 1)
    ]


def _binary(matrix: sparse.spmatrix) -> sparse.csr_matrix:
    matrix = sparse.csr_matrix(matrix)
    matrix.sum_duplicates()
    matrix.data[:] = 1
    return matrix


def recurring_phrases(by_respondent: Sequence[Sequence[str]], minimum: int) -> list[Theme]:
    """Phrases used by at least `minimum` different respondents, most used first. A phrase
    that contains another is merged with it: the theme counts the respondents who used either
    and is named by the longer phrase when at least half of them used it."""
    vocabulary: dict[str, int] = {}
    rows, columns = [], []
    for respondent, comments in enumerate(by_respondent):
        for comment in comments:
            for phrase in _phrases(comment):
                rows.append(respondent)
                columns.append(vocabulary.setdefault(phrase, len(vocabulary)))
    users = sparse.csr_matrix(
        (np.ones(len(rows), dtype=np.int32), (rows, columns)),
        shape=(len(by_respondent), len(vocabulary)),
    )
    return _themes(_binary(users), list(vocabulary), minimum)


def _themes(users: sparse.csr_matrix, vocabulary: Sequence[str], minimum: int) -> list[Theme]:
    """The themes of a binary respondents × phrases matrix (one row per respondent, whatever
    the number of their comments): so each count is of distinct respondents."""
    counts = np.asarray(users.sum(axis=0)).ravel()
    ids = np.flatnonzero(counts >= minimum)
    if ids.size == 0:
        return []
    by_phrase = users[:, ids].tocsc()
    kept = {
        vocabulary[j]: set(
            by_phrase.indices[by_phrase.indptr[i] : by_phrase.indptr[i + 1]].tolist()
        )
        for i, j in enumerate(ids)
    }
    # Longest first: each phrase joins the theme of the first longer phrase that contains it.
    themes: list[tuple[str, set[int], str]] = []  # (name, respondents, longest phrase)
    home_of: dict[str, int] = {}  # a phrase -> the first theme whose longest phrase contains it
    for phrase in sorted(kept, key=lambda p: (-len(p.split()), -len(kept[p]), p)):
        index = home_of.get(phrase)
        if index is None:
            themes.append((phrase, set(kept[phrase]), phrase))
            for part in _subphrases(phrase):
                home_of.setdefault(part, len(themes) - 1)
            continue
        name, who, longest = themes[index]
        who |= kept[phrase]
        if len(kept[name]) * 2 < len(who):
            name = phrase  # the longer name speaks for too few of them
        themes[index] = (name, who, longest)
    # One theme per name; the broadest wins when two longer phrases share a word.
    best: dict[str, int] = {}
    for name, who, _longest in themes:
        if len(who) > best.get(name, 0):
            best[name] = len(who)
    ordered = sorted(best.items(), key=lambda t: (-t[1], t[0]))
    shown: list[Theme] = []
    for name, n in ordered:
        if any(_contains(t.phrase, name) or _contains(name, t.phrase) for t in shown):
            continue
        shown.append(Theme(phrase=name, respondents=n))
        if len(shown) == MAX_THEMES:
            break
    return shown


LEANINGS = ("positive", "negative", "neither", "unrated")


@dataclass
class Prepared:
    """One value's comments, analysed once for every segment they are shown in: each distinct
    comment is read once (its phrases, its leaning, its words for the quotes)."""

    respondents: np.ndarray  # the distinct respondents who wrote, ascending
    comment_respondent: np.ndarray  # each comment's position in `respondents`
    comment_key: np.ndarray  # each comment's position in `keys`
    comment_leaning: np.ndarray  # each comment's position in LEANINGS
    keys: list[str]  # the distinct comments (by `identity`), as first written
    vocabulary: list[str]  # every phrase of the comments
    users: sparse.csr_matrix  # respondents × phrases, 1 where the respondent used it
    key_phrases: sparse.csc_matrix  # keys × phrases, 1 where the comment holds it
    words: sparse.csr_matrix | None  # keys × words, how often each comment uses each word

    def respondent_mask(self, rows: np.ndarray) -> np.ndarray:
        """Which of `respondents` a mask over all response rows selects."""
        return rows[self.respondents]


def prepare(comments: Sequence[tuple[int, str]]) -> Prepared:
    """(respondent, masked text) pairs, made ready for `summarise_prepared`."""
    rows = np.array([row for row, _text in comments], dtype=np.int64)
    respondents, comment_respondent = np.unique(rows, return_inverse=True)
    key_index: dict[str, int] = {}
    keys: list[str] = []
    comment_key = np.empty(len(comments), dtype=np.int64)
    comment_leaning = np.empty(len(comments), dtype=np.int64)
    leaning_of: dict[str, int] = {}
    for i, (_row, text) in enumerate(comments):
        key = identity(text)
        index = key_index.get(key)
        if index is None:
            index = key_index[key] = len(keys)
            keys.append(text)
        comment_key[i] = index
        found = leaning_of.get(text)
        if found is None:
            found = leaning_of[text] = LEANINGS.index(_leaning(text))
        comment_leaning[i] = found
    vocabulary: dict[str, int] = {}
    key_rows, key_columns = [], []
    for index, text in enumerate(keys):
        for phrase in _phrases(text):
            key_rows.append(index)
            key_columns.append(vocabulary.setdefault(phrase, len(vocabulary)))
    key_phrases = _binary(
        sparse.csr_matrix(
            (np.ones(len(key_rows), dtype=np.int32), (key_rows, key_columns)),
            shape=(len(keys), len(vocabulary)),
        )
    )
    # Respondents × phrases: the phrases of each respondent's comments, each counted once.
    wrote = sparse.csr_matrix(
        (np.ones(len(comments), dtype=np.int32), (comment_respondent, comment_key)),
        shape=(respondents.size, len(keys)),
    )
    users = _binary(wrote @ key_phrases)
    vectorizer = CountVectorizer(
        preprocessor=lambda t: " ".join(w for w in words(t) if w not in stop_words()),
        token_pattern=r"(?u)\b\w\w+\b",  # noqa: S106 (a regular expression)
    )
    try:
        matrix = sparse.csr_matrix(vectorizer.fit_transform(keys), dtype=float) if keys else None
    except ValueError:  # nothing but stop words
        matrix = None
    return Prepared(
        respondents=respondents,
        comment_respondent=comment_respondent,
        comment_key=comment_key,
        comment_leaning=comment_leaning,
        keys=keys,
        vocabulary=list(vocabulary),
        users=users,
        key_phrases=key_phrases.tocsc(),
        words=matrix,
    )


def summarise_prepared(
    prepared: Prepared,
    chosen: np.ndarray | None = None,
    *,
    minimum: int = MIN_PHRASE_RESPONDENTS,
    quotes: int = MAX_QUOTES,
) -> ThemeSummary:
    """Themes, leaning and quotes of the comments of the `chosen` respondents (a mask over
    `prepared.respondents`; all of them when None).

    Quotes are the comments nearest the centroid of the chosen comments (TF-IDF of words over
    the chosen distinct comments), taken only among comments that use a shown theme
    phrase, so a quote always speaks for something at least `minimum` people wrote; identical
    comments are one quote with a count."""
    summary = ThemeSummary()
    if chosen is None:
        chosen = np.ones(prepared.respondents.size, dtype=bool)
    selected = chosen[prepared.comment_respondent]
    if not selected.any():
        return summary
    tally = np.bincount(prepared.comment_leaning[selected], minlength=len(LEANINGS))
    for name, n in zip(LEANINGS, tally, strict=True):
        setattr(summary, name, int(n))
    summary.themes = _themes(prepared.users[chosen], prepared.vocabulary, minimum)
    if not summary.themes or quotes <= 0 or prepared.words is None:
        return summary
    counts = np.bincount(prepared.comment_key[selected], minlength=len(prepared.keys))
    phrase_ids = {p: j for j, p in enumerate(prepared.vocabulary)}
    columns = [phrase_ids[t.phrase] for t in summary.themes]
    uses = np.asarray(prepared.key_phrases[:, columns].sum(axis=1)).ravel() > 0
    eligible = np.flatnonzero(uses & (counts > 0))
    if eligible.size == 0:
        return summary
    # TF-IDF over the chosen distinct comments (scikit-learn's smoothed idf, rows of length 1)
    present = np.flatnonzero(counts)
    tf = prepared.words[present]
    df = np.bincount(tf.indices, minlength=tf.shape[1])
    idf = np.log((1 + present.size) / (1 + df)) + 1
    tfidf = normalize(tf @ sparse.diags(idf))
    weights = counts[present].astype(float)
    centroid = np.asarray(tfidf.T @ weights / weights.sum()).ravel()
    norm = np.linalg.norm(centroid)
    if norm == 0:
        return summary
    position = np.searchsorted(present, eligible)
    closeness = np.asarray(tfidf[position] @ centroid).ravel() / norm
    order = eligible[np.argsort(-closeness, kind="stable")]
    summary.quotes = [(prepared.keys[i], int(counts[i])) for i in order[:quotes]]
    return summary


def summarise(
    comments: Sequence[tuple[int, str]],
    *,
    minimum: int = MIN_PHRASE_RESPONDENTS,
    quotes: int = MAX_QUOTES,
) -> ThemeSummary:
    """Themes, leaning and quotes of one value's comments: (respondent, masked text) pairs
    (`summarise_prepared` of them all)."""
    if not comments:
        return ThemeSummary()
    return summarise_prepared(prepare(comments), minimum=minimum, quotes=quotes)


def identity(text: str) -> str:
    """What makes two comments identical: the same words, whatever the case and spacing."""
    return " ".join(_normalise(text).casefold().split())
