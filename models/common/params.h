/* Parameter descriptor tables: every model declares its parameters once
 * (name, type, default, unit, range, one-line doc, citation) and the table
 * drives YAML binding, validation, `primesim params` and the resolved-config
 * dump. A parameter's name is the struct field's name and its YAML key. */
#ifndef PS_PARAMS_H
#define PS_PARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ps_param_type {
    PS_PT_BOOL,   /* bool */
    PS_PT_INT,    /* int64_t */
    PS_PT_DOUBLE, /* double */
    PS_PT_ENUM,   /* int: index into choices */
    PS_PT_STRING  /* char[size], NUL-terminated */
} ps_param_type;

enum {
    PS_PF_MIN_EXCLUSIVE = 1u << 0, /* value must be strictly above min */
    PS_PF_MAX_EXCLUSIVE = 1u << 1  /* value must be strictly below max */
};

typedef struct ps_param_desc {
    const char *name;   /* YAML key and struct field */
    size_t offset;      /* offsetof(struct, field) */
    size_t size;        /* sizeof the field (checked against type) */
    ps_param_type type;
    double def;         /* default of BOOL / INT / DOUBLE */
    const char *def_str;/* default of ENUM / STRING */
    double min, max;    /* inclusive unless flagged; INT and DOUBLE only */
    unsigned flags;
    const char *unit;   /* "uS", "pJ", "cycles", "" for dimensionless */
    const char *doc;    /* one line */
    const char *cite;   /* source of the default, NULL for a design choice */
    const char *const *choices; /* ENUM: NULL-terminated names */
} ps_param_desc;

typedef struct ps_param_table {
    const char *name;   /* e.g. "adc" */
    const char *doc;    /* one line */
    size_t struct_size;
    const ps_param_desc *params;
    size_t count;
} ps_param_table;

/* Declaration helpers; T is the parameter struct type. Every field is
 * initialised, in order, so they compile as C11 and as C++ alike. */
#define PS_PARAM_(T, f, type_, def_, def_str_, lo, hi, flags_, unit_, doc_, cite_, choices_) \
    {#f, offsetof(T, f), sizeof(((T *)0)->f), type_, def_, def_str_, lo, hi, flags_,      \
     unit_, doc_, cite_, choices_}
#define PS_PARAM_DOUBLE(T, f, def_, lo, hi, unit_, doc_, cite_)                        \
    PS_PARAM_(T, f, PS_PT_DOUBLE, def_, NULL, lo, hi, 0u, unit_, doc_, cite_, NULL)
/* A double that must be strictly positive. */
#define PS_PARAM_DOUBLE_POS(T, f, def_, hi, unit_, doc_, cite_)                       \
    PS_PARAM_(T, f, PS_PT_DOUBLE, def_, NULL, 0.0, hi, (unsigned)PS_PF_MIN_EXCLUSIVE,  \
              unit_, doc_, cite_, NULL)
#define PS_PARAM_INT(T, f, def_, lo, hi, unit_, doc_, cite_)                           \
    PS_PARAM_(T, f, PS_PT_INT, def_, NULL, lo, hi, 0u, unit_, doc_, cite_, NULL)
#define PS_PARAM_BOOL(T, f, def_, doc_, cite_)                                         \
    PS_PARAM_(T, f, PS_PT_BOOL, (double)(def_), NULL, 0.0, 1.0, 0u, "", doc_, cite_, NULL)
#define PS_PARAM_ENUM(T, f, def_, choices_, doc_, cite_)                               \
    PS_PARAM_(T, f, PS_PT_ENUM, 0.0, def_, 0.0, 0.0, 0u, "", doc_, cite_, choices_)
#define PS_PARAM_STRING(T, f, def_, doc_, cite_)                                       \
    PS_PARAM_(T, f, PS_PT_STRING, 0.0, def_, 0.0, 0.0, 0u, "", doc_, cite_, NULL)
#define PS_PARAM_TABLE(name_, doc_, T, array_)                                         \
    {name_, doc_, sizeof(T), array_, sizeof(array_) / sizeof((array_)[0])}

const char *ps_param_type_name(ps_param_type type);

/* Fills every field of obj with its default. */
void ps_params_set_defaults(const ps_param_table *table, void *obj);

/* The descriptor named name, or NULL. */
const ps_param_desc *ps_param_find(const ps_param_table *table, const char *name);

/* The known name closest to name (edit distance <= 3), or NULL: for
 * "did you mean" hints. */
const char *ps_param_suggest(const ps_param_table *table, const char *name);

/* Parses text as the parameter's type, checks its range and stores it.
 * On failure obj is unchanged and err says what is wrong with the value,
 * without the path (the caller knows it): "40 is above the maximum 16". */
ps_status ps_param_parse(const ps_param_desc *desc, const char *text, void *obj,
                         ps_error *err);

/* Checks the stored value's range (for structs filled by code). */
ps_status ps_param_check_value(const ps_param_desc *desc, const void *obj,
                               ps_error *err);

/* Checks every value of obj; the message names the parameter. */
ps_status ps_params_validate(const ps_param_table *table, const void *obj,
                             ps_error *err);

/* The value as text that ps_param_parse reads back to the same bits.
 * Returns the length that was needed (as snprintf). */
int ps_param_format(const ps_param_desc *desc, const void *obj, char *buf, size_t size);

/* The default as text. */
int ps_param_format_default(const ps_param_desc *desc, char *buf, size_t size);

/* The range as text ("[1, 16]", "(0, inf)", "uniform|walden|sar", ""). */
int ps_param_format_range(const ps_param_desc *desc, char *buf, size_t size);

/* Checks the table itself: unique names, field sizes that match types,
 * defaults inside ranges, enum defaults among the choices, docs present. */
ps_status ps_param_table_check(const ps_param_table *table, ps_error *err);

/* Round-trip formatting of a double ("0.1", "1e-05", "512"). */
int ps_format_double(double value, char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif
