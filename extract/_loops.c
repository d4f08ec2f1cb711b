/* The two loops of the PDFium reader that run once per character and once per page
 * object (extract/pdf_reader.py: `_CharReader.__call__` and `_walk`'s inner loop), in C.
 *
 * Optional: setuptools builds it where a C compiler is present; without it, the same
 * loops run in Python (extract/pdf_reader.py) and give the same pages, only slower
 * (tests/test_loops.py holds the two to the same results on the real PDFs).
 *
 * It links to nothing: the PDFium functions come as addresses, taken by the Python side
 * from the library pypdfium2 loaded (ctypes), so the C code calls the very functions the
 * Python loops call, with the same arguments. The signatures are PDFium's public API
 * (fpdf_text.h, fpdf_edit.h, fpdf_transformpage.h); handles are opaque pointers.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

typedef struct { float left, top, right, bottom; } FS_RECTF;

typedef int (*loose_box_fn)(void *text_page, int index, FS_RECTF *rect);
typedef int (*origin_fn)(void *text_page, int index, double *x, double *y);
typedef void *(*page_object_fn)(void *page, int index);
typedef void *(*form_object_fn)(void *form, unsigned long index);
typedef int (*kind_fn)(void *object);
typedef void *(*clip_fn)(void *object);
typedef int (*count_paths_fn)(void *clip);
typedef void *(*segment_fn)(void *clip, int path, int segment);

static void *address(PyObject *value) {
    /* A handle or function address as the Python side holds it (an int; None is NULL). */
    if (value == Py_None) return NULL;
    return PyLong_AsVoidPtr(value);
}

static PyObject *handle(void *pointer) {
    /* A handle as ctypes' c_void_p gives it back: an int, or None for NULL. */
    if (pointer == NULL) Py_RETURN_NONE;
    return PyLong_FromVoidPtr(pointer);
}

/* The plain slots dataclasses the loops make (pdf_geometry's Char and Word): made as
 * their __init__ makes them, every field set in its slot, without running it. */
#define MAX_FIELDS 8
typedef struct {
    PyTypeObject *type;
    int n;
    Py_ssize_t offset[MAX_FIELDS];
} Slots;

static int slots_of(PyObject *type, const char *const *names, int n, Slots *s) {
    if (!PyType_Check(type) || n > MAX_FIELDS) {
        PyErr_SetString(PyExc_TypeError, "a slots dataclass is needed");
        return -1;
    }
    s->type = (PyTypeObject *)type;
    s->n = n;
    for (int k = 0; k < n; k++) {
        PyObject *descr = PyObject_GetAttrString(type, names[k]);
        if (descr == NULL) return -1;
        int ok = Py_IS_TYPE(descr, &PyMemberDescr_Type) &&
                 ((PyMemberDescrObject *)descr)->d_member->type == T_OBJECT_EX;
        if (ok) s->offset[k] = ((PyMemberDescrObject *)descr)->d_member->offset;
        Py_DECREF(descr);
        if (!ok) {
            PyErr_Format(PyExc_TypeError, "%s.%s is not a slot", s->type->tp_name, names[k]);
            return -1;
        }
    }
    /* Every slot of the type is a field set here: no slot is left unset. */
    if (s->type->tp_basicsize != PyBaseObject_Type.tp_basicsize + (Py_ssize_t)(n * sizeof(PyObject *))) {
        PyErr_Format(PyExc_TypeError, "%s has slots besides its fields", s->type->tp_name);
        return -1;
    }
    return 0;
}

static PyObject *made(const Slots *s, PyObject **values) {
    /* A new object of the type with its fields `values` (references taken, even on failure). */
    PyObject *obj = NULL;
    int complete = 1;
    for (int k = 0; k < s->n; k++) complete = complete && values[k] != NULL;
    if (complete) obj = s->type->tp_alloc(s->type, 0);
    if (obj == NULL) {
        for (int k = 0; k < s->n; k++) Py_XDECREF(values[k]);
        return NULL;
    }
    for (int k = 0; k < s->n; k++) *(PyObject **)((char *)obj + s->offset[k]) = values[k];
    return obj;
}

static const char *const CHAR_FIELDS[] = {"text", "x0", "x1", "baseline"};
static const char *const WORD_FIELDS[] = {"text", "x0", "x1", "baseline", "cell", "grid", "band"};
static const char *const BOX_FIELDS[] = {"x0", "x1", "top", "bottom"};

