"""What a function body does, from its tokens: the calls it makes, the relations it reads
and writes, how it reads and sets settings.

PL/pgSQL is not SQL, so a SQL parser cannot read it; its tokens are enough to see calls
and table references without being fooled by comments or string literals (which a regex
on the text would be). The tokenizer is sqlglot's PostgreSQL one, with its "command"
shortcut turned off so that DECLARE, EXECUTE or RAISE do not swallow the rest of a line.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from sqlglot.dialects.postgres import Postgres
from sqlglot.errors import TokenError
from sqlglot.tokens import Token, TokenType


class _Tokenizer(Postgres.Tokenizer):
    COMMANDS: set[TokenType] = set()


_NAME_TYPES = frozenset({TokenType.VAR, TokenType.IDENTIFIER})
_WRITE_VERBS = {"insert": "into", "merge": "into", "delete": "from"}
_DIRECT_WRITES = frozenset({"update", "truncate"})


@dataclass(frozen=True, slots=True)
class Call:
    """A call `name(args)`; `name` is lowercased, qualified as written (`public.f`)."""

    name: str
    args: tuple[tuple[str, ...], ...]
    """Each argument as its token texts; string literals keep their quotes stripped."""
    literal_args: tuple[str | None, ...]
    """Each argument's value when it is one string literal or boolean, else None."""
    cast_after: bool
    """The call is followed by `::type`."""
    inside: tuple[str, ...]
    """Names of the calls it is an argument of, outermost first."""

    @property
    def base_name(self) -> str:
        return self.name.rpartition(".")[2]


@dataclass(frozen=True, slots=True)
class Relation:
    name: str
    """As written, lowercased unless quoted: `public.users` or `users`."""
    write: bool


@dataclass(frozen=True, slots=True)
class Body:
    calls: tuple[Call, ...] = ()
    relations: tuple[Relation, ...] = ()
    has_exception_handler: bool = False
    dynamic_sql: bool = False
    """EXECUTE of a query string: what it touches cannot be known statically."""
    sets: tuple[tuple[str, bool], ...] = ()
    """`SET [LOCAL] name ...` statements: (setting, is_local)."""
    parsed: bool = True

    def calls_named(self, *names: str) -> tuple[Call, ...]:
        wanted = {n.lower() for n in names}
        return tuple(c for c in self.calls if c.base_name in wanted or c.name in wanted)


def _word(token: Token) -> str:
    return token.text if token.token_type == TokenType.IDENTIFIER else token.text.lower()


def _is_name(token: Token) -> bool:
    return token.token_type in _NAME_TYPES or (
        token.text.isidentifier() and token.token_type != TokenType.STRING
    )


def _qualified(tokens: list[Token], i: int) -> tuple[str, int]:
    """The dotted name starting at i, and the index after it."""
    parts = [_word(tokens[i])]
    j = i + 1
    while j + 1 < len(tokens) and tokens[j].token_type == TokenType.DOT and _is_name(tokens[j + 1]):
        parts.append(_word(tokens[j + 1]))
        j += 2
    return ".".join(parts), j


def _literal(arg: list[Token]) -> str | None:
    if len(arg) == 1 and arg[0].token_type == TokenType.STRING:
        return arg[0].text
    if len(arg) == 1 and arg[0].token_type in (TokenType.TRUE, TokenType.FALSE):
        return arg[0].text.lower()
    if len(arg) == 3 and arg[1].token_type == TokenType.DCOLON:  # 'x'::text
        return _literal(arg[:1])
    return None


def _split_args(tokens: list[Token], start: int) -> tuple[list[list[Token]], int]:
    """Arguments of the call whose `(` is at start, and the index of its `)`."""
    args: list[list[Token]] = [[]]
    depth, i = 0, start
    while i < len(tokens):
        t = tokens[i].token_type
        if t == TokenType.L_PAREN:
            depth += 1
            if depth > 1:
                args[-1].append(tokens[i])
        elif t == TokenType.R_PAREN:
            depth -= 1
            if depth == 0:
                return [a for a in args if a], i
            args[-1].append(tokens[i])
        elif t == TokenType.COMMA and depth == 1:
            args.append([])
        else:
            args[-1].append(tokens[i])
        i += 1
    return [a for a in args if a], len(tokens) - 1


