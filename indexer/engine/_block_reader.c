/* Posting blocks decoded in C: what unpickling each block of a term and joining
 * the tuples gives, without a Python object a posting.
 *
 * `matcharrays._block_arrays` reads a term's blocks (some 3,000 for a two-word
 * search at a million answers); unpickling them, or finding their items with
 * numpy array passes, cost more than inflating them (docs/performance.md). A
 * block's data is the pickle `W3PostingsWriter._write_block` writes (protocol 2,
 * or 3 for wrans's compact blocks) of (ids' delta codes, weights, values):
 *
 *   0x80 2|3, the ids tuple, the weights ("N", one "G" float, or a tuple), the
 *   values tuple, then the top-level tuple's TUPLE3 and "." (not read).
 *   A tuple is "(" items "t", or for 1-3 items the items then TUPLE1-3, each
 *   followed by a memo put ("q" and a byte, or "r" and 4). An int item is "K"
 *   and a byte, "M" and 2 little-endian bytes or "J" and 4 (signed); a float
 *   "G" and 8 big-endian bytes; a value string "C" and a length byte, or "B"
 *   and a 4-byte length, then its bytes and a memo put.
 *
 * Anything else in a block (another opcode, a memo get for a repeated value, a
 * block Whoosh has unpickled already) is not read here: it is handed back and
 * Python unpickles it. Every read is bounds-checked against the block, so a
 * damaged block is handed back too, never read past.
 *
 * `read_blocks` decodes blocks already inflated; `read_term` does the whole of a
 * term's postings in one call: it walks the block headers (a 4-byte length, then
 * the pickled (count, last id, max weight, compression, shortest, longest)),
 * keeps the blocks that can hold a candidate, inflates each through the callable
 * it is given (ISA-L's) and decodes the ids from their delta codes, where Python
 * took a loop turn, a slice and several array passes a block. `read_positions`
 * decodes a phrase word's position strings (`formats.Positions.encode`'s bytes).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

typedef struct { const unsigned char *b; Py_ssize_t n, p; } cursor;

static int byte_at(cursor *c, unsigned char *out) {
    if (c->p >= c->n) return 0;
    *out = c->b[c->p++];
    return 1;
}

static int small_int(cursor *c, int64_t *out) {
    unsigned char op;
    if (!byte_at(c, &op)) return 0;
    const unsigned char *b = c->b + c->p;
    if (op == 'K') {
        if (c->p + 1 > c->n) return 0;
        *out = b[0]; c->p += 1;
    } else if (op == 'M') {
        if (c->p + 2 > c->n) return 0;
        *out = b[0] | (b[1] << 8); c->p += 2;
    } else if (op == 'J') {
        if (c->p + 4 > c->n) return 0;
        *out = (int32_t)((uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24));
        c->p += 4;
    } else return 0;
    return 1;
}

static int big_double(cursor *c, double *out) {
    if (c->p + 8 > c->n) return 0;
    uint64_t v = 0;
    for (int k = 0; k < 8; k++) v = (v << 8) | c->b[c->p + k];
    memcpy(out, &v, 8);
    c->p += 8;
    return 1;
}

static int memo(cursor *c) {
    unsigned char op;
    if (!byte_at(c, &op)) return 0;
    if (op == 'q') { c->p += 1; return c->p <= c->n; }
    if (op == 'r') { c->p += 4; return c->p <= c->n; }
    return 0;
}

/* A tuple of `count` items opens with "(" (or, of 1-3 items, with nothing); 1 if so. */
static int tuple_open(cursor *c, Py_ssize_t count, int *marked) {
    if (c->p < c->n && c->b[c->p] == '(') { c->p++; *marked = 1; return 1; }
    *marked = 0;
    return count >= 1 && count <= 3;
}

static int tuple_close(cursor *c, Py_ssize_t count, int marked) {
    unsigned char op;
    if (!byte_at(c, &op)) return 0;
    if (op != (marked ? 't' : 0x84 + count)) return 0;
    return memo(c);
}