PyDoc_STRVAR(chars_doc,
"chars(text, text_page, loose_box, origin, rect, x, y, height, char_type) -> list\n\n"
"The characters of an upright text page but white space, as `char_type(ch, x0, x1,\n"
"baseline)` (a slots dataclass) gives them: `text` is the page's text (one character per index), `loose_box` and\n"
"`origin` the addresses of FPDFText_GetLooseCharBox and FPDFText_GetCharOrigin, `rect`,\n"
"`x`, `y` the addresses of their out-parameters (an FS_RECTF, two doubles), `height` the\n"
"top of the visible box. The origin is asked only when the loose box's vertical extent\n"
"changes, as in `_CharReader.__call__`.");

static PyObject *chars(PyObject *self, PyObject *args) {
    PyObject *text, *page_o, *box_o, *origin_o, *rect_o, *x_o, *y_o, *make;
    double height;
    if (!PyArg_ParseTuple(args, "UOOOOOOdO", &text, &page_o, &box_o, &origin_o, &rect_o, &x_o, &y_o,
                          &height, &make))
        return NULL;
    void *page = address(page_o);
    loose_box_fn loose_box = (loose_box_fn)address(box_o);
    origin_fn origin = (origin_fn)address(origin_o);
    FS_RECTF *rect = (FS_RECTF *)address(rect_o);
    double *x = (double *)address(x_o), *y = (double *)address(y_o);
    if (PyErr_Occurred()) return NULL;
    if (!loose_box || !origin || !rect || !x || !y) {
        PyErr_SetString(PyExc_ValueError, "a function or out-parameter address is NULL");
        return NULL;
    }
    Slots char_slots;
    if (slots_of(make, CHAR_FIELDS, 4, &char_slots) < 0) return NULL;
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    PyObject *out = PyList_New(0);
    if (out == NULL) return NULL;
    int known = 0;
    float top = 0, bottom = 0;
    double baseline = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, i);
        if (Py_UNICODE_ISSPACE(ch)) continue;
        loose_box(page, (int)i, rect);
        if (!known || rect->top != top || rect->bottom != bottom) {
            origin(page, (int)i, x, y);
            top = rect->top;
            bottom = rect->bottom;
            baseline = height - *y;
            known = 1;
        }
        PyObject *values[4] = {PyUnicode_FromOrdinal(ch), PyFloat_FromDouble((double)rect->left),
                               PyFloat_FromDouble((double)rect->right), PyFloat_FromDouble(baseline)};
        PyObject *one = made(&char_slots, values);
        if (one == NULL || PyList_Append(out, one) < 0) {
            Py_XDECREF(one);
            Py_DECREF(out);
            return NULL;
        }
        Py_DECREF(one);
    }
    return out;
}

PyDoc_STRVAR(scan_doc,
"scan(parent, count, in_form, functions, kinds, by_clip, outer, placed, paths) -> (images, forms)\n\n"
"One pass over the `count` objects of a page (or, `in_form`, of a form XObject), as the\n"
"inner loop of `_walk`: text objects grouped into `by_clip` by their clip (the handle of\n"
"the first point of the clip's last path names it; the first member of a group is the\n"
"clip, or None), those without a clip left out when `outer` is false (no clip around\n"
"them); path objects appended to `paths` as (object, placed); whether an image was seen\n"
"and the form objects in order. `functions`: the addresses of the object getter\n"
"(FPDFPage_GetObject or FPDFFormObj_GetObject), FPDFPageObj_GetType,\n"
"FPDFPageObj_GetClipPath, FPDFClipPath_CountPaths, FPDFClipPath_GetPathSegment; `kinds`:\n"
"the object types text, path, image, form.");

