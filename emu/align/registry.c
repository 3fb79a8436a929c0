/* Policy registry, parameter parsing and the plugin loader. */
#include "align/align.h"
#include "json_writer.h"
#include <dlfcn.h>
#include <stdint.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool valid_name(const char *s)
{
    if (!s || !*s || strlen(s) > 64)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
            return false;
    return true;
}

static size_t param_size(AlignParamType t)
{
    switch (t) {
    case ALIGN_PARAM_INT: return sizeof(int64_t);
    case ALIGN_PARAM_DOUBLE: return sizeof(double);
    case ALIGN_PARAM_BOOL: return sizeof(bool);
    case ALIGN_PARAM_DURATION: return sizeof(int64_t);
    }
    return 0;
}

static const char *type_name(AlignParamType t)
{
    switch (t) {
    case ALIGN_PARAM_INT: return "int";
    case ALIGN_PARAM_DOUBLE: return "float";
    case ALIGN_PARAM_BOOL: return "bool";
    case ALIGN_PARAM_DURATION: return "time";
    }
    return "?";
}

/* The spellings the parser accepts, shared with both help listings so that
 * what they print is what parses. */
static const struct { const char *unit; int64_t mul; } duration_units[] = {
    { "", 1000 }, { "ns", 1 }, { "us", 1000 }, { "ms", 1000000 }, { "s", 1000000000 },
};
#define N_DURATION_UNITS (sizeof duration_units / sizeof duration_units[0])
static const char *const bool_yes[] = { "on", "true", "yes", "1" };
static const char *const bool_no[] = { "off", "false", "no", "0" };
#define N_BOOL_SPELLINGS (sizeof bool_yes / sizeof bool_yes[0])

/* "150" (us), "150us", "2ms", "1s", "500ns" -> ns; false if malformed. */
static bool parse_duration(const char *v, int64_t *ns)
{
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (!*v || errno || end == v)
        return false;
    for (size_t i = 0; i < N_DURATION_UNITS; i++)
        if (!strcmp(end, duration_units[i].unit)) {
            if (x > INT64_MAX / duration_units[i].mul || x < INT64_MIN / duration_units[i].mul)
                return false;
            *ns = x * duration_units[i].mul;
            return true;
        }
    return false;
}

/* Parses one value into dst; -1 with a message naming the expected form. */
static int parse_value(const AlignPolicy *p, const AlignParam *d, const char *v, void *params,
                       char *err, size_t n)
{
    char *dst = (char *)params + d->offset;
    char *end;
    errno = 0;
    switch (d->type) {
    case ALIGN_PARAM_INT: {
        long long x = strtoll(v, &end, 10);
        if (!*v || *end || errno || (double)x < d->min || (double)x > d->max) {
            snprintf(err, n, "%s: %s must be an integer in [%.15g, %.15g], not '%s'",
                     p->name, d->name, d->min, d->max, v);
            return -1;
        }
        int64_t y = x;
        memcpy(dst, &y, sizeof y);
        return 0;
    }
    case ALIGN_PARAM_DOUBLE: {
        double x = strtod(v, &end);
        if (!*v || *end || errno || !isfinite(x) || x < d->min || x > d->max) {
            snprintf(err, n, "%s: %s must be a number in [%.15g, %.15g], not '%s'",
                     p->name, d->name, d->min, d->max, v);
            return -1;
        }
        memcpy(dst, &x, sizeof x);
        return 0;
    }
    case ALIGN_PARAM_DURATION: {
        int64_t ns;
        if (!parse_duration(v, &ns) || (double)ns < d->min * 1000 || (double)ns > d->max * 1000) {
            snprintf(err, n, "%s: %s must be a duration in [%.15g, %.15g] us (a bare number is in "
                     "us; or with ns, us, ms, s), not '%s'", p->name, d->name, d->min, d->max, v);
            return -1;
        }
        memcpy(dst, &ns, sizeof ns);
        return 0;
    }
    case ALIGN_PARAM_BOOL: {
        for (size_t i = 0; i < N_BOOL_SPELLINGS; i++) {
            bool b = !strcasecmp(v, bool_yes[i]);
            if (b || !strcasecmp(v, bool_no[i])) {
                memcpy(dst, &b, sizeof b);
                return 0;
            }
        }
        snprintf(err, n, "%s: %s must be on or off, not '%s'", p->name, d->name, v);
        return -1;
    }
    }
    snprintf(err, n, "%s: %s has an unknown type", p->name, d->name);
    return -1;
}