static int read_ids(cursor *c, Py_ssize_t count, int64_t *out) {
    int marked;
    if (!tuple_open(c, count, &marked)) return 0;
    for (Py_ssize_t k = 0; k < count; k++)
        if (!small_int(c, out + k)) return 0;
    return tuple_close(c, count, marked);
}

static int weight_items(cursor *c, Py_ssize_t count, double *out);

static int read_weights(cursor *c, Py_ssize_t count, double *out) {
    if (c->p >= c->n) return 0;
    unsigned char op = c->b[c->p];
    if (op == 'N') {
        c->p++;
        if (out) for (Py_ssize_t k = 0; k < count; k++) out[k] = 1.0;
        return 1;
    }
    if (op == 'G') {
        /* A tuple of 1-3 floats opens with its first "G" too: it ends with TUPLE1-3,
         * where one weight for all is followed by the values, which never open with
         * an item of a weights tuple. So the tuple is tried first. */
        Py_ssize_t at = c->p;
        if (count <= 3 && weight_items(c, count, out)) return 1;
        c->p = at + 1;
        double w;  /* one weight for all: Whoosh reads it back as a float32 */
        if (!big_double(c, &w)) return 0;
        if (out) for (Py_ssize_t k = 0; k < count; k++) out[k] = (double)(float)w;
        return 1;
    }
    return weight_items(c, count, out);
}

/* A tuple of `count` weights, each an int or a float. */
static int weight_items(cursor *c, Py_ssize_t count, double *out) {
    int marked;
    if (!tuple_open(c, count, &marked)) return 0;
    for (Py_ssize_t k = 0; k < count; k++) {
        if (c->p >= c->n) return 0;
        double w;
        if (c->b[c->p] == 'G') {
            c->p++;
            if (!big_double(c, &w)) return 0;
        } else {
            int64_t i;
            if (!small_int(c, &i)) return 0;
            w = (double)i;
        }
        if (out) out[k] = w;
    }
    return tuple_close(c, count, marked);
}

typedef struct { char *data; Py_ssize_t len, cap; } growing;

static int grow_by(growing *g, const unsigned char *src, Py_ssize_t n) {
    if (g->len + n > g->cap) {
        Py_ssize_t cap = g->cap ? g->cap : 4096;
        while (cap < g->len + n) cap *= 2;
        char *data = PyMem_Realloc(g->data, cap);
        if (!data) return 0;
        g->data = data;
        g->cap = cap;
    }
    memcpy(g->data + g->len, src, n);
    g->len += n;
    return 1;
}

/* -1: out of memory; 0: not of the layout; 1: read. */
static int read_values(cursor *c, Py_ssize_t count, growing *g, int64_t *starts, int64_t *lengths) {
    int marked;
    if (!tuple_open(c, count, &marked)) return 0;
    for (Py_ssize_t k = 0; k < count; k++) {
        unsigned char op;
        Py_ssize_t size;
        if (!byte_at(c, &op)) return 0;
        if (op == 'C') {
            if (c->p + 1 > c->n) return 0;
            size = c->b[c->p]; c->p += 1;
        } else if (op == 'B') {
            if (c->p + 4 > c->n) return 0;
            const unsigned char *b = c->b + c->p;
            size = (Py_ssize_t)((uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24));
            c->p += 4;
        } else return 0;
        if (size > c->n - c->p) return 0;
        starts[k] = g->len;
        lengths[k] = size;
        if (!grow_by(g, c->b + c->p, size)) return -1;
        c->p += size;
        if (!memo(c)) return 0;
    }
    return tuple_close(c, count, marked);
}

/* One block's pickle (`block`, a bytes object) decoded into ids (its delta codes),
 * weights (unless NULL) and, unless vstarts is NULL, its value strings appended to
 * `values`: 1 if read, 0 if not of the layout (nothing appended), -1 out of memory. */
static int decode_block(PyObject *block, Py_ssize_t count, int64_t *ids, double *weights, growing *values,
                        int64_t *vstarts, int64_t *vlengths) {
    if (!PyBytes_Check(block)) return 0;
    cursor c = {(const unsigned char *)PyBytes_AS_STRING(block), PyBytes_GET_SIZE(block), 2};
    if (!(c.n > 2 && c.b[0] == 0x80 && (c.b[1] == 2 || c.b[1] == 3) && read_ids(&c, count, ids)
          && read_weights(&c, count, weights)))
        return 0;
    if (!vstarts) return 1;
    Py_ssize_t rollback = values->len;
    int ok = read_values(&c, count, values, vstarts, vlengths);
    if (ok == 0) values->len = rollback;
    return ok;
}