static PyObject *scan(PyObject *self, PyObject *args) {
    PyObject *parent_o, *by_clip, *placed, *paths;
    Py_ssize_t count;
    int in_form, outer;
    void *f[5];
    PyObject *f_o[5];
    int text_kind, path_kind, image_kind, form_kind;
    if (!PyArg_ParseTuple(args, "Onp(OOOOO)(iiii)O!pOO!", &parent_o, &count, &in_form, &f_o[0], &f_o[1],
                          &f_o[2], &f_o[3], &f_o[4], &text_kind, &path_kind, &image_kind, &form_kind,
                          &PyDict_Type, &by_clip, &outer, &placed, &PyList_Type, &paths))
        return NULL;
    void *parent = address(parent_o);
    for (int k = 0; k < 5; k++) f[k] = address(f_o[k]);
    if (PyErr_Occurred()) return NULL;
    for (int k = 0; k < 5; k++)
        if (f[k] == NULL) {
            PyErr_SetString(PyExc_ValueError, "a function address is NULL");
            return NULL;
        }
    kind_fn kind_of = (kind_fn)f[1];
    clip_fn clip_of = (clip_fn)f[2];
    count_paths_fn paths_of = (count_paths_fn)f[3];
    segment_fn segment = (segment_fn)f[4];

    PyObject *forms = PyList_New(0);
    if (forms == NULL) return NULL;
    int images = 0;
    PyObject *group = NULL;  /* borrowed from by_clip */
    void *last = NULL;  /* objects in a row mostly share a clip */
    for (Py_ssize_t k = 0; k < count; k++) {
        void *obj = in_form ? ((form_object_fn)f[0])(parent, (unsigned long)k) : ((page_object_fn)f[0])(parent, (int)k);
        int kind = kind_of(obj);
        PyObject *item = NULL;
        if (kind == text_kind) {
            void *clip = clip_of(obj);
            int n = paths_of(clip);  /* -1 without a clip */
            void *key = n > 0 ? segment(clip, n - 1, 0) : NULL;
            if (key != last || group == NULL) {
                if (key == NULL && !outer) continue;  /* no clip at all */
                PyObject *key_o = handle(key);
                if (key_o == NULL) goto fail;
                group = PyDict_GetItemWithError(by_clip, key_o);
                if (group == NULL) {
                    if (PyErr_Occurred()) { Py_DECREF(key_o); goto fail; }
                    PyObject *first = key != NULL ? handle(clip) : (Py_INCREF(Py_None), Py_None);
                    PyObject *fresh = first ? PyList_New(1) : NULL;
                    if (fresh == NULL) { Py_XDECREF(first); Py_DECREF(key_o); goto fail; }
                    PyList_SET_ITEM(fresh, 0, first);
                    int failed = PyDict_SetItem(by_clip, key_o, fresh) < 0;
                    Py_DECREF(fresh);  /* by_clip holds it */
                    if (failed) { Py_DECREF(key_o); goto fail; }
                    group = fresh;
                }
                Py_DECREF(key_o);
                last = key;
            }
            item = handle(obj);
            if (item == NULL || PyList_Append(group, item) < 0) goto fail_item;
        } else if (kind == path_kind) {
            PyObject *o = handle(obj);
            item = o ? PyTuple_Pack(2, o, placed) : NULL;
            Py_XDECREF(o);
            if (item == NULL || PyList_Append(paths, item) < 0) goto fail_item;
        } else if (kind == image_kind) {
            images = 1;
        } else if (kind == form_kind) {
            item = handle(obj);
            if (item == NULL || PyList_Append(forms, item) < 0) goto fail_item;
        }
        Py_XDECREF(item);
        continue;
    fail_item:
        Py_XDECREF(item);
        goto fail;
    }
    return Py_BuildValue("(NN)", PyBool_FromLong(images), forms);
fail:
    Py_DECREF(forms);
    return NULL;
}

typedef int (*draw_mode_fn)(void *path, int *fill, int *stroke);
typedef int (*fill_color_fn)(void *object, unsigned int *r, unsigned int *g, unsigned int *b, unsigned int *a);
typedef int (*count_segments_fn)(void *path);
typedef int (*bounds_fn)(void *object, float *left, float *bottom, float *right, float *top);

PyDoc_STRVAR(boxes_doc,
"boxes(paths, functions, floats, white, simple, height, identity, box_type) -> list\n\n"
"The drawn boxes of a page's path objects as `_Objects.drawing` reads them: `paths` the\n"
"(object, placed) pairs, `functions` the addresses of FPDFPath_GetDrawMode,\n"
"FPDFPageObj_GetFillColor, FPDFPath_CountSegments and FPDFPageObj_GetBounds, `floats`\n"
"the addresses of the bounds' four out-parameters (left, bottom, right, top). A path\n"
"filled at least `white` in each of red, green and blue and not stroked is left out; a\n"
"path of a segment count in `simple` placed by `identity` (the page itself) becomes\n"
"`box_type(left, right, height - top, height - bottom)` (a slots dataclass); any other\n"
"comes back as\n"
"(object, placed, simple) for the Python side to read, in its place in the list.");

