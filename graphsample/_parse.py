"""Numba kernels of the edge-list reader and writer (see :mod:`graphsample.io`).

The buffer is split at line boundaries into chunks; each chunk's newline count bounds its number of
lines, and one pass parses every chunk in parallel into preallocated arrays. Integers are parsed directly (node
labels only in canonical form, ``7`` but not ``007``, ``+7`` or ``-0``: otherwise the labels are strings);
floats by Clinger's exact fast path (a mantissa of at most 15 digits times a power of ten of at most
22 is correctly rounded in float64) and left to Python's ``float`` otherwise, so every weight is
read exactly as ``float(text)`` would read it.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import prange

NL = 10
_POW10 = np.array([10.0**k for k in range(23)])

ERR_NONE, ERR_NOT_INT, ERR_MISSING, ERR_EXTRA = 0, 1, 2, 3


@numba.njit(inline="always")
def _is_space(c):
    return c == 32 or c == 9 or c == 13


@numba.njit(inline="always")
def _is_comment(c, comments):
    for k in range(comments.shape[0]):
        if c == comments[k]:
            return True
    return False


@numba.njit(inline="always")
def _blank(buf, p, q):
    """Whether buf[p:q] holds blanks only (or nothing)."""
    while p < q and _is_space(buf[p]):
        p += 1
    return p >= q


@numba.njit(inline="always")
def _line_end(buf, p, end):
    while p < end and buf[p] != NL:
        p += 1
    return p


@numba.njit(inline="always")
def _is_data_line(buf, p, q, comments):
    while p < q and _is_space(buf[p]):
        p += 1
    return p < q and not _is_comment(buf[p], comments)


@numba.njit(inline="always")
def _next_token(buf, p, end, delim, comments):
    """Token [s, e) starting at or after p on the line ending at `end`, and where the next one starts.

    With a delimiter, a comment character at the start of a token or after a blank starts a comment, as it does
    between blank-separated tokens: the token ends before it and the rest of the line is skipped (``a,b # c`` has
    the tokens ``a`` and ``b``; ``a,C#`` keeps ``C#``)."""
    if delim < 0:
        while p < end and _is_space(buf[p]):
            p += 1
        s = p
        while p < end and not _is_space(buf[p]):
            p += 1
        return s, p, p
    while p < end and buf[p] != delim and _is_space(buf[p]):
        p += 1
    s = p
    while p < end and buf[p] != delim:
        if _is_comment(buf[p], comments) and (p == s or _is_space(buf[p - 1])):
            e = p
            while e > s and _is_space(buf[e - 1]):
                e -= 1
            return s, e, end
        p += 1
    e = p
    while e > s and _is_space(buf[e - 1]):
        e -= 1
    if p < end:
        p += 1
    return s, e, p


@numba.njit(inline="always")
def _read_digits(buf, p, e, mant, nd):
    """Append the decimal digits at p to the mantissa while it has at most 15 significant digits.

    Returns (next position, mantissa, significant digits seen, digits appended).
    """
    kept = 0
    while p < e and 48 <= buf[p] <= 57:
        if mant > 0 or buf[p] != 48:
            nd += 1
        if nd <= 15:
            mant = mant * 10 + (np.int64(buf[p]) - 48)
            kept += 1
        p += 1
    return p, mant, nd, kept


@numba.njit(inline="always")
def _parse_float(buf, s, e):
    """(value, exact): exact=False means "let Python parse this token"."""
    p = s
    if p >= e:
        return 0.0, False
    neg = buf[p] == 45
    if buf[p] == 45 or buf[p] == 43:
        p += 1
    start = p
    p, mant, nd, _ = _read_digits(buf, p, e, np.int64(0), 0)
    exp = 0
    any_digit = p > start
    if p < e and buf[p] == 46:
        start = p + 1
        p, mant, nd, kept = _read_digits(buf, start, e, mant, nd)
        exp -= kept
        any_digit = any_digit or p > start
    if p < e and (buf[p] == 101 or buf[p] == 69):
        p += 1
        eneg = p < e and buf[p] == 45
        if p < e and (buf[p] == 45 or buf[p] == 43):
            p += 1
        ev = 0
        if p >= e:
            return 0.0, False
        while p < e and 48 <= buf[p] <= 57 and ev < 10000:
            ev = ev * 10 + (np.int64(buf[p]) - 48)
            p += 1
        exp += -ev if eneg else ev
    if p != e or not any_digit or nd > 15 or exp > 22 or exp < -22:
        return 0.0, False
    v = np.float64(mant)
    v = v * _POW10[exp] if exp >= 0 else v / _POW10[-exp]
    return (-v if neg else v), True


@numba.njit(cache=True)
def chunk_bounds(buf, start, nchunks):
    n = buf.shape[0]
    b = np.empty(nchunks + 1, np.int64)
    b[0] = start
    for i in range(1, nchunks):
        p = max(start + (n - start) * i // nchunks, b[i - 1])
        while p < n and buf[p - 1] != NL:
            p += 1
        b[i] = p
    b[nchunks] = n
    return b


@numba.njit(parallel=True, cache=True)
def count_data_lines(buf, bounds, comments):
    nchunks = bounds.shape[0] - 1
    counts = np.zeros(nchunks, np.int64)
    for c in prange(nchunks):
        p, end, k = bounds[c], bounds[c + 1], 0
        while p < end:
            q = _line_end(buf, p, end)
            if _is_data_line(buf, p, q, comments):
                k += 1
            p = q + 1
        counts[c] = k
    return counts


@numba.njit(cache=True)
def token_chunk(buf, p, end, k, comments, delim, ncols, exact, spans):
    """:func:`token_spans` of the lines in buf[p:end], rows from k: (error line or -1, code)."""
    while p < end:
        q = _line_end(buf, p, end)
        if not _is_data_line(buf, p, q, comments):
            p = q + 1
            continue
        r = p
        e = p
        for j in range(ncols):
            s, e, r = _next_token(buf, r, q, delim, comments)
            if s >= e:
                return p, ERR_MISSING
            spans[k, 2 * j] = s
            spans[k, 2 * j + 1] = e
        if exact:
            # a delimiter right after the last column (blanks between) starts another, even an empty one (as
            # parse_pairs reads it); one inside a trailing comment does not
            trailing = delim >= 0 and r - 1 >= e and buf[r - 1] == delim and _blank(buf, e, r - 1)
            s, e, r = _next_token(buf, r, q, delim, comments)
            if trailing or (s < e and not _is_comment(buf[s], comments)):
                return p, ERR_EXTRA
        k += 1
        p = q + 1
    return -1, ERR_NONE


@numba.njit(parallel=True, cache=True)
def token_spans(buf, bounds, offsets, comments, delim, ncols, exact, spans, err_pos, err_code):
    """Start/end of the first `ncols` tokens of every data line (for string labels); a line with fewer tokens
    (ERR_MISSING), or with more when `exact` (ERR_EXTRA; a trailing comment excepted, a trailing delimiter not: it
    starts an empty column), stops its chunk at err_pos with err_code. Each chunk is one call of a plain function
    (see :func:`_parse_chunk`)."""
    for c in prange(bounds.shape[0] - 1):
        err_pos[c], err_code[c] = token_chunk(buf, bounds[c], bounds[c + 1], offsets[c], comments, delim, ncols,
                                               exact, spans)


@numba.njit(cache=True)
def gather_tokens(buf, starts, ends, width):
    out = np.zeros((starts.shape[0], width), np.uint8)
    for i in range(starts.shape[0]):
        for j in range(ends[i] - starts[i]):
            out[i, j] = buf[starts[i] + j]
    return out


@numba.njit(cache=True)
def column_end(buf, s, delim, comments):
    """End of the column that starts at s, read as :func:`_next_token` reads it (up to a delimiter, or a comment
    after a blank), on s's line: a weight the fast parser left to Python."""
    return _next_token(buf, s, _line_end(buf, s, buf.shape[0]), delim, comments)[1]


@numba.njit(cache=True)
def token_end(buf, s, delim):
    p = s
    while p < buf.shape[0] and buf[p] != NL and buf[p] != delim and not (delim < 0 and _is_space(buf[p])):
        p += 1
    while p > s and _is_space(buf[p - 1]):
        p -= 1
    return p


@numba.njit(inline="always")
def _ndigits(v):
    n = 1 if v >= 0 else 2
    v = abs(v)
    while v >= 10:
        v //= 10
        n += 1
    return n


@numba.njit(inline="always")
def _write_int(out, p, v):
    n = _ndigits(v)
    if v < 0:
        out[p] = 45
        v = -v
    q = p + n - 1
    while True:
        out[q] = 48 + v % 10
        v //= 10
        q -= 1
        if v == 0:
            break
    return p + n


@numba.njit(parallel=True, cache=True)
def format_int_pairs(src, dst, sep):
    """'src<sep>dst\\n' for every pair, as one uint8 buffer."""
    m = src.shape[0]
    length = np.empty(m + 1, np.int64)
    length[0] = 0
    for i in prange(m):
        length[i + 1] = _ndigits(src[i]) + _ndigits(dst[i]) + 2
    off = np.cumsum(length)
    out = np.empty(off[m], np.uint8)
    for i in prange(m):
        p = _write_int(out, off[i], src[i])
        out[p] = sep
        p = _write_int(out, p + 1, dst[i])
        out[p] = NL
    return out


@numba.njit(cache=True)
def first_data_line(buf, start, comments):
    """[start, end) of the first data line at or after `start` (end == start when none)."""
    p, n = start, buf.shape[0]
    while p < n:
        q = _line_end(buf, p, n)
        if _is_data_line(buf, p, q, comments):
            return p, q
        p = q + 1
    return n, n


@numba.njit(inline="always")
def _skip_blank(buf, p, end, delim):
    """The first position at or after p that is not a space, tab or carriage return other than the delimiter
    ``delim`` (-1 for none): a tab delimiter separates columns, and skipping it would merge two."""
    while p < end and buf[p] != delim and _is_space(buf[p]):
        p += 1
    return p


#: the least value whose canonical decimal text has k digits, by k (no digits: nothing; one: 0; k: 10^(k-1))
_LEAST_OF_DIGITS = np.array([np.iinfo(np.int64).max, 0] + [10**k for k in range(1, 18)], np.int64)


@numba.njit(inline="always")
def _read_int(buf, p, end):
    """(value, next position, ok) of an integer label starting at p.

    ok=False unless the digits are the canonical decimal text of the value, ``str(int(text)) == text``: an
    optional ``-``, 1 to 18 digits, no leading zero but in ``0`` itself, no ``+`` and no ``-0``. Labels are
    identifiers, so ``007`` and ``7`` must stay two nodes: the caller then reads every label as a string. A
    leading zero shows in the value, which is then less than the least number of as many digits; this table
    look-up cost the parse much less than reading the first digit's byte again (15-20% slower when tried).
    """
    neg = False
    if p < end and buf[p] == 45:
        neg = True
        p += 1
    v = np.int64(0)
    nd = 0
    while p < end and 48 <= buf[p] <= 57:
        v = v * 10 + (np.int64(buf[p]) - 48)
        nd += 1
        p += 1
    return (-v if neg else v), p, nd <= 18 and v >= _LEAST_OF_DIGITS[nd] and not (neg and v == 0)


@numba.njit(cache=True)
def _parse_chunk(buf, p, end, k, comments, delim, swap, want_w, two_cols, src, dst, w, wslow):
    """Parse the data lines in buf[p:end] into src/dst/w/wslow from row k: (rows end, error line or -1, code).

    A plain function called once per chunk by :func:`parse_pairs`. With the parsers inlined straight into the
    parallel loop, Numba's first compile of parse_pairs took about 30 s instead of 6 s (the parse itself was
    5-15% faster that way; the compile is paid once per machine, but by every new user)."""
    while p < end:
        first = _skip_blank(buf, p, end, -1)  # a line of blanks (tabs included) or a comment, as _is_data_line
        if first >= end:
            break
        if buf[first] == NL:
            p = first + 1
            continue
        if _is_comment(buf[first], comments):
            p = _line_end(buf, first, end) + 1
            continue
        line = p
        p = _skip_blank(buf, p, end, delim)  # a leading delimiter (a tab too) is an empty first column
        a, p, ok = _read_int(buf, p, end)
        if not ok or (p < end and buf[p] != NL and not _is_space(buf[p]) and buf[p] != delim):
            return k, line, ERR_NOT_INT
        p = _skip_blank(buf, p, end, delim)
        if delim >= 0:
            if p >= end or buf[p] != delim:
                return k, line, (ERR_MISSING if p >= end or buf[p] == NL else ERR_NOT_INT)
            p = _skip_blank(buf, p + 1, end, delim)
        start_b = p
        b, p, ok = _read_int(buf, p, end)
        if p == start_b and (p >= end or buf[p] == NL):
            return k, line, ERR_MISSING
        if not ok or (p < end and buf[p] != NL and not _is_space(buf[p]) and buf[p] != delim):
            return k, line, ERR_NOT_INT
        p = _skip_blank(buf, p, end, delim)
        at_end = p >= end or buf[p] == NL or _is_comment(buf[p], comments)
        if delim >= 0 and not at_end and buf[p] != delim:  # '2 x' read with delimiter=',': one column, a string
            return k, line, ERR_NOT_INT
        if swap:
            a, b = b, a
        src[k] = a
        dst[k] = b
        if two_cols and not at_end:
            return k, line, ERR_EXTRA
        q = _line_end(buf, p, end)
        if want_w:
            if delim >= 0 and p < q and buf[p] == delim:
                p += 1
            s3, e3, r = _next_token(buf, p, q, delim, comments)
            if s3 >= e3:
                return k, line, ERR_MISSING
            v, exact = _parse_float(buf, s3, e3)
            w[k] = v
            wslow[k] = -1 if exact else s3
        k += 1
        p = q + 1
    return k, -1, ERR_NONE


@numba.njit(parallel=True, cache=True)
def parse_pairs(buf, bounds, offsets, comments, delim, swap, want_w, two_cols, src, dst, w, wslow, counts, err_pos,
                err_code):
    """One pass over the bytes: parse the integer node columns (and weight) of every data line.

    Chunk c writes from offsets[c] (an upper bound from its newline count) and reports its line count in
    counts[c]. A line whose node columns are not canonical integers (see :func:`_read_int`) stops the chunk with
    ERR_NOT_INT (the caller then switches to string labels); a short line stops it with ERR_MISSING. Extra columns
    are ignored, unless `two_cols` (two columns only, a trailing comment excepted), where they stop the chunk with
    ERR_EXTRA.
    """
    nchunks = bounds.shape[0] - 1
    for c in prange(nchunks):
        k, pos, code = _parse_chunk(buf, bounds[c], bounds[c + 1], offsets[c], comments, delim, swap, want_w,
                                    two_cols, src, dst, w, wslow)
        counts[c] = k - offsets[c]
        if pos >= 0:
            err_pos[c], err_code[c] = pos, code


@numba.njit(parallel=True, cache=True)
def relabel_dense(src, dst, hi):
    """Map integer labels in 0..hi that occur to 0..n-1 (sorted); returns (src', dst', labels)."""
    present = np.zeros(hi + 1, np.int64)
    m = src.shape[0]
    for i in prange(m):
        present[src[i]] = 1
        present[dst[i]] = 1
    new_id = np.empty(hi + 1, np.int64)
    n = 0
    for v in range(hi + 1):
        new_id[v] = n
        n += present[v]
    labels = np.empty(n, np.int64)
    for v in prange(hi + 1):
        if present[v]:
            labels[new_id[v]] = v
    s2 = np.empty(m, np.int64)
    d2 = np.empty(m, np.int64)
    for i in prange(m):
        s2[i] = new_id[src[i]]
        d2[i] = new_id[dst[i]]
    return s2, d2, labels