typedef struct { Py_buffer view; int held; } held_buffer;

static int take(PyObject *obj, held_buffer *h, const char *format, int writable) {
    h->held = 0;
    if (obj == Py_None) return 1;
    if (PyObject_GetBuffer(obj, &h->view, writable ? PyBUF_WRITABLE | PyBUF_FORMAT | PyBUF_C_CONTIGUOUS
                                                   : PyBUF_FORMAT | PyBUF_C_CONTIGUOUS) < 0) return 0;
    h->held = 1;
    int same = strcmp(h->view.format, format) == 0
               || (format[0] == 'q' && sizeof(long) == 8 && strcmp(h->view.format, "l") == 0);  /* numpy's int64 */
    if (!same || h->view.itemsize != 8) {
        PyErr_Format(PyExc_TypeError, "expected an array of format %s, got %s", format, h->view.format);
        return 0;
    }
    return 1;
}

static void release(held_buffer *h) {
    if (h->held) PyBuffer_Release(&h->view);
}

PyDoc_STRVAR(read_blocks_doc,
"read_blocks(blocks, counts, starts, deltas, weights, value_starts, value_lengths)\n"
"\n"
"Decode posting blocks pickled as W3PostingsWriter pickles them: for each block\n"
"i of the list (its pickle's bytes; anything else is returned), counts[i]\n"
"postings from starts[i] on, write its ids' delta codes to deltas, its weights\n"
"to weights (unless None) and, unless value_starts is None, where each value\n"
"string lies in the returned bytes to value_starts and value_lengths. All are\n"
"int64 arrays but weights, float64.\n"
"Return (the indexes of blocks not of that layout, to unpickle; the values'\n"
"bytes, or None).");

static PyObject *read_blocks(PyObject *Py_UNUSED(self), PyObject *args) {
    PyObject *blocks, *counts_o, *starts_o, *deltas_o, *weights_o, *vstarts_o, *vlengths_o;
    if (!PyArg_ParseTuple(args, "O!OOOOOO", &PyList_Type, &blocks, &counts_o, &starts_o, &deltas_o,
                          &weights_o, &vstarts_o, &vlengths_o))
        return NULL;
    held_buffer counts, starts, deltas, weights, vstarts, vlengths;
    counts.held = starts.held = deltas.held = weights.held = vstarts.held = vlengths.held = 0;
    PyObject *bad = NULL, *result = NULL;
    growing values = {NULL, 0, 0};
    if (!take(counts_o, &counts, "q", 0) || !take(starts_o, &starts, "q", 0) || !take(deltas_o, &deltas, "q", 1)
        || !take(weights_o, &weights, "d", 1) || !take(vstarts_o, &vstarts, "q", 1)
        || !take(vlengths_o, &vlengths, "q", 1))
        goto done;
    Py_ssize_t nblocks = PyList_GET_SIZE(blocks);
    Py_ssize_t total = deltas.view.len / 8;
    if (counts.view.len / 8 < nblocks || starts.view.len / 8 < nblocks
        || (weights.held && weights.view.len / 8 < total) || (vstarts.held != vlengths.held)
        || (vstarts.held && (vstarts.view.len / 8 < total || vlengths.view.len / 8 < total))) {
        PyErr_SetString(PyExc_ValueError, "arrays too short for the blocks");
        goto done;
    }
    const int64_t *count_of = counts.view.buf, *start_of = starts.view.buf;
    bad = PyList_New(0);
    if (!bad) goto done;
    for (Py_ssize_t i = 0; i < nblocks; i++) {
        PyObject *block = PyList_GET_ITEM(blocks, i);
        Py_ssize_t count = count_of[i], start = start_of[i];
        int ok = 0;
        if (count > 0 && start >= 0 && start + count <= total) {
            ok = decode_block(block, count, (int64_t *)deltas.view.buf + start,
                              weights.held ? (double *)weights.view.buf + start : NULL, &values,
                              vstarts.held ? (int64_t *)vstarts.view.buf + start : NULL,
                              vstarts.held ? (int64_t *)vlengths.view.buf + start : NULL);
            if (ok < 0) { PyErr_NoMemory(); goto done; }
        }
        if (!ok) {
            PyObject *index = PyLong_FromSsize_t(i);
            if (!index || PyList_Append(bad, index) < 0) { Py_XDECREF(index); goto done; }
            Py_DECREF(index);
        }
    }
    if (vstarts.held) {
        PyObject *bytes = PyBytes_FromStringAndSize(values.data ? values.data : "", values.len);
        if (!bytes) goto done;
        result = Py_BuildValue("(ON)", bad, bytes);
    } else {
        result = Py_BuildValue("(OO)", bad, Py_None);
    }
done:
    Py_XDECREF(bad);
    PyMem_Free(values.data);
    release(&counts); release(&starts); release(&deltas); release(&weights); release(&vstarts); release(&vlengths);
    return result;
}

