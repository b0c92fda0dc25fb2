#include "params.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *ps_param_type_name(ps_param_type type)
{
    switch (type) {
    case PS_PT_BOOL: return "bool";
    case PS_PT_INT: return "int";
    case PS_PT_DOUBLE: return "float";
    case PS_PT_ENUM: return "choice";
    case PS_PT_STRING: return "string";
    }
    return "?";
}

static void *field(const ps_param_desc *d, void *obj) { return (char *)obj + d->offset; }
static const void *cfield(const ps_param_desc *d, const void *obj)
{
    return (const char *)obj + d->offset;
}

static int choice_index(const ps_param_desc *d, const char *text)
{
    for (int i = 0; d->choices && d->choices[i]; i++)
        if (strcmp(d->choices[i], text) == 0)
            return i;
    return -1;
}

void ps_params_set_defaults(const ps_param_table *table, void *obj)
{
    for (size_t i = 0; i < table->count; i++) {
        const ps_param_desc *d = &table->params[i];
        void *f = field(d, obj);
        switch (d->type) {
        case PS_PT_BOOL: *(bool *)f = d->def != 0.0; break;
        case PS_PT_INT: *(int64_t *)f = (int64_t)d->def; break;
        case PS_PT_DOUBLE: *(double *)f = d->def; break;
        case PS_PT_ENUM: *(int *)f = choice_index(d, d->def_str); break;
        case PS_PT_STRING: snprintf((char *)f, d->size, "%s", d->def_str ? d->def_str : ""); break;
        }
    }
}

const ps_param_desc *ps_param_find(const ps_param_table *table, const char *name)
{
    for (size_t i = 0; i < table->count; i++)
        if (strcmp(table->params[i].name, name) == 0)
            return &table->params[i];
    return NULL;
}

static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return (size_t)-1;
    size_t row[64];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
            size_t best = diag + cost;
            if (row[j] + 1 < best) best = row[j] + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

const char *ps_param_suggest(const ps_param_table *table, const char *name)
{
    const char *best = NULL;
    size_t best_distance = 4;
    for (size_t i = 0; i < table->count; i++) {
        size_t dist = edit_distance(name, table->params[i].name);
        if (dist < best_distance) {
            best_distance = dist;
            best = table->params[i].name;
        }
    }
    return best;
}

int ps_format_double(double value, char *buf, size_t size)
{
    /* Whole numbers print plainly ("200", not "2e+02"). */
    if (value == floor(value) && fabs(value) < 1e15)
        return snprintf(buf, size, "%.0f", value);
    int n = 0;
    for (int precision = 1; precision <= 17; precision++) {
        n = snprintf(buf, size, "%.*g", precision, value);
        if (n < 0 || (size_t)n >= size || strtod(buf, NULL) == value)
            break;
    }
    return n;
}

static ps_status check_number(const ps_param_desc *d, double v, const char *text, ps_error *err)
{
    char bound[64];
    if (v < d->min || ((d->flags & PS_PF_MIN_EXCLUSIVE) && v <= d->min)) {
        ps_format_double(d->min, bound, sizeof bound);
        return ps_error_set(err, PS_ERR_RANGE, (d->flags & PS_PF_MIN_EXCLUSIVE)
                                                   ? "%s must be above %s"
                                                   : "%s is below the minimum %s",
                            text, bound);
    }
    if (v > d->max || ((d->flags & PS_PF_MAX_EXCLUSIVE) && v >= d->max)) {
        ps_format_double(d->max, bound, sizeof bound);
        return ps_error_set(err, PS_ERR_RANGE, (d->flags & PS_PF_MAX_EXCLUSIVE)
                                                   ? "%s must be below %s"
                                                   : "%s is above the maximum %s",
                            text, bound);
    }
    return PS_OK;
}

static int parse_bool(const char *text, bool *out)
{
    static const char *const yes[] = {"true", "yes", "on"};
    static const char *const no[] = {"false", "no", "off"};
    for (int i = 0; i < 3; i++) {
        if (strcasecmp(text, yes[i]) == 0) { *out = true; return 1; }
        if (strcasecmp(text, no[i]) == 0) { *out = false; return 1; }
    }
    return 0;
}