def _relation_after(tokens: list[Token], i: int, write: bool) -> Relation | None:
    while i < len(tokens) and tokens[i].text.lower() in ("only", "table", "concurrently"):
        i += 1
    if i >= len(tokens) or not _is_name(tokens[i]):
        return None
    name, j = _qualified(tokens, i)
    if j < len(tokens) and tokens[j].token_type == TokenType.L_PAREN and not write:
        return None  # FROM f(...): a function, not a relation
    if name in ("set", "select", "lateral"):
        return None
    return Relation(name, write)


@lru_cache(maxsize=4096)
def analyse(source: str) -> Body:
    """The body's calls, relations and setting changes; `parsed=False` if it cannot be read."""
    try:
        tokens = _Tokenizer().tokenize(source)
    except TokenError:
        return Body(parsed=False)
    calls: list[Call] = []
    relations: list[Relation] = []
    sets: list[tuple[str, bool]] = []
    stack: list[tuple[str, int]] = []  # open calls: (name, depth at which they opened)
    depth = 0
    exception = dynamic = False
    for i, tok in enumerate(tokens):
        kind, word = tok.token_type, tok.text.lower()
        if kind == TokenType.L_PAREN:
            depth += 1
        elif kind == TokenType.R_PAREN:
            depth -= 1
            while stack and stack[-1][1] > depth:
                stack.pop()
        if kind == TokenType.STRING:
            continue
        prev = tokens[i - 1].text.lower() if i else ";"
        if word == "exception" and i + 1 < len(tokens) and tokens[i + 1].text.lower() == "when":
            exception = True
        if word == "execute" and prev in (";", "begin", "then", "else", "loop"):
            dynamic = True
        if word == "set" and prev in (";", "begin", "then", "else", "loop") and i + 1 < len(tokens):
            local = tokens[i + 1].text.lower() == "local"
            k = i + 2 if local or tokens[i + 1].text.lower() == "session" else i + 1
            if k < len(tokens) and _is_name(tokens[k]):
                sets.append((_qualified(tokens, k)[0], local))
        if word in ("from", "join") and prev not in ("delete", "distinct"):
            rel = _relation_after(tokens, i + 1, write=False)
            if rel:
                relations.append(rel)
        elif word in _WRITE_VERBS and i + 1 < len(tokens):
            if tokens[i + 1].text.lower() == _WRITE_VERBS[word]:
                rel = _relation_after(tokens, i + 2, write=True)
                if rel:
                    relations.append(rel)
        elif word in _DIRECT_WRITES and prev not in ("do", "or", "before", "after", "for"):
            rel = _relation_after(tokens, i + 1, write=True)
            if rel and not (i + 2 < len(tokens) and tokens[i + 2].text.lower() == "of"):
                relations.append(rel)
        elif word == "refresh" and i + 2 < len(tokens) and tokens[i + 2].text.lower() == "view":
            rel = _relation_after(tokens, i + 3, write=True)
            if rel:
                relations.append(rel)
        if _is_name(tok) and (i == 0 or tokens[i - 1].token_type != TokenType.DOT):
            name, j = _qualified(tokens, i)
            if j < len(tokens) and tokens[j].token_type == TokenType.L_PAREN:
                args, close = _split_args(tokens, j)
                cast = close + 1 < len(tokens) and tokens[close + 1].token_type == TokenType.DCOLON
                calls.append(
                    Call(
                        name=name,
                        args=tuple(tuple(t.text for t in a) for a in args),
                        literal_args=tuple(_literal(a) for a in args),
                        cast_after=cast,
                        inside=tuple(n for n, _ in stack),
                    )
                )
                stack.append((name, depth + 1))
    return Body(tuple(calls), tuple(relations), exception, dynamic, tuple(sets))
