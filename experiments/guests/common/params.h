/* Workload parameters from the semihosting command line.
 *
 * SYS_GET_CMDLINE returns "<-kernel path> <-append string>" (QEMU and
 * emu-arm alike); the first token is the kernel path and is skipped, the
 * rest are "key=value" tokens separated by spaces. Values are numbers
 * (decimal, 0x hex, optional k/K = *1024, m/M = *1024*1024 suffix) or words.
 *
 * Bad input never runs a workload with a guessed value: an unknown key, a
 * malformed number or a word that is not one of the choices prints one line
 * "error: <workload>: ..." and the result line "result workload=<workload>
 * status=bad-param" on the UART and exits with status 2. */
#ifndef DRIFTLAB_PARAMS_H
#define DRIFTLAB_PARAMS_H

#include <stdint.h>

/* Reads the command line; every key must be in `known` (NULL-terminated).
 * `workload` names the guest in error messages. */
void params_init(const char *workload, const char *const *known);

/* Raw value of key (points into a static buffer), or NULL when absent. */
const char *param_raw(const char *key);

/* Number with optional k/m suffix; dflt when absent. */
uint32_t param_u32(const char *key, uint32_t dflt);

/* Like param_u32, and the value must lie in [lo, hi]. */
uint32_t param_u32_range(const char *key, uint32_t dflt, uint32_t lo, uint32_t hi);

/* Index of the value in choices (NULL-terminated); dflt when absent. */
int param_choice(const char *key, const char *const *choices, int dflt);

/* Prints "error: <workload>: MSG", the bad-param result line, exits 2. */
void param_fail(const char *fmt, ...) __attribute__((noreturn));

#endif
