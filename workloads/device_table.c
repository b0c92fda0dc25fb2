#include "device_table.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "fileio.h"

/* Trims spaces at both ends of [*b, *e). */
static void trim(const char **b, const char **e)
{
    while (*b < *e && isspace((unsigned char)**b)) (*b)++;
    while (*e > *b && isspace((unsigned char)(*e)[-1])) (*e)--;
}

static bool field_is(const char *b, const char *e, const char *word)
{
    const size_t n = strlen(word);
    return (size_t)(e - b) == n && strncmp(b, word, n) == 0;
}

/* Parses [b, e) as one finite number. */
static bool parse_number(const char *b, const char *e, double *out)
{
    char buf[64];
    trim(&b, &e);
    const size_t n = (size_t)(e - b);
    if (n == 0 || n >= sizeof buf)
        return false;
    memcpy(buf, b, n);
    buf[n] = '\0';
    char *end = NULL;
    errno = 0;
    const double v = strtod(buf, &end);
    if (end != buf + n || errno == ERANGE || !isfinite(v))
        return false;
    *out = v;
    return true;
}

void ps_device_table_data_free(ps_device_table_data *t)
{
    if (!t)
        return;
    free(t->g_uS);
    free(t->value);
    t->g_uS = t->value = NULL;
    t->count = 0;
}

ps_device_table ps_device_table_view(const ps_device_table_data *t)
{
    ps_device_table v = {t->g_uS, t->value, t->count, t->is_cdf};
    return v;
}

ps_status ps_device_table_parse(const char *text, size_t len, const char *name,
                                ps_device_table_data *out, ps_error *err)
{
    if (!out || (!text && len))
        return ps_error_set(err, PS_ERR_INVALID_ARG, "%s: NULL argument", name ? name : "table");
    memset(out, 0, sizeof *out);
    if (!name)
        name = "device table";
    size_t cap = 0, line_no = 0, last_line = 0;
    bool have_header = false;
    ps_status st = PS_OK;
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *b = p, *e = nl ? nl : end;
        p = nl ? nl + 1 : end;
        line_no++;
        trim(&b, &e);
        if (b == e || *b == '#')
            continue;
        const char *comma = memchr(b, ',', (size_t)(e - b));
        if (!comma || memchr(comma + 1, ',', (size_t)(e - comma - 1))) {
            st = ps_error_set(err, PS_ERR_FORMAT, "%s:%zu: expected two comma-separated columns",
                              name, line_no);
            goto fail;
        }
        const char *b1 = b, *e1 = comma, *b2 = comma + 1, *e2 = e;
        trim(&b1, &e1);
        trim(&b2, &e2);
        if (!have_header) {
            if (!field_is(b1, e1, "conductance_uS")) {
                st = ps_error_set(err, PS_ERR_FORMAT,
                                  "%s:%zu: the header's first column must be conductance_uS", name,
                                  line_no);
                goto fail;
            }
            if (field_is(b2, e2, "cdf")) {
                out->is_cdf = true;
            } else if (!field_is(b2, e2, "probability")) {
                st = ps_error_set(err, PS_ERR_FORMAT,
                                  "%s:%zu: the header's second column must be cdf or probability",
                                  name, line_no);
                goto fail;
            }
            have_header = true;
            continue;
        }
        double g, v;
        if (!parse_number(b1, e1, &g) || !parse_number(b2, e2, &v)) {
            st = ps_error_set(err, PS_ERR_FORMAT, "%s:%zu: expected two numbers", name, line_no);
            goto fail;
        }
        const size_t k = out->count;
        if (g < 0.0)
            st = ps_error_set(err, PS_ERR_RANGE, "%s:%zu: negative conductance %g uS", name,
                              line_no, g);
        else if (k > 0 && !(g > out->g_uS[k - 1]))
            st = ps_error_set(err, PS_ERR_FORMAT,
                              "%s:%zu: conductance %g uS is not above the previous %g uS", name,
                              line_no, g, out->g_uS[k - 1]);
        else if (v < 0.0)
            st = ps_error_set(err, PS_ERR_RANGE, "%s:%zu: negative %s %g", name, line_no,
                              out->is_cdf ? "cdf" : "probability", v);
        else if (out->is_cdf && v > 1.0 + 1e-9)
            st = ps_error_set(err, PS_ERR_RANGE, "%s:%zu: cdf %g is above 1", name, line_no, v);
        else if (out->is_cdf && k > 0 && v < out->value[k - 1])
            st = ps_error_set(err, PS_ERR_FORMAT, "%s:%zu: cdf %g decreases (previous %g)", name,
                              line_no, v, out->value[k - 1]);
        if (st != PS_OK)
            goto fail;
        if (k == cap) {
            const size_t ncap = cap ? 2 * cap : 64;
            if (ps_realloc(ncap, sizeof(double), &out->g_uS) != PS_OK ||
                ps_realloc(ncap, sizeof(double), &out->value) != PS_OK) {
                st = ps_error_set(err, PS_ERR_NOMEM, "%s: out of memory", name);
                goto fail;
            }
            cap = ncap;
        }
        out->g_uS[k] = g;
        out->value[k] = v;
        out->count = k + 1;
        last_line = line_no;
    }
    if (!have_header) {
        st = ps_error_set(err, PS_ERR_FORMAT,
                          "%s: no header line (conductance_uS,cdf or conductance_uS,probability)",
                          name);
        goto fail;
    }
    if (out->count == 0) {
        st = ps_error_set(err, PS_ERR_FORMAT, "%s: no data lines after the header", name);
        goto fail;
    }
    if (out->is_cdf && fabs(out->value[out->count - 1] - 1.0) > 1e-6) {
        st = ps_error_set(err, PS_ERR_FORMAT, "%s:%zu: the last cdf value is %g, it must be 1",
                          name, last_line, out->value[out->count - 1]);
        goto fail;
    }
    const ps_device_table view = ps_device_table_view(out);
    if ((st = ps_device_table_check(&view, err)) != PS_OK) {
        ps_error_prefix(err, "%s", name);
        goto fail;
    }
    return PS_OK;
fail:
    ps_device_table_data_free(out);
    return st;
}

ps_status ps_device_table_load(const char *path, ps_device_table_data *out, ps_error *err)
{
    uint8_t *data = NULL;
    size_t size = 0;
    ps_status st = ps_read_file(path, &data, &size, err);
    if (st != PS_OK)
        return st;
    st = ps_device_table_parse((const char *)data, size, path, out, err);
    free(data);
    return st;
}