/* ---- A term's postings at once: headers, the blocks wanted, inflated, decoded ---- */

typedef struct { Py_ssize_t data_at, end, count, first, number; int compressed; } span;

/* A block's header: a 4-byte big-endian length (negative for the last block), then
 * the pickle of (count, last id, max weight, compression, shortest, longest), then
 * the data. 1 if read; 0 if not of that layout. */
static int read_header(const unsigned char *b, Py_ssize_t n, Py_ssize_t at, Py_ssize_t *next, int *last,
                       int64_t *count, int64_t *maxid, int *compressed, Py_ssize_t *data_at) {
    if (at + 4 > n) return 0;
    int32_t length = (int32_t)(((uint32_t)b[at] << 24) | ((uint32_t)b[at + 1] << 16) | ((uint32_t)b[at + 2] << 8)
                               | (uint32_t)b[at + 3]);
    *last = length < 0;
    int64_t size = length < 0 ? -(int64_t)length : length;
    if (size > n - at - 4) return 0;
    *next = at + 4 + (Py_ssize_t)size;
    cursor c = {b, *next, at + 4};
    unsigned char op;
    int64_t ignored;
    double weight;
    if (!byte_at(&c, &op) || op != 0x80 || !byte_at(&c, &op) || (op != 2 && op != 3)) return 0;
    if (!byte_at(&c, &op) || op != '(') return 0;
    if (!small_int(&c, count) || !small_int(&c, maxid)) return 0;
    if (c.p < c.n && c.b[c.p] == 'G') {
        c.p++;
        if (!big_double(&c, &weight)) return 0;
    } else if (!small_int(&c, &ignored)) {
        return 0;
    }
    int64_t compression;
    if (!small_int(&c, &compression) || !small_int(&c, &ignored) || !small_int(&c, &ignored)) return 0;
    if (!byte_at(&c, &op) || op != 't' || !memo(&c) || !byte_at(&c, &op) || op != '.') return 0;
    *compressed = compression != 0;
    *data_at = c.p;
    return *count > 0;
}

/* The first index of sorted `within` at or after `value`, from `from` on. */
static Py_ssize_t seek_from(const int64_t *within, Py_ssize_t size, Py_ssize_t from, int64_t value) {
    Py_ssize_t lo = from, hi = size;
    while (lo < hi) {
        Py_ssize_t mid = lo + (hi - lo) / 2;
        if (within[mid] < value) lo = mid + 1; else hi = mid;
    }
    return lo;
}

/* Each block that can hold a candidate (every block without `within`); -1 if a header
 * is not of the layout, else the number of blocks, in *found (PyMem, to free). */