static void param_names(const AlignPolicy *p, char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = 0;
    for (const AlignParam *d = p->params; d && d->name; d++) {
        int w = snprintf(buf + len, n - len, "%s%s", len ? ", " : "", d->name);
        if (w < 0 || (size_t)w >= n - len)
            break;
        len += (size_t)w;
    }
    if (!len)
        snprintf(buf, n, "none");
}

int align_params_parse(const AlignPolicy *p, const char *kv, void *out, char *err, size_t n)
{
    if (p->params_size)
        memset(out, 0, p->params_size);
    for (const AlignParam *d = p->params; d && d->name; d++)
        if (parse_value(p, d, d->def, out, err, n) < 0)
            return -1;
    if (!kv || !*kv)
        return 0;
    char *copy = strdup(kv);
    if (!copy) {
        snprintf(err, n, "out of memory");
        return -1;
    }
    int rc = 0;
    for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '=');
        char names[256];
        param_names(p, names, sizeof names);
        if (!eq) {
            snprintf(err, n, "%s: expected key=value, not '%s' (parameters: %s)", p->name, tok, names);
            rc = -1;
            break;
        }
        *eq = 0;
        const AlignParam *d = p->params;
        while (d && d->name && strcmp(d->name, tok))
            d++;
        if (!d || !d->name) {
            snprintf(err, n, "%s: unknown parameter '%s' (parameters: %s)", p->name, tok, names);
            rc = -1;
            break;
        }
        if (parse_value(p, d, eq + 1, out, err, n) < 0) {
            rc = -1;
            break;
        }
    }
    free(copy);
    return rc;
}

void align_params_format(const AlignPolicy *p, const void *params, char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = 0;
    for (const AlignParam *d = p->params; d && d->name; d++) {
        const char *src = (const char *)params + d->offset;
        char val[64];
        if (d->type == ALIGN_PARAM_INT) {
            int64_t x;
            memcpy(&x, src, sizeof x);
            snprintf(val, sizeof val, "%lld", (long long)x);
        } else if (d->type == ALIGN_PARAM_DURATION) {
            int64_t x;
            memcpy(&x, src, sizeof x);
            if (x % 1000)
                snprintf(val, sizeof val, "%lldns", (long long)x);
            else
                snprintf(val, sizeof val, "%lld", (long long)(x / 1000));
        } else if (d->type == ALIGN_PARAM_DOUBLE) {
            double x;
            memcpy(&x, src, sizeof x);
            snprintf(val, sizeof val, "%.10g", x);
        } else {
            bool b;
            memcpy(&b, src, sizeof b);
            snprintf(val, sizeof val, "%s", b ? "on" : "off");
        }
        int w = snprintf(buf + len, n - len, "%s%s=%s", len ? "," : "", d->name, val);
        if (w < 0 || (size_t)w >= n - len)
            break;
        len += (size_t)w;
    }
}