static PyObject *boxes(PyObject *self, PyObject *args) {
    PyObject *paths, *f_o[4], *v_o[4], *simple, *identity, *make;
    double white, height;
    if (!PyArg_ParseTuple(args, "O!(OOOO)(OOOO)dO!dOO", &PyList_Type, &paths, &f_o[0], &f_o[1], &f_o[2],
                          &f_o[3], &v_o[0], &v_o[1], &v_o[2], &v_o[3], &white, &PyTuple_Type, &simple,
                          &height, &identity, &make))
        return NULL;
    void *f[4];
    float *v[4];
    for (int k = 0; k < 4; k++) {
        f[k] = address(f_o[k]);
        v[k] = (float *)address(v_o[k]);
    }
    if (PyErr_Occurred()) return NULL;
    for (int k = 0; k < 4; k++)
        if (f[k] == NULL || v[k] == NULL) {
            PyErr_SetString(PyExc_ValueError, "a function or out-parameter address is NULL");
            return NULL;
        }
    Slots box_slots;
    if (slots_of(make, BOX_FIELDS, 4, &box_slots) < 0) return NULL;
    draw_mode_fn draw_mode = (draw_mode_fn)f[0];
    fill_color_fn fill_color = (fill_color_fn)f[1];
    count_segments_fn count_segments = (count_segments_fn)f[2];
    bounds_fn bounds = (bounds_fn)f[3];
    float *left = v[0], *bottom = v[1], *right = v[2], *top = v[3];

    PyObject *out = PyList_New(0);
    if (out == NULL) return NULL;
    Py_ssize_t n = PyList_GET_SIZE(paths);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *pair = PyList_GET_ITEM(paths, i);
        if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2) {
            PyErr_SetString(PyExc_TypeError, "paths holds (object, placed) pairs");
            goto fail;
        }
        PyObject *obj_o = PyTuple_GET_ITEM(pair, 0), *placed = PyTuple_GET_ITEM(pair, 1);
        void *obj = address(obj_o);
        if (PyErr_Occurred()) goto fail;
        int fill = 0, stroke = 0;
        unsigned int rgba[4] = {0, 0, 0, 0};
        if (draw_mode(obj, &fill, &stroke) && !stroke && fill && fill_color(obj, &rgba[0], &rgba[1], &rgba[2], &rgba[3])) {
            unsigned int least = rgba[0] < rgba[1] ? rgba[0] : rgba[1];
            least = rgba[2] < least ? rgba[2] : least;
            if ((double)least >= white) continue;  /* filled white, not stroked: draws nothing */
        }
        PyObject *segments = PyLong_FromLong(count_segments(obj));
        if (segments == NULL) goto fail;
        int is_simple = PySequence_Contains(simple, segments);
        Py_DECREF(segments);
        if (is_simple < 0) goto fail;
        PyObject *item;
        if (is_simple && placed == identity) {
            bounds(obj, left, bottom, right, top);
            PyObject *values[4] = {PyFloat_FromDouble((double)*left), PyFloat_FromDouble((double)*right),
                                   PyFloat_FromDouble(height - (double)*top),
                                   PyFloat_FromDouble(height - (double)*bottom)};
            item = made(&box_slots, values);
        } else {
            item = Py_BuildValue("(OOO)", obj_o, placed, is_simple ? Py_True : Py_False);
        }
        if (item == NULL || PyList_Append(out, item) < 0) {
            Py_XDECREF(item);
            goto fail;
        }
        Py_DECREF(item);
    }
    return out;
fail:
    Py_DECREF(out);
    return NULL;
}

/* The layout's characters (extract/pdf_geometry.py `Char`, a slots dataclass): their
 * fields read straight from the slots where an object is of that very type. */
typedef struct {
    PyTypeObject *type;
    Py_ssize_t text, x0, x1, baseline;
} CharFields;

static int char_fields(PyObject *type, CharFields *f) {
    Slots slots;
    if (slots_of(type, CHAR_FIELDS, 4, &slots) < 0) return -1;
    f->type = slots.type;
    f->text = slots.offset[0], f->x0 = slots.offset[1], f->x1 = slots.offset[2], f->baseline = slots.offset[3];
    return 0;
}