static Py_ssize_t wanted_blocks(const unsigned char *b, Py_ssize_t n, const int64_t *within, Py_ssize_t size,
                                span **found) {
    Py_ssize_t cap = 64, used = 0, at = 0, next, cursor = 0, total = 0, number = 0;
    span *spans = PyMem_Malloc(cap * sizeof(span));
    if (!spans) return -2;
    int64_t lowest = 0;
    for (;;) {
        int last, compressed;
        int64_t count, maxid;
        Py_ssize_t data_at;
        if (!read_header(b, n, at, &next, &last, &count, &maxid, &compressed, &data_at)) {
            PyMem_Free(spans);
            return -1;
        }
        int wanted = 1;
        if (within) {
            cursor = seek_from(within, size, cursor, lowest);
            if (cursor == size) break;  /* no candidate left at or after this block */
            wanted = within[cursor] <= maxid;
        }
        if (wanted) {
            if (used == cap) {
                span *grown = PyMem_Realloc(spans, 2 * cap * sizeof(span));
                if (!grown) { PyMem_Free(spans); return -2; }
                spans = grown;
                cap *= 2;
            }
            spans[used++] = (span){data_at, next, (Py_ssize_t)count, total, number, compressed};
            total += (Py_ssize_t)count;
        }
        if (last) break;
        lowest = maxid + 1;
        at = next;
        number++;
    }
    *found = spans;
    return used;
}

PyDoc_STRVAR(read_term_doc,
"read_term(postings, within, inflate, scored, with_values, first, tick, tick_blocks)\n"
"\n"
"A term's postings (its bytes after the header tag) read at once: each block that\n"
"can hold one of `within` (sorted int64 ids; every block when None) inflated by\n"
"`inflate` when compressed and decoded. `first`: the first block's data as Whoosh\n"
"has unpickled it, or None. `tick` is called every `tick_blocks` blocks.\n"
"Return None if a header is not of the usual layout, else (ids, weights, value\n"
"starts, value lengths, values, handed back): bytearrays of int64 ids (decoded),\n"
"float64 weights (when scored) and int64 value spans in the values bytes (with\n"
"values); handed back: (posting offset, count, the block's pickle or data) of each\n"
"block not read here (the first when given), for the caller to fill in.");