int align_policy_validate(const AlignPolicy *p, char *err, size_t n)
{
    if (p->abi_version != ALIGN_POLICY_ABI_VERSION) {
        snprintf(err, n, "policy ABI version %u, this emulator needs %u", p->abi_version,
                 ALIGN_POLICY_ABI_VERSION);
        return -1;
    }
    if (p->table_size < sizeof(AlignPolicy)) {
        snprintf(err, n, "policy table of %u bytes, expected %zu", p->table_size, sizeof(AlignPolicy));
        return -1;
    }
    if (!valid_name(p->name)) {
        snprintf(err, n, "invalid policy name (expected [a-z0-9-]+)");
        return -1;
    }
    if (!p->description || strchr(p->description, '\n')) {
        snprintf(err, n, "%s: needs a one-line description", p->name);
        return -1;
    }
    if (p->state_size > (64u << 20) || p->params_size > (1u << 20)) {
        snprintf(err, n, "%s: unreasonable state or params size", p->name);
        return -1;
    }
    for (const AlignParam *d = p->params; d && d->name; d++) {
        if (!valid_name(d->name) || !d->def || !d->help || !param_size(d->type) ||
            d->offset + param_size(d->type) > p->params_size) {
            snprintf(err, n, "%s: malformed parameter descriptor '%s'", p->name, d->name);
            return -1;
        }
        for (const AlignParam *e = p->params; e != d; e++)
            if (!strcmp(e->name, d->name)) {
                snprintf(err, n, "%s: parameter '%s' declared twice", p->name, d->name);
                return -1;
            }
    }
    void *tmp = calloc(1, p->params_size ? p->params_size : 1);
    if (!tmp) {
        snprintf(err, n, "out of memory");
        return -1;
    }
    char sub[ALIGN_ERR_LEN];
    int rc = align_params_parse(p, NULL, tmp, sub, sizeof sub);
    free(tmp);
    if (rc < 0) {
        snprintf(err, n, "bad default: %s", sub);
        return -1;
    }
    return 0;
}

int align_registry_add(AlignRegistry *r, const AlignPolicy *p, const char *origin, char *err, size_t n)
{
    if (align_policy_validate(p, err, n) < 0)
        return -1;
    if (align_registry_find(r, p->name)) {
        snprintf(err, n, "a policy named '%s' already exists", p->name);
        return -1;
    }
    if (r->n == ALIGN_MAX_POLICIES) {
        snprintf(err, n, "too many policies");
        return -1;
    }
    r->policy[r->n] = p;
    r->origin[r->n++] = origin;
    return 0;
}

const AlignPolicy *align_registry_find(const AlignRegistry *r, const char *name)
{
    for (int i = 0; i < r->n; i++)
        if (!strcmp(r->policy[i]->name, name))
            return r->policy[i];
    return NULL;
}

void align_registry_names(const AlignRegistry *r, char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = 0;
    for (int i = 0; i < r->n; i++) {
        int w = snprintf(buf + len, n - len, "%s%s", i ? ", " : "", r->policy[i]->name);
        if (w < 0 || (size_t)w >= n - len)
            break;
        len += (size_t)w;
    }
}

/* ---- the runtime's parameters, taken by every policy ------------------ */

/* catch-up is a choice, not a AlignParam: its values are these names. */
static const char *const catch_up_names[] = { "warn", "bounded", "forgive" };
#define N_CATCH_UP_MODES (int)(sizeof catch_up_names / sizeof catch_up_names[0])
#define CATCH_UP_DEFAULT ALIGN_CATCHUP_WARN
static const char catch_up_help[] =
    "lateness: warn (make all up), bounded (at most the limit), forgive (after the limit)";

const char *align_catch_up_name(int mode)
{
    return mode >= 0 && mode < N_CATCH_UP_MODES ? catch_up_names[mode] : "?";
}

void align_common_format(const AlignCommon *c, char *buf, size_t n)
{
    snprintf(buf, n, "dry-run=%s,catch-up=%s,catch-up-limit=%lld,speed=%.10g",
             c->dry_run ? "on" : "off", align_catch_up_name(c->catch_up),
             (long long)(c->catch_up_limit_ns / 1000), c->speed);
}

typedef struct CommonParams {
    bool dry_run;
    int64_t limit;
    double speed;
} CommonParams;