static PyObject *field(PyObject *obj, Py_ssize_t offset) {
    /* Borrowed; NULL (with an error) for an unset slot. */
    PyObject *value = *(PyObject **)((char *)obj + offset);
    if (value == NULL) PyErr_SetString(PyExc_AttributeError, "a character's field is not set");
    return value;
}

static int number(PyObject *obj, Py_ssize_t offset, double *out) {
    /* A float field of a character: exactly a float, or -1 (the Python side decides). */
    PyObject *value = field(obj, offset);
    if (value == NULL) return -1;
    if (!PyFloat_CheckExact(value)) return 1;
    *out = PyFloat_AS_DOUBLE(value);
    return 0;
}

typedef struct { double key; Py_ssize_t at; } Keyed;

static int by_key(const void *a, const void *b) {
    /* Keys, then places: a stable sort (no key is NaN). */
    const Keyed *x = a, *y = b;
    if (x->key < y->key) return -1;
    if (x->key > y->key) return 1;
    return (x->at > y->at) - (x->at < y->at);
}

PyDoc_STRVAR(lines_doc,
"lines(chars, char_type, tolerance) -> list | None\n\n"
"`pdf_geometry._lines_of`: the characters grouped into lines by baseline (sorted by\n"
"baseline, stably; a line ends where the next baseline is more than `tolerance` below),\n"
"each line sorted by x0, stably. None where a character is not exactly of `char_type`\n"
"with float fields, or a baseline or x0 is NaN: the Python side reads those.");

static PyObject *lines(PyObject *self, PyObject *args) {
    PyObject *chars, *type;
    double tolerance;
    if (!PyArg_ParseTuple(args, "O!Od", &PyList_Type, &chars, &type, &tolerance)) return NULL;
    CharFields f;
    if (char_fields(type, &f) < 0) return NULL;
    Py_ssize_t n = PyList_GET_SIZE(chars);
    Keyed *order = PyMem_Malloc(sizeof(Keyed) * (n ? n : 1));
    double *x0s = PyMem_Malloc(sizeof(double) * (n ? n : 1));
    PyObject *out = NULL;
    if (order == NULL || x0s == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *ch = PyList_GET_ITEM(chars, i);
        double baseline, x0;
        if (Py_TYPE(ch) != f.type || number(ch, f.baseline, &baseline) || number(ch, f.x0, &x0) ||
            baseline != baseline || x0 != x0) {
            if (PyErr_Occurred()) goto done;
            out = Py_None;  /* not ours to read */
            Py_INCREF(out);
            goto done;
        }
        order[i].key = baseline;
        order[i].at = i;
        x0s[i] = x0;
    }
    qsort(order, n, sizeof(Keyed), by_key);
    out = PyList_New(0);
    if (out == NULL) goto done;
    Py_ssize_t start = 0;
    for (Py_ssize_t i = 1; i <= n; i++) {
        if (i < n && !(order[i].key - order[i - 1].key > tolerance)) continue;
        /* order[start:i] is one line: by x0, stably (its places in baseline order). */
        Py_ssize_t m = i - start;
        Keyed *line = PyMem_Malloc(sizeof(Keyed) * m);
        if (line == NULL) {
            PyErr_NoMemory();
            Py_CLEAR(out);
            goto done;
        }
        for (Py_ssize_t k = 0; k < m; k++) {
            line[k].key = x0s[order[start + k].at];
            line[k].at = order[start + k].at;  /* ties: baseline order, as a stable sort keeps */
        }
        /* A stable sort keeps baseline order among equal x0: sort by (x0, rank in baseline order). */
        Keyed *ranked = PyMem_Malloc(sizeof(Keyed) * m);
        if (ranked == NULL) {
            PyMem_Free(line);
            PyErr_NoMemory();
            Py_CLEAR(out);
            goto done;
        }
        for (Py_ssize_t k = 0; k < m; k++) {
            ranked[k].key = line[k].key;
            ranked[k].at = k;
        }
        qsort(ranked, m, sizeof(Keyed), by_key);
        PyObject *row = PyList_New(m);
        if (row == NULL) {
            PyMem_Free(line);
            PyMem_Free(ranked);
            Py_CLEAR(out);
            goto done;
        }
        for (Py_ssize_t k = 0; k < m; k++) {
            PyObject *ch = PyList_GET_ITEM(chars, line[ranked[k].at].at);
            Py_INCREF(ch);
            PyList_SET_ITEM(row, k, ch);
        }
        PyMem_Free(line);
        PyMem_Free(ranked);
        int failed = PyList_Append(out, row) < 0;
        Py_DECREF(row);
        if (failed) {
            Py_CLEAR(out);
            goto done;
        }
        start = i;
    }
done:
    PyMem_Free(order);
    PyMem_Free(x0s);
    return out;
}

