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
 * block Whoosh has unpickled already) is not read here: its index is returned
 * and Python unpickles it. Every read is bounds-checked against the block, so a
 * damaged block is returned too, never read past.
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
        if (PyBytes_Check(block) && count > 0 && start >= 0 && start + count <= total) {
            cursor c = {(const unsigned char *)PyBytes_AS_STRING(block), PyBytes_GET_SIZE(block), 2};
            Py_ssize_t rollback = values.len;
            ok = c.n > 2 && c.b[0] == 0x80 && (c.b[1] == 2 || c.b[1] == 3)
                 && read_ids(&c, count, (int64_t *)deltas.view.buf + start)
                 && read_weights(&c, count, weights.held ? (double *)weights.view.buf + start : NULL);
            if (ok && vstarts.held) {
                ok = read_values(&c, count, &values, (int64_t *)vstarts.view.buf + start,
                                 (int64_t *)vlengths.view.buf + start);
                if (ok < 0) { PyErr_NoMemory(); goto done; }
                if (!ok) values.len = rollback;
            }
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

static PyMethodDef methods[] = {
    {"read_blocks", read_blocks, METH_VARARGS, read_blocks_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_block_reader", "Posting blocks decoded in C (see matcharrays).", 0, methods,
    NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__block_reader(void) { return PyModule_Create(&module); }