static const AlignParam common_params[] = {
    { "dry-run", ALIGN_PARAM_BOOL, "off", 0, 1, offsetof(CommonParams, dry_run),
      "do every clock read and computation but never sleep or spin (bookkeeping cost)" },
    { "catch-up-limit", ALIGN_PARAM_DURATION, "100000", 0, 1e12, offsetof(CommonParams, limit),
      "bounded: most lateness made up; forgive: oldest lateness kept; warn: lateness warned about" },
    { "speed", ALIGN_PARAM_DOUBLE, "1", 1e-6, 1e6, offsetof(CommonParams, speed),
      "the guest runs at this many times real time" },
    { 0 }
};
static const AlignPolicy common_table = {
    ALIGN_POLICY_HEADER, .name = "align-policy", .description = "runtime parameters",
    .params = common_params, .params_size = sizeof(CommonParams),
};

void align_common_defaults(AlignCommon *c)
{
    /* From the table's default texts, so that the defaults both help
     * listings print are the ones a run gets. */
    CommonParams cp;
    char err[ALIGN_ERR_LEN];
    if (align_params_parse(&common_table, NULL, &cp, err, sizeof err) < 0)
        abort();          /* a malformed constant in common_params */
    *c = (AlignCommon){ .dry_run = cp.dry_run, .catch_up = CATCH_UP_DEFAULT,
                       .catch_up_limit_ns = cp.limit, .speed = cp.speed };
}

/* Takes key=val (key already split) if it is a runtime parameter: 1 taken,
 * 0 not one, -1 error. */
static int common_param(const AlignPolicy *p, const char *key, const char *val, AlignCommon *c,
                        char *err, size_t n)
{
    if (!strcmp(key, "catch-up")) {
        for (int i = 0; i < N_CATCH_UP_MODES; i++)
            if (!strcmp(val, catch_up_names[i])) {
                c->catch_up = i;
                return 1;
            }
        snprintf(err, n, "%s: catch-up must be warn, bounded or forgive, not '%s'", p->name, val);
        return -1;
    }
    const AlignParam *d = common_params;
    while (d->name && strcmp(d->name, key))
        d++;
    if (!d->name)
        return 0;
    CommonParams cp = { c->dry_run, c->catch_up_limit_ns, c->speed };
    char sub[ALIGN_ERR_LEN];
    if (parse_value(&common_table, d, val, &cp, sub, sizeof sub) < 0) {
        snprintf(err, n, "%s: %s", p->name, strchr(sub, ' ') ? strchr(sub, ' ') + 1 : sub);
        return -1;
    }
    c->dry_run = cp.dry_run;
    c->catch_up_limit_ns = cp.limit;
    c->speed = cp.speed;
    return 1;
}

/* Splits the runtime's keys out of kv into common; the rest goes to rest. */
static int split_common(const AlignPolicy *p, const char *kv, AlignCommon *common, char *rest,
                        size_t rest_len, char *err, size_t n)
{
    rest[0] = 0;
    if (!kv || !*kv)
        return 0;
    char *copy = strdup(kv);
    if (!copy) {
        snprintf(err, n, "out of memory");
        return -1;
    }
    int rc = 0;
    size_t len = 0;
    for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '=');
        int taken = 0;
        if (eq) {
            *eq = 0;
            taken = common_param(p, tok, eq + 1, common, err, n);
            *eq = '=';
        }
        if (taken < 0) {
            rc = -1;
            break;
        }
        if (!taken) {
            int w = snprintf(rest + len, rest_len - len, "%s%s", len ? "," : "", tok);
            if (w > 0 && (size_t)w < rest_len - len)
                len += (size_t)w;
        }
    }
    free(copy);
    return rc;
}

int align_spec_parse(const AlignRegistry *r, const char *spec, const AlignPolicy **policy,
                    void **params, char *err, size_t n)
{
    return align_spec_parse_common(r, spec, policy, params, NULL, err, n);
}