PyDoc_STRVAR(words_doc,
"words(line, edges, gap, char_type, word_type) -> list | None\n\n"
"`pdf_geometry._words`: a line's characters (ordered by x) joined into words, a word\n"
"broken at a gap of at least `gap` after its rightmost glyph or where a character's\n"
"middle crosses one of the sorted `edges` (its cell: the edges at or left of the middle,\n"
"never fewer than the character before); each word `word_type(text, x0, x1, baseline,\n"
"cell, edges)` (a slots dataclass), cell None outside the edges' inner cells. None where a character is not\n"
"exactly of `char_type` with float fields: the Python side reads that line.");

static PyObject *make_word(const Slots *word_slots, PyObject *texts, double x0, double x1, double baseline,
                           Py_ssize_t cell, Py_ssize_t last, PyObject *edges) {
    PyObject *empty = PyUnicode_FromStringAndSize(NULL, 0);
    PyObject *text = empty == NULL ? NULL
                     : PyList_GET_SIZE(texts) == 1 ? Py_NewRef(PyList_GET_ITEM(texts, 0)) : PyUnicode_Join(empty, texts);
    Py_XDECREF(empty);
    PyObject *values[7] = {text, PyFloat_FromDouble(x0), PyFloat_FromDouble(x1), PyFloat_FromDouble(baseline),
                           (0 <= cell && cell < last) ? PyLong_FromSsize_t(cell) : Py_NewRef(Py_None),
                           Py_NewRef(edges), Py_NewRef(Py_None)};
    return made(word_slots, values);
}

static PyObject *words(PyObject *self, PyObject *args) {
    PyObject *line, *edges, *type, *make;
    double gap;
    if (!PyArg_ParseTuple(args, "O!O!dOO", &PyList_Type, &line, &PyTuple_Type, &edges, &gap, &type, &make))
        return NULL;
    CharFields f;
    Slots word_slots;
    if (char_fields(type, &f) < 0 || slots_of(make, WORD_FIELDS, 7, &word_slots) < 0) return NULL;
    Py_ssize_t n_edges = PyTuple_GET_SIZE(edges), last = n_edges - 1;
    double *edge = PyMem_Malloc(sizeof(double) * (n_edges ? n_edges : 1));
    if (edge == NULL) return PyErr_NoMemory();
    for (Py_ssize_t k = 0; k < n_edges; k++) {
        edge[k] = PyFloat_AsDouble(PyTuple_GET_ITEM(edges, k));
        if (edge[k] == -1.0 && PyErr_Occurred()) {
            PyMem_Free(edge);
            return NULL;
        }
    }
    PyObject *out = PyList_New(0), *texts = PyList_New(0);
    if (out == NULL || texts == NULL) goto fail;
    Py_ssize_t cell = -1;
    double next_edge = n_edges ? edge[0] : Py_HUGE_VAL;
    double x0 = 0, x1 = 0, baseline = 0;
    Py_ssize_t word_cell = -1;
    Py_ssize_t n = PyList_GET_SIZE(line);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *ch = PyList_GET_ITEM(line, i), *text;
        double cx0, cx1, cbaseline;
        if (Py_TYPE(ch) != f.type || number(ch, f.x0, &cx0) || number(ch, f.x1, &cx1) ||
            number(ch, f.baseline, &cbaseline) || (text = field(ch, f.text)) == NULL) {
            if (PyErr_Occurred()) goto fail;
            Py_DECREF(out);
            Py_DECREF(texts);
            PyMem_Free(edge);
            Py_RETURN_NONE;  /* not ours to read */
        }
        int crossed = 0;
        while ((cx0 + cx1) / 2 >= next_edge) {
            cell += 1;
            next_edge = cell + 1 <= last ? edge[cell + 1] : Py_HUGE_VAL;
            crossed = 1;
        }
        if (PyList_GET_SIZE(texts) == 0 || crossed || cx0 - x1 >= gap) {
            if (PyList_GET_SIZE(texts)) {
                PyObject *word = make_word(&word_slots, texts, x0, x1, baseline, word_cell, last, edges);
                if (word == NULL || PyList_Append(out, word) < 0) {
                    Py_XDECREF(word);
                    goto fail;
                }
                Py_DECREF(word);
                Py_SETREF(texts, PyList_New(0));
                if (texts == NULL) goto fail;
            }
            x0 = cx0;
            x1 = cx1;
            baseline = cbaseline;
            word_cell = cell;
        } else if (cx1 > x1) {
            x1 = cx1;
        }
        if (PyList_Append(texts, text) < 0) goto fail;
    }
    if (PyList_GET_SIZE(texts)) {
        PyObject *word = make_word(&word_slots, texts, x0, x1, baseline, word_cell, last, edges);
        if (word == NULL || PyList_Append(out, word) < 0) {
            Py_XDECREF(word);
            goto fail;
        }
        Py_DECREF(word);
    }
    Py_DECREF(texts);
    PyMem_Free(edge);
    return out;
