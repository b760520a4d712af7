"""Chinese request text -> canonical domain tokens, shared by the classifier and the BM25 indexes.

Pipeline: normalise (full-width to half-width, Latin upper-cased, common typos fixed, standard numbers
pulled out whole) -> jieba with the domain dictionary -> synonym canonicalisation -> stopwords dropped.
jieba is loaded once per process, offline, with its cache in a writable temp directory.
"""

from __future__ import annotations

import json
import logging
import re
import tempfile
import threading
import unicodedata
from functools import lru_cache
from pathlib import Path

import jieba

DATA_DIR = Path(__file__).resolve().parent / "data"
DOMAIN_DICT_PATH = DATA_DIR / "domain_dict.txt"
SYNONYMS_PATH = DATA_DIR / "synonyms.txt"
LINE_KEYWORDS_PATH = DATA_DIR / "line_keywords.json"

# Misspellings SMEs actually type (homophones from pinyin input, look-alike characters). Applied as plain
# substring replacement before segmentation, longest first, so the dictionary sees the intended word.
TYPO_MAP: dict[str, str] = {
    "较准": "校准",
    "效准": "校准",
    "教准": "校准",
    "校淮": "校准",
    "捡定": "检定",
    "检侧": "检测",
    "检册": "检测",
    "捡测": "检测",
    "俭测": "检测",
    "捡验": "检验",
    "认怔": "认证",
    "标淮": "标准",
    "表准": "标准",
    "电悌": "电梯",
    "电锑": "电梯",
    "锅垆": "锅炉",
    "螺狮粉": "螺蛳粉",
    "罗丝粉": "螺蛳粉",
    "菌洛": "菌落",
    "大肠杆菌群": "大肠菌群",
    "涨代": "胀袋",
    "胀代": "胀袋",
    "专力": "专利",
    "专例": "专利",
    "商标注侧": "商标注册",
    "注侧": "注册",
    "电子称": "电子秤",
    "地榜": "地磅",
    "压力溶器": "压力容器",
    "压力荣器": "压力容器",
    "起重极": "起重机",
    "卓越计效": "卓越绩效",
    "卓越积效": "卓越绩效",
    "溯愿": "溯源",
    "朔源": "溯源",
    "申清": "申请",
    "质最": "质量",
}

# Words that carry no routing signal in how SMEs phrase requests.
STOPWORDS: frozenset[str] = frozenset(
    """
    的 了 吗 呢 啊 吧 呀 哦 嘛 么 哈 嗯 和 与 及 或 或者 在 是 有 对 把 被 给 让 从 到 为 因为 所以 但是 但 如果
    然后 现在 目前 已经 还 也 都 就 又 再 才 很 太 更 最 比较 非常 特别 一下 一些 一点 一个 一批 一起 一次 一直 这 那
    这个 那个 这种 那种 这些 那些 这样 那样 哪个 哪些 哪里 哪儿 什么 怎么 怎么样 怎样 如何 多少 多久 几 几天 是不是
    能不能 可不可以 有没有 要不要 不要 会不会 可以 能 能否 需要 要 想 想要 想问 请问 问 问下 问一下 咨询 了解 请 麻烦 谢谢
    您好 你好 老师 你们 我们 我 你 他 她 它 他们 咱们 我司 本公司 公司 企业 厂 厂里 厂家 单位 贵 大家 自己 之前 之后
    以后 以前 今年 明年 去年 时候 情况 问题 事情 东西 方面 相关 有关 具体 主要 其他 另外 同时 顺便 还有 以及 等 等等
    个 些 说 做 弄 搞 办 看 看看 找 用 去 来 过 着 得 地 之 其 该 应该 怎么办 为什么 急 急用 求 求助 帮忙 帮 下 上 中
    """.split()
)

_PUNCT_RE = re.compile(r"[\s\W_]+", re.UNICODE)
# GB 7718-2011, GB/T 19580-2012, DBS45/034-2021, DB45/T 1234-2015, T/GXAS 001-2020, Q/LZ 001, QB/T 1234.
STANDARD_CODE_RE = re.compile(
    r"(?P<prefix>GB/T|GB/Z|GB|DBS\d{2}|DB\d{2}/T|DB\d{2}|T/[A-Z]{2,10}|Q/[A-Z0-9]{1,10}|[A-Z]{2}/T)"
    r"(?:\s*/\s*|\s*)(?P<number>\d{1,6}(?:\.\d{1,3})?)(?:\s*[-—–]\s*(?P<year>(?:19|20)\d{2}))?"
)
# Foreign standard numbers (EN 81, IEC 60227, JIS A 5908, ASTM F963, SAE J2530, BS 1363): one token each plus
# '国外标准', so an export customer's standard reads as a standards question rather than as stray letters.
FOREIGN_STANDARD_RE = re.compile(
    r"(?<![A-Z])(?P<prefix>AS/NZS|ASTM|ANSI|JIS|IEC|DIN|SAE|EN|BS)\s*(?P<letter>[A-Z](?![A-Z]))?\s*"
    r"(?P<number>\d{2,6}(?:\.\d{1,3})?)"
)
FOREIGN_STANDARD_TOKEN = "国外标准"
# "ISO 9001:2015", "iso-22000" -> ISO9001 / ISO22000 so the dictionary and synonyms see one token.
_ISO_RE = re.compile(r"(ISO|IATF|OHSAS|FSSC)\s*[-/]?\s*(\d{3,5})(?:\s*[:：]\s*(?:19|20)\d{2})?")

_init_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None
_synonyms: dict[str, str] | None = None
_categories: dict[str, str] = {}