int align_spec_parse_common(const AlignRegistry *r, const char *spec, const AlignPolicy **policy,
                           void **params, AlignCommon *common, char *err, size_t n)
{
    *policy = NULL;
    *params = NULL;
    const char *comma = strchr(spec, ',');
    size_t len = comma ? (size_t)(comma - spec) : strlen(spec);
    char name[80];
    if (len >= sizeof name)
        len = sizeof name - 1;
    memcpy(name, spec, len);
    name[len] = 0;
    const AlignPolicy *p = align_registry_find(r, name);
    if (!p) {
        char names[512];
        align_registry_names(r, names, sizeof names);
        snprintf(err, n, "unknown policy '%s' (valid: %s; 'help' lists parameters)", name, names);
        return -1;
    }
    void *buf = calloc(1, p->params_size ? p->params_size : 1);
    if (!buf) {
        snprintf(err, n, "out of memory");
        return -1;
    }
    AlignCommon cm;
    align_common_defaults(&cm);
    char rest[1024];
    if (split_common(p, comma ? comma + 1 : NULL, &cm, rest, sizeof rest, err, n) < 0 ||
        align_params_parse(p, rest, buf, err, n) < 0) {
        free(buf);
        return -1;
    }
    if (common)
        *common = cm;
    *policy = p;
    *params = buf;
    return 0;
}

int align_registry_load_plugin(AlignRegistry *r, const char *path, char *err, size_t n)
{
    if (r->n_dl == ALIGN_MAX_PLUGINS) {
        snprintf(err, n, "%s: too many plugins (at most %d)", path, ALIGN_MAX_PLUGINS);
        return -1;
    }
    /* A name without a slash would be searched in the library path. */
    char local[4096];
    if (!strchr(path, '/'))
        snprintf(local, sizeof local, "./%s", path);
    else
        snprintf(local, sizeof local, "%s", path);
    void *h = dlopen(local, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        snprintf(err, n, "cannot load plugin: %s", e ? e : path);
        return -1;
    }
    const AlignPolicy *p = dlsym(h, ALIGN_POLICY_SYMBOL);
    if (!p) {
        snprintf(err, n, "%s: no '%s' symbol (see policies/template_plugin.c)", path,
                 ALIGN_POLICY_SYMBOL);
        dlclose(h);
        return -1;
    }
    char sub[ALIGN_ERR_LEN];
    if (p->abi_version != ALIGN_POLICY_ABI_VERSION) {
        snprintf(err, n, "%s: policy ABI version %u, this emulator needs %u; rebuild the plugin",
                 path, p->abi_version, ALIGN_POLICY_ABI_VERSION);
        dlclose(h);
        return -1;
    }
    if (align_registry_add(r, p, path, sub, sizeof sub) < 0) {
        snprintf(err, n, "%s: %s", path, sub);
        dlclose(h);
        return -1;
    }
    r->dl[r->n_dl++] = h;
    return 0;
}

void align_registry_free(AlignRegistry *r)
{
    for (int i = 0; i < r->n_dl; i++)
        dlclose(r->dl[i]);
    *r = (AlignRegistry){0};
}

static bool is_plugin(const AlignRegistry *r, int i)
{
    return strcmp(r->origin[i], "built-in") != 0;
}

static void param_line(FILE *f, const char *name, const char *def, const char *type,
                       const char *help)
{
    char kv[80];
    snprintf(kv, sizeof kv, "%s=%s", name, def);
    fprintf(f, "      %-24s %-5s %s\n", kv, type, help);
}

void align_registry_help(const AlignRegistry *r, FILE *f)
{
    fprintf(f, "Alignment policies (-align-policy NAME[,key=value...]; plugins with "
               "-align-policy-plugin PATH.so; help=json for programs):\n");
    for (int i = 0; i < r->n; i++) {
        const AlignPolicy *p = r->policy[i];
        fprintf(f, "\n  %-15s %s%s%s%s\n", p->name, p->description,
                is_plugin(r, i) ? " [plugin " : "", is_plugin(r, i) ? r->origin[i] : "",
                is_plugin(r, i) ? "]" : "");
        for (const AlignParam *d = p->params; d && d->name; d++)
            param_line(f, d->name, d->def, type_name(d->type), d->help);
        if (!p->params || !p->params->name)
            fprintf(f, "      (no parameters)\n");
    }
    fprintf(f, "\n  Every policy also takes the runtime's parameters:\n");
    for (const AlignParam *d = common_params; d->name; d++)
        param_line(f, d->name, d->def, type_name(d->type), d->help);
    param_line(f, "catch-up", catch_up_names[CATCH_UP_DEFAULT], "enum", catch_up_help);
    fprintf(f, "\n`-icount shift=N,align=on` alone selects start-only.\n");
}