fail:
    Py_XDECREF(out);
    Py_XDECREF(texts);
    PyMem_Free(edge);
    return NULL;
}

PyDoc_STRVAR(printed_doc,
"printed(chars, char_type, hidden, bounds) -> bool | None\n\n"
"`pdf_geometry._all_printed`: whether there are characters and each prints something\n"
"inside the page box: its text not empty, none of its characters white space (as\n"
"str.isspace takes it) or in `hidden`, and, where `bounds` (left, right, top, bottom) is\n"
"not None, left <= x0 + x1 <= right and top <= baseline <= bottom. None where a\n"
"character is not exactly of `char_type` with float fields and str text, or a field is\n"
"NaN: the Python side decides.");

static PyObject *printed(PyObject *self, PyObject *args) {
    PyObject *chars, *type, *hidden, *bounds;
    if (!PyArg_ParseTuple(args, "O!OUO", &PyList_Type, &chars, &type, &hidden, &bounds)) return NULL;
    CharFields f;
    if (char_fields(type, &f) < 0) return NULL;
    double left = 0, right = 0, top = 0, bottom = 0;
    int bounded = bounds != Py_None;
    if (bounded && !PyArg_ParseTuple(bounds, "dddd", &left, &right, &top, &bottom)) return NULL;
    Py_ssize_t n = PyList_GET_SIZE(chars);
    int all = n > 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *ch = PyList_GET_ITEM(chars, i), *text;
        double x0, x1, baseline;
        if (Py_TYPE(ch) != f.type || number(ch, f.x0, &x0) || number(ch, f.x1, &x1) ||
            number(ch, f.baseline, &baseline) || (text = field(ch, f.text)) == NULL || !PyUnicode_CheckExact(text) ||
            x0 != x0 || x1 != x1 || baseline != baseline) {
            if (PyErr_Occurred()) return NULL;
            Py_RETURN_NONE;
        }
        if (!all) continue;  /* read on: a character the Python side must decide may follow */
        Py_ssize_t length = PyUnicode_GET_LENGTH(text);
        if (length == 0) all = 0;
        for (Py_ssize_t k = 0; all && k < length; k++) {
            Py_UCS4 c = PyUnicode_READ_CHAR(text, k);
            if (Py_UNICODE_ISSPACE(c) || PyUnicode_FindChar(hidden, c, 0, PyUnicode_GET_LENGTH(hidden), 1) >= 0)
                all = 0;
        }
        double twice = x0 + x1;
        if (bounded && !(left <= twice && twice <= right && top <= baseline && baseline <= bottom)) all = 0;
    }
    return PyBool_FromLong(all);
}

PyDoc_STRVAR(extent_doc,
"extent(chars, char_type) -> (widest, x0, x1, top, bottom) | None\n\n"
"Over a page's characters, in one pass: the widest advance (x1 - x0), the least x0, the\n"
"greatest x1 and the least and greatest baseline, as max() and min() over them give them\n"
"(the first of equal extremes). None where there is no character, or one is not exactly\n"
"of `char_type` with float fields, or a field is NaN.");