static void list_choices(const ps_param_desc *d, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; d->choices && d->choices[i] && used < size; i++) {
        int n = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", d->choices[i]);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

ps_status ps_param_parse(const ps_param_desc *d, const char *text, void *obj, ps_error *err)
{
    if (!text || !*text)
        return ps_error_set(err, PS_ERR_TYPE, "an empty value is not a valid %s",
                            ps_param_type_name(d->type));
    switch (d->type) {
    case PS_PT_BOOL: {
        bool b;
        if (!parse_bool(text, &b))
            return ps_error_set(err, PS_ERR_TYPE, "'%s' is not a boolean (true or false)", text);
        *(bool *)field(d, obj) = b;
        return PS_OK;
    }
    case PS_PT_INT: {
        char *end;
        errno = 0;
        long long v = strtoll(text, &end, 10);
        if (*end != '\0' || end == text) {
            double as_double = strtod(text, &end);
            if (*end == '\0' && isfinite(as_double))
                return ps_error_set(err, PS_ERR_TYPE, "%s is not an integer", text);
            return ps_error_set(err, PS_ERR_TYPE, "'%s' is not an integer", text);
        }
        if (errno == ERANGE)
            return ps_error_set(err, PS_ERR_RANGE, "%s does not fit in 64 bits", text);
        ps_status s = check_number(d, (double)v, text, err);
        if (s == PS_OK)
            *(int64_t *)field(d, obj) = (int64_t)v;
        return s;
    }
    case PS_PT_DOUBLE: {
        char *end;
        double v = strtod(text, &end);
        if (*end != '\0' || end == text)
            return ps_error_set(err, PS_ERR_TYPE, "'%s' is not a number", text);
        if (!isfinite(v))
            return ps_error_set(err, PS_ERR_RANGE, "%s is not a finite number", text);
        ps_status s = check_number(d, v, text, err);
        if (s == PS_OK)
            *(double *)field(d, obj) = v;
        return s;
    }
    case PS_PT_ENUM: {
        int i = choice_index(d, text);
        if (i < 0) {
            char choices[256];
            list_choices(d, choices, sizeof choices);
            return ps_error_set(err, PS_ERR_RANGE, "'%s' is not one of: %s", text, choices);
        }
        *(int *)field(d, obj) = i;
        return PS_OK;
    }
    case PS_PT_STRING: {
        size_t len = strlen(text);
        if (len >= d->size)
            return ps_error_set(err, PS_ERR_RANGE, "'%.40s...' is longer than %zu characters",
                                text, d->size - 1);
        memcpy(field(d, obj), text, len + 1);
        return PS_OK;
    }
    }
    return ps_error_set(err, PS_ERR_INVALID_ARG, "unknown parameter type");
}

int ps_param_format(const ps_param_desc *d, const void *obj, char *buf, size_t size)
{
    const void *f = cfield(d, obj);
    switch (d->type) {
    case PS_PT_BOOL: return snprintf(buf, size, "%s", *(const bool *)f ? "true" : "false");
    case PS_PT_INT: return snprintf(buf, size, "%lld", (long long)*(const int64_t *)f);
    case PS_PT_DOUBLE: return ps_format_double(*(const double *)f, buf, size);
    case PS_PT_ENUM: {
        int i = *(const int *)f;
        int n = 0;
        while (d->choices && d->choices[n])
            n++;
        return snprintf(buf, size, "%s", i >= 0 && i < n ? d->choices[i] : "?");
    }
    case PS_PT_STRING: return snprintf(buf, size, "%s", (const char *)f);
    }
    return snprintf(buf, size, "?");
}

ps_status ps_param_check_value(const ps_param_desc *d, const void *obj, ps_error *err)
{
    char text[128];
    ps_param_format(d, obj, text, sizeof text);
    const void *f = cfield(d, obj);
    switch (d->type) {
    case PS_PT_INT: return check_number(d, (double)*(const int64_t *)f, text, err);
    case PS_PT_DOUBLE:
        if (!isfinite(*(const double *)f))
            return ps_error_set(err, PS_ERR_RANGE, "%s is not a finite number", text);
        return check_number(d, *(const double *)f, text, err);
    case PS_PT_ENUM: {
        int i = *(const int *)f, n = 0;
        while (d->choices && d->choices[n])
            n++;
        if (i < 0 || i >= n)
            return ps_error_set(err, PS_ERR_RANGE, "choice index %d is out of range", i);
        return PS_OK;
    }
    case PS_PT_STRING:
        if (memchr(f, '\0', d->size) == NULL)
            return ps_error_set(err, PS_ERR_RANGE, "string is not terminated");
        return PS_OK;
    case PS_PT_BOOL: return PS_OK;
    }
    return PS_OK;
}

ps_status ps_params_validate(const ps_param_table *table, const void *obj, ps_error *err)
{
    for (size_t i = 0; i < table->count; i++) {
        ps_status s = ps_param_check_value(&table->params[i], obj, err);
        if (s != PS_OK) {
            ps_error_prefix(err, "%s.%s", table->name, table->params[i].name);
            return s;
        }
    }
    return PS_OK;
}

int ps_param_format_default(const ps_param_desc *d, char *buf, size_t size)
{
    switch (d->type) {
    case PS_PT_BOOL: return snprintf(buf, size, "%s", d->def != 0.0 ? "true" : "false");
    case PS_PT_INT: return snprintf(buf, size, "%lld", (long long)d->def);
    case PS_PT_DOUBLE: return ps_format_double(d->def, buf, size);
    case PS_PT_ENUM:
    case PS_PT_STRING: return snprintf(buf, size, "%s", d->def_str ? d->def_str : "");
    }
    return snprintf(buf, size, "?");
}

static int format_bound(double v, char *buf, size_t size)
{
    if (isinf(v))
        return snprintf(buf, size, "%s", v < 0 ? "-inf" : "inf");
    return ps_format_double(v, buf, size);
}

int ps_param_format_range(const ps_param_desc *d, char *buf, size_t size)
{
    if (d->type == PS_PT_ENUM) {
        size_t used = 0;
        buf[0] = '\0';
        for (int i = 0; d->choices && d->choices[i] && used < size; i++) {
            int n = snprintf(buf + used, size - used, "%s%s", i ? "|" : "", d->choices[i]);
            if (n < 0)
                break;
            used += (size_t)n;
        }
        return (int)used;
    }
    if (d->type != PS_PT_INT && d->type != PS_PT_DOUBLE)
        return snprintf(buf, size, "%s", "");
    char lo[32], hi[32];
    format_bound(d->min, lo, sizeof lo);
    format_bound(d->max, hi, sizeof hi);
    return snprintf(buf, size, "%c%s, %s%c", (d->flags & PS_PF_MIN_EXCLUSIVE) ? '(' : '[', lo,
                    hi, (d->flags & PS_PF_MAX_EXCLUSIVE) ? ')' : ']');
}

static size_t type_size(ps_param_type t)
{
    switch (t) {
    case PS_PT_BOOL: return sizeof(bool);
    case PS_PT_INT: return sizeof(int64_t);
    case PS_PT_DOUBLE: return sizeof(double);
    case PS_PT_ENUM: return sizeof(int);
    case PS_PT_STRING: return 0;
    }
    return 0;
}

ps_status ps_param_table_check(const ps_param_table *table, ps_error *err)
{
    if (!table->name || !*table->name || !table->doc || !*table->doc)
        return ps_error_set(err, PS_ERR_INVALID_ARG, "a parameter table lacks a name or doc");
    for (size_t i = 0; i < table->count; i++) {
        const ps_param_desc *d = &table->params[i];
        const char *t = table->name;
        if (!d->name || !*d->name)
            return ps_error_set(err, PS_ERR_INVALID_ARG, "%s: parameter %zu has no name", t, i);
        for (size_t j = 0; j < i; j++)
            if (strcmp(table->params[j].name, d->name) == 0)
                return ps_error_set(err, PS_ERR_INVALID_ARG, "%s.%s: declared twice", t, d->name);
        if (!d->doc || !*d->doc || !d->unit)
            return ps_error_set(err, PS_ERR_INVALID_ARG, "%s.%s: missing doc or unit", t, d->name);
        if (d->offset + d->size > table->struct_size)
            return ps_error_set(err, PS_ERR_INVALID_ARG, "%s.%s: field outside the struct", t,
                                d->name);
        if (d->type == PS_PT_STRING ? d->size < 2 : d->size != type_size(d->type))
            return ps_error_set(err, PS_ERR_TYPE, "%s.%s: field size %zu does not fit type %s", t,
                                d->name, d->size, ps_param_type_name(d->type));
        if (d->type == PS_PT_ENUM && choice_index(d, d->def_str ? d->def_str : "") < 0)
            return ps_error_set(err, PS_ERR_RANGE, "%s.%s: default is not among the choices", t,
                                d->name);
        if (d->type == PS_PT_STRING && d->def_str && strlen(d->def_str) >= d->size)
            return ps_error_set(err, PS_ERR_RANGE, "%s.%s: default too long", t, d->name);
        if (d->type == PS_PT_INT || d->type == PS_PT_DOUBLE) {
            char text[32];
            ps_format_double(d->def, text, sizeof text);
            ps_status s = check_number(d, d->def, text, err);
            if (s != PS_OK) {
                ps_error_prefix(err, "%s.%s: default", t, d->name);
                return s;
            }
            if (d->type == PS_PT_INT && d->def != floor(d->def))
                return ps_error_set(err, PS_ERR_TYPE, "%s.%s: default is not an integer", t,
                                    d->name);
        }
    }
    return PS_OK;
}