static PyObject *read_term(PyObject *Py_UNUSED(self), PyObject *args) {
    PyObject *postings_o, *within_o, *inflate, *first, *tick;
    int scored, with_values;
    Py_ssize_t tick_blocks;
    if (!PyArg_ParseTuple(args, "O!OOppOOn", &PyBytes_Type, &postings_o, &within_o, &inflate, &scored,
                          &with_values, &first, &tick, &tick_blocks))
        return NULL;
    const unsigned char *b = (const unsigned char *)PyBytes_AS_STRING(postings_o);
    Py_ssize_t n = PyBytes_GET_SIZE(postings_o);
    held_buffer within;
    within.held = 0;
    span *spans = NULL;
    int64_t *ids = NULL, *vstarts = NULL, *vlengths = NULL;
    double *weights = NULL;
    growing values = {NULL, 0, 0};
    PyObject *handed = NULL, *result = NULL;
    if (!take(within_o, &within, "q", 0)) goto done;
    Py_ssize_t used = wanted_blocks(b, n, within.held ? within.view.buf : NULL,
                                    within.held ? within.view.len / 8 : 0, &spans);
    if (used == -2) { PyErr_NoMemory(); goto done; }
    if (used == -1) { result = Py_NewRef(Py_None); goto done; }
    Py_ssize_t total = used ? spans[used - 1].first + spans[used - 1].count : 0;
    ids = PyMem_Malloc((total + 1) * sizeof(int64_t));
    weights = scored ? PyMem_Malloc((total + 1) * sizeof(double)) : NULL;
    vstarts = with_values ? PyMem_Malloc((total + 1) * sizeof(int64_t)) : NULL;
    vlengths = with_values ? PyMem_Malloc((total + 1) * sizeof(int64_t)) : NULL;
    handed = PyList_New(0);
    if (!ids || (scored && !weights) || (with_values && (!vstarts || !vlengths))) { PyErr_NoMemory(); goto done; }
    if (!handed) goto done;
    for (Py_ssize_t i = 0; i < used; i++) {
        span *s = &spans[i];
        if (tick != Py_None && tick_blocks > 0 && i % tick_blocks == 0) {
            PyObject *ticked = PyObject_CallNoArgs(tick);
            if (!ticked) goto done;
            Py_DECREF(ticked);
        }
        PyObject *data;
        if (s->number == 0 && first != Py_None) {
            data = Py_NewRef(first);  /* Whoosh has unpickled it: handed back as it is */
        } else {
            data = PyBytes_FromStringAndSize((const char *)b + s->data_at, s->end - s->data_at);
            if (!data) goto done;
            if (s->compressed) {
                PyObject *inflated = PyObject_CallOneArg(inflate, data);
                Py_DECREF(data);
                if (!inflated) goto done;
                if (!PyBytes_Check(inflated)) {
                    Py_DECREF(inflated);
                    PyErr_SetString(PyExc_TypeError, "inflate must return bytes");
                    goto done;
                }
                data = inflated;
            }
        }
        int ok = decode_block(data, s->count, ids + s->first, scored ? weights + s->first : NULL, &values,
                              with_values ? vstarts + s->first : NULL, with_values ? vlengths + s->first : NULL);
        if (ok < 0) { Py_DECREF(data); PyErr_NoMemory(); goto done; }
        if (ok) {
            int64_t *block = ids + s->first;
            for (Py_ssize_t k = 1; k < s->count; k++) block[k] += block[k - 1];  /* delta codes to ids */
            Py_DECREF(data);
        } else {
            PyObject *item = Py_BuildValue("(nnN)", s->first, s->count, data);
            if (!item || PyList_Append(handed, item) < 0) { Py_XDECREF(item); goto done; }
            Py_DECREF(item);
        }
    }
    PyObject *parts[5] = {
        PyByteArray_FromStringAndSize((const char *)ids, total * 8),
        scored ? PyByteArray_FromStringAndSize((const char *)weights, total * 8) : Py_NewRef(Py_None),
        with_values ? PyByteArray_FromStringAndSize((const char *)vstarts, total * 8) : Py_NewRef(Py_None),
        with_values ? PyByteArray_FromStringAndSize((const char *)vlengths, total * 8) : Py_NewRef(Py_None),
        with_values ? PyBytes_FromStringAndSize(values.data ? values.data : "", values.len) : Py_NewRef(Py_None),
    };
    if (parts[0] && parts[1] && parts[2] && parts[3] && parts[4])
        result = PyTuple_Pack(6, parts[0], parts[1], parts[2], parts[3], parts[4], handed);
    for (int k = 0; k < 5; k++) Py_XDECREF(parts[k]);
done:
    Py_XDECREF(handed);
    PyMem_Free(spans);
    PyMem_Free(ids);
    PyMem_Free(weights);
    PyMem_Free(vstarts);
    PyMem_Free(vlengths);
    PyMem_Free(values.data);
    release(&within);
    return result;
}

/* ---- Position strings: `formats.Positions.encode`'s bytes to positions ---- */

/* One position string: a 4-byte big-endian count, then the deltas pickled as a list
 * (protocol 2): 0x80 2 "]" and a memo put, then batches of "(" items "e", or one
 * item and "a", then ".". Writes the positions (the deltas summed) to out; 1 if
 * read, 0 if not of that layout or not `count` items. */
static int read_positions_of(const unsigned char *b, Py_ssize_t n, int64_t count, int64_t *out) {
    cursor c = {b, n, 4};
    unsigned char op;
    int64_t position = 0, item;
    Py_ssize_t k = 0;
    if (!byte_at(&c, &op) || op != 0x80 || !byte_at(&c, &op) || op != 2 || !byte_at(&c, &op) || op != ']')
        return 0;
    if (!memo(&c)) return 0;
    for (;;) {
        if (!byte_at(&c, &op)) return 0;
        if (op == '.') break;
        if (op == '(') {
            while (c.p < c.n && c.b[c.p] != 'e') {
                if (k == count || !small_int(&c, &item)) return 0;
                position += item;
                out[k++] = position;
            }
            if (!byte_at(&c, &op) || op != 'e') return 0;
        } else {
            c.p--;
            if (k == count || !small_int(&c, &item) || !byte_at(&c, &op) || op != 'a') return 0;
            position += item;
            out[k++] = position;
        }
    }
    return k == count && c.p == c.n;
}