static void json_strings(JsonWriter *w, const char *key, const char *const *s, size_t n)
{
    json_key(w, key);
    json_array_begin(w);
    for (size_t i = 0; i < n; i++)
        json_string(w, s[i]);
    json_array_end(w);
}

/* One parameter as parse_value() reads it: the bounds apply to numbers and
 * durations (in us), the spellings to booleans. */
static void param_json(JsonWriter *w, const AlignParam *d)
{
    json_object_begin(w);
    json_key(w, "name");
    json_string(w, d->name);
    json_key(w, "type");
    json_string(w, type_name(d->type));
    json_key(w, "default");
    json_string(w, d->def);
    if (d->type == ALIGN_PARAM_BOOL) {
        json_strings(w, "true", bool_yes, N_BOOL_SPELLINGS);
        json_strings(w, "false", bool_no, N_BOOL_SPELLINGS);
        json_key(w, "ignore_case");
        json_bool(w, true);
    } else {
        json_key(w, "min");
        json_number(w, d->min);
        json_key(w, "max");
        json_number(w, d->max);
        json_key(w, "integer");
        json_bool(w, d->type != ALIGN_PARAM_DOUBLE);
    }
    if (d->type == ALIGN_PARAM_DURATION) {
        json_key(w, "unit");
        json_string(w, "us");
        json_key(w, "units");            /* suffix: ns in one */
        json_object_begin(w);
        for (size_t i = 0; i < N_DURATION_UNITS; i++)
            if (*duration_units[i].unit) {
                json_key(w, duration_units[i].unit);
                json_int(w, duration_units[i].mul);
            }
        json_object_end(w);
    }
    json_key(w, "help");
    json_string(w, d->help);
    json_object_end(w);
}

void align_registry_help_json(const AlignRegistry *r, FILE *f)
{
    JsonWriter w;
    json_init(&w, f);
    json_object_begin(&w);
    json_key(&w, "format");
    json_string(&w, "driftlab-align-policies");
    json_key(&w, "version");
    json_int(&w, 1);
    json_key(&w, "policy_abi_version");
    json_int(&w, ALIGN_POLICY_ABI_VERSION);
    json_key(&w, "icount_shift");
    json_object_begin(&w);
    json_key(&w, "min");
    json_int(&w, 0);
    json_key(&w, "max");
    json_int(&w, ICOUNT_MAX_SHIFT);
    json_object_end(&w);

    json_key(&w, "runtime_params");
    json_array_begin(&w);
    for (const AlignParam *d = common_params; d->name; d++)
        param_json(&w, d);
    json_object_begin(&w);
    json_key(&w, "name");
    json_string(&w, "catch-up");
    json_key(&w, "type");
    json_string(&w, "enum");
    json_key(&w, "default");
    json_string(&w, catch_up_names[CATCH_UP_DEFAULT]);
    json_strings(&w, "values", catch_up_names, N_CATCH_UP_MODES);
    json_key(&w, "help");
    json_string(&w, catch_up_help);
    json_object_end(&w);
    json_array_end(&w);

    json_key(&w, "policies");
    json_array_begin(&w);
    for (int i = 0; i < r->n; i++) {
        const AlignPolicy *p = r->policy[i];
        json_object_begin(&w);
        json_key(&w, "name");
        json_string(&w, p->name);
        json_key(&w, "description");
        json_string(&w, p->description);
        json_key(&w, "origin");
        json_string(&w, r->origin[i]);
        json_key(&w, "plugin");
        json_bool(&w, is_plugin(r, i));
        json_key(&w, "params");
        json_array_begin(&w);
        for (const AlignParam *d = p->params; d && d->name; d++)
            param_json(&w, d);
        json_array_end(&w);
        json_object_end(&w);
    }
    json_array_end(&w);
    json_object_end(&w);
    json_finish(&w);
}