def normalize(text: str) -> str:
    """Full-width to half-width (NFKC), Latin upper-cased, typos fixed, ISO numbers joined."""
    text = unicodedata.normalize("NFKC", text or "").upper()
    for wrong, right in _TYPOS_LONGEST_FIRST:
        if wrong in text:
            text = text.replace(wrong, right)
    return _ISO_RE.sub(lambda m: m.group(1) + m.group(2), text)


_TYPOS_LONGEST_FIRST = sorted(TYPO_MAP.items(), key=lambda item: -len(item[0]))


def find_standard_codes(text: str) -> list[str]:
    """Standard numbers in the text, normalised as 'GB/T 19580-2012' (year only when given)."""
    codes = []
    for match in STANDARD_CODE_RE.finditer(normalize(text)):
        code = f"{match['prefix']} {match['number']}"
        if match["year"]:
            code += f"-{match['year']}"
        codes.append(code)
    return codes


def _load_synonyms() -> dict[str, str]:
    mapping: dict[str, str] = {}
    for line in SYNONYMS_PATH.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        words = [normalize(word) for word in line.split()]
        canonical = words[0]
        for word in words:
            # The first group a word appears in wins, so a later group cannot silently re-map it.
            mapping.setdefault(word, canonical)
    return mapping


def get_tokenizer() -> jieba.Tokenizer:
    """The process-wide jieba tokenizer with the domain dictionary; built on first use."""
    global _tokenizer, _synonyms
    if _tokenizer is None:
        with _init_lock:
            if _tokenizer is None:
                jieba.setLogLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                # jieba writes its prefix-dictionary cache next to the package by default, which may be
                # read-only in a deployed image; the system temp dir is always writable.
                tokenizer.tmp_dir = tempfile.gettempdir()
                tokenizer.initialize()
                synonyms = _load_synonyms()
                for line in DOMAIN_DICT_PATH.read_text(encoding="utf-8").splitlines():
                    parts = line.split()
                    if parts:
                        word = normalize(parts[0])
                        freq = int(parts[1]) if len(parts) > 1 else None
                        tokenizer.add_word(word, freq, parts[2] if len(parts) > 2 else None)
                        if len(parts) > 2:
                            _categories.setdefault(word, parts[2])
                            _categories.setdefault(synonyms.get(word, word), parts[2])
                # Every synonym must come out of jieba whole, or canonicalisation never sees it.
                for word in synonyms:
                    if word not in tokenizer.FREQ or not tokenizer.FREQ[word]:
                        tokenizer.add_word(word, 20000)
                _synonyms = synonyms
                _tokenizer = tokenizer
    return _tokenizer


def term_category(word: str) -> str | None:
    """The domain dictionary's tag for a canonical token ('equip', 'instr', 'item', 'cert' ...), if any."""
    get_tokenizer()
    return _categories.get(word)


def synonym_map() -> dict[str, str]:
    """Word (normalised) -> canonical word of its synonym group."""
    get_tokenizer()
    return _synonyms  # type: ignore[return-value]


def canonical(word: str) -> str:
    """The canonical form of a word: '3c' -> 'CCC', '较准' -> '校准'; unknown words come back normalised."""
    word = normalize(word)
    return synonym_map().get(word, word)


def segment(text: str) -> list[str]:
    """jieba segments of the normalised text, punctuation and whitespace dropped (no synonyms, no stopwords)."""
    tokenizer = get_tokenizer()
    pieces = []
    for piece in tokenizer.cut(normalize(text), HMM=False):
        if not _PUNCT_RE.fullmatch(piece):
            pieces.append(piece)
    return pieces


@lru_cache(maxsize=50_000)
def _tokenize_cached(text: str) -> tuple[str, ...]:
    tokenizer = get_tokenizer()
    synonyms = _synonyms or {}
    text = normalize(text)
    tokens: list[str] = []
    # Standard numbers are one token each plus their prefix ('GB/T'), which jieba would cut into letters.
    last = 0
    chunks = []
    for match in STANDARD_CODE_RE.finditer(text):
        chunks.append(text[last:match.start()])
        code = match["prefix"] + match["number"]
        tokens.extend((match["prefix"], code))
        last = match.end()
    chunks.append(text[last:])
    for chunk in _split_foreign_standards(chunks, tokens):
        for piece in tokenizer.cut(chunk, HMM=False):
            if _PUNCT_RE.fullmatch(piece):
                continue
            word = synonyms.get(piece, piece)
            if word in STOPWORDS or word.isdigit():
                continue
            tokens.append(word)
    return tuple(tokens)


def _split_foreign_standards(chunks: list[str], tokens: list[str]) -> list[str]:
    """The chunks with foreign standard numbers cut out; each number adds '国外标准' and itself to tokens."""
    rest = []
    for chunk in chunks:
        last = 0
        for match in FOREIGN_STANDARD_RE.finditer(chunk):
            rest.append(chunk[last:match.start()])
            tokens.extend((FOREIGN_STANDARD_TOKEN, match["prefix"] + (match["letter"] or "") + match["number"]))
            last = match.end()
        rest.append(chunk[last:])
    return rest


def tokenize(text: str) -> list[str]:
    """Canonical domain tokens of a request, in order, with repeats (term frequency matters to BM25)."""
    return list(_tokenize_cached(text or ""))


@lru_cache(maxsize=1)
def line_keywords() -> dict[str, list[str]]:
    """Seed keywords per service line (data/line_keywords.json), normalised."""
    raw = json.loads(LINE_KEYWORDS_PATH.read_text(encoding="utf-8"))
    return {line: [normalize(word) for word in words] for line, words in raw.items()}