PyDoc_STRVAR(read_positions_doc,
"read_positions(buf, starts, lengths)\n"
"\n"
"The position strings at buf[starts[i]:starts[i] + lengths[i]] (int64 arrays)\n"
"decoded as `Positions.decode_positions` decodes them. Return (sizes, positions,\n"
"handed back): bytearrays of int64, each string's number of positions and all\n"
"of them string after string; the indexes of strings not of the layout, whose\n"
"size is 0 and whose positions are left for the caller to put in.");

static PyObject *read_positions(PyObject *Py_UNUSED(self), PyObject *args) {
    PyObject *buf_o, *starts_o, *lengths_o;
    if (!PyArg_ParseTuple(args, "OOO", &buf_o, &starts_o, &lengths_o)) return NULL;
    Py_buffer buf;
    held_buffer starts, lengths;
    starts.held = lengths.held = 0;
    int64_t *sizes = NULL, *positions = NULL;
    PyObject *handed = NULL, *result = NULL;
    if (PyObject_GetBuffer(buf_o, &buf, PyBUF_C_CONTIGUOUS) < 0) return NULL;
    if (!take(starts_o, &starts, "q", 0) || !take(lengths_o, &lengths, "q", 0)) goto done;
    Py_ssize_t count = starts.view.len / 8;
    if (lengths.view.len / 8 != count) {
        PyErr_SetString(PyExc_ValueError, "starts and lengths differ in length");
        goto done;
    }
    const int64_t *start_of = starts.view.buf, *length_of = lengths.view.buf;
    const unsigned char *b = buf.buf;
    int64_t total = 0;
    sizes = PyMem_Malloc((count + 1) * sizeof(int64_t));
    handed = PyList_New(0);
    if (!sizes || !handed) { if (!sizes) PyErr_NoMemory(); goto done; }
    for (Py_ssize_t i = 0; i < count; i++) {  /* the counts first, to size the output */
        int64_t at = start_of[i], length = length_of[i];
        sizes[i] = -1;
        if (at >= 0 && length >= 4 && at <= buf.len - length) {
            const unsigned char *s = b + at;
            int64_t size = ((int64_t)s[0] << 24) | ((int64_t)s[1] << 16) | ((int64_t)s[2] << 8) | s[3];
            if (size <= length) {  /* two bytes an item at least */
                sizes[i] = size;
                total += size;
            }
        }
    }
    positions = PyMem_Malloc((total + 1) * sizeof(int64_t));
    if (!positions) { PyErr_NoMemory(); goto done; }
    int64_t at_out = 0;
    for (Py_ssize_t i = 0; i < count; i++) {
        int ok = sizes[i] >= 0 && read_positions_of(b + start_of[i], length_of[i], sizes[i], positions + at_out);
        if (ok) {
            at_out += sizes[i];
        } else {
            sizes[i] = 0;
            PyObject *index = PyLong_FromSsize_t(i);
            if (!index || PyList_Append(handed, index) < 0) { Py_XDECREF(index); goto done; }
            Py_DECREF(index);
        }
    }
    PyObject *sizes_b = PyByteArray_FromStringAndSize((const char *)sizes, count * 8);
    PyObject *positions_b = sizes_b ? PyByteArray_FromStringAndSize((const char *)positions, at_out * 8) : NULL;
    if (sizes_b && positions_b) result = PyTuple_Pack(3, sizes_b, positions_b, handed);
    Py_XDECREF(sizes_b);
    Py_XDECREF(positions_b);
done:
    Py_XDECREF(handed);
    PyMem_Free(sizes);
    PyMem_Free(positions);
    release(&starts);
    release(&lengths);
    PyBuffer_Release(&buf);
    return result;
}

static PyMethodDef methods[] = {
    {"read_blocks", read_blocks, METH_VARARGS, read_blocks_doc},
    {"read_term", read_term, METH_VARARGS, read_term_doc},
    {"read_positions", read_positions, METH_VARARGS, read_positions_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_block_reader", "Posting blocks decoded in C (see matcharrays).", 0, methods,
    NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__block_reader(void) { return PyModule_Create(&module); }