static PyObject *extent(PyObject *self, PyObject *args) {
    PyObject *chars, *type;
    if (!PyArg_ParseTuple(args, "O!O", &PyList_Type, &chars, &type)) return NULL;
    CharFields f;
    if (char_fields(type, &f) < 0) return NULL;
    Py_ssize_t n = PyList_GET_SIZE(chars);
    if (n == 0) Py_RETURN_NONE;
    double widest = 0, left = 0, right = 0, top = 0, bottom = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *ch = PyList_GET_ITEM(chars, i);
        double x0, x1, baseline;
        if (Py_TYPE(ch) != f.type || number(ch, f.x0, &x0) || number(ch, f.x1, &x1) ||
            number(ch, f.baseline, &baseline) || x0 != x0 || x1 != x1 || baseline != baseline) {
            if (PyErr_Occurred()) return NULL;
            Py_RETURN_NONE;
        }
        double advance = x1 - x0;
        if (i == 0 || advance > widest) widest = advance;
        if (i == 0 || x0 < left) left = x0;
        if (i == 0 || x1 > right) right = x1;
        if (i == 0 || baseline < top) top = baseline;
        if (i == 0 || baseline > bottom) bottom = baseline;
    }
    return Py_BuildValue("(ddddd)", widest, left, right, top, bottom);
}

typedef int (*count_path_segments_fn)(void *clip, int path);
typedef int (*point_fn)(void *segment, float *x, float *y);

PyDoc_STRVAR(path_extent_doc,
"path_extent(clip, path, functions, x, y) -> (left, bottom, right, top) | None\n\n"
"The box of one path of a clip path, in the clip's space (PDF coordinates), as\n"
"`_Calls.clip_box` reads it: every segment's point asked (FPDFPathSegment_GetPoint into\n"
"the floats at the addresses `x` and `y`). `functions`: the addresses of\n"
"FPDFClipPath_CountPathSegments, FPDFClipPath_GetPathSegment, FPDFPathSegment_GetPoint.\n"
"None for a path of no segment.");

static PyObject *path_extent(PyObject *self, PyObject *args) {
    PyObject *clip_o, *f_o[3], *x_o, *y_o;
    int path;
    if (!PyArg_ParseTuple(args, "Oi(OOO)OO", &clip_o, &path, &f_o[0], &f_o[1], &f_o[2], &x_o, &y_o)) return NULL;
    void *clip = address(clip_o), *f[3];
    for (int k = 0; k < 3; k++) f[k] = address(f_o[k]);
    float *x = (float *)address(x_o), *y = (float *)address(y_o);
    if (PyErr_Occurred()) return NULL;
    if (!f[0] || !f[1] || !f[2] || !x || !y) {
        PyErr_SetString(PyExc_ValueError, "a function or out-parameter address is NULL");
        return NULL;
    }
    count_path_segments_fn count = (count_path_segments_fn)f[0];
    segment_fn segment = (segment_fn)f[1];
    point_fn point = (point_fn)f[2];
    int m = count(clip, path);
    if (m <= 0) Py_RETURN_NONE;
    point(segment(clip, path, 0), x, y);
    double left = *x, right = *x, bottom = *y, top = *y;
    for (int k = 1; k < m; k++) {
        point(segment(clip, path, k), x, y);
        double px = *x, py = *y;
        if (px < left) left = px;
        else if (px > right) right = px;
        if (py < bottom) bottom = py;
        else if (py > top) top = py;
    }
    return Py_BuildValue("(dddd)", left, bottom, right, top);
}

static PyMethodDef methods[] = {
    {"path_extent", path_extent, METH_VARARGS, path_extent_doc},
    {"extent", extent, METH_VARARGS, extent_doc},
    {"printed", printed, METH_VARARGS, printed_doc},
    {"lines", lines, METH_VARARGS, lines_doc},
    {"words", words, METH_VARARGS, words_doc},
    {"boxes", boxes, METH_VARARGS, boxes_doc},
    {"chars", chars, METH_VARARGS, chars_doc},
    {"scan", scan, METH_VARARGS, scan_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_loops",
    "The PDFium reader's per-character and per-object loops in C (see extract/pdf_reader.py).", -1, methods,
};

PyMODINIT_FUNC PyInit__loops(void) { return PyModule_Create(&module); }
