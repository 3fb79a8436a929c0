/* stress-cpu: integer and memory churn, like `stress --cpu N --vm M`.
 *
 * N CPU workers (integer kernels: square roots, hashing, CRC, division; the
 * kernel of worker i is i mod 4) and M VM workers (malloc vm_bytes, write a
 * word every vm_stride bytes, read it all back and check, free; vm_loops
 * times) run round-robin in chunks on one CPU. With tick_us > 0 an SP804
 * TIMER0 interrupt every tick_us decides when the next worker gets the CPU
 * (preemption at chunk boundaries), else every chunk switches.
 *
 * -append parameters (defaults):
 *   cpu=N (2)  iters=N iterations per CPU worker (200000)  chunk=N (256)
 *   vm=M (1)  vm_bytes=BYTES (256k)  vm_stride=BYTES (64)  vm_loops=N (4)
 *   vm_keep=0|1 (0: free and malloc again every loop)  tick_us=N (0)
 *   clock=ctr24|sp804 (ctr24)
 *
 * Output: one line per worker, then "result workload=stress-cpu ...". Exits
 * 0, or 3 when a VM worker read back something it did not write. */
#include <stdlib.h>

#include "params.h"
#include "rt.h"
#include "workload.h"

#define MAX_WORKERS 16

static const char *const known[] = {"cpu", "iters", "chunk", "vm", "vm_bytes", "vm_stride",
                                    "vm_loops", "vm_keep", "tick_us", "clock", NULL};
static const char *const clocks[] = {"ctr24", "sp804", NULL};

enum { VM_ALLOC, VM_WRITE, VM_CHECK, VM_FREE };

typedef struct {
    int is_vm;
    uint32_t left;              /* cpu: iterations; vm: loops */
    uint32_t state;             /* cpu kernel state / vm pattern seed */
    uint32_t slices, done_ops;
    uint32_t ticks;             /* virtual time spent running */
    /* vm */
    int phase;
    uint8_t *mem;
    uint32_t pos, errors, loop;
} worker;

static worker w[MAX_WORKERS];
static volatile uint32_t tick_count;
static volatile uint32_t want_switch;

static void tick_isr(void)
{
    if (REG32(TIMER0_BASE + TIMER_MIS) & 1) {
        rt_timer0_clear();
        tick_count++;
        want_switch = 1;
    }
}

static uint32_t vm_bytes, vm_stride, vm_keep, chunk;

static uint32_t vm_word(const worker *x, uint32_t off)
{
    return (off * 0x9e3779b1u) ^ x->state ^ (x->loop << 24);
}

/* one chunk of VM work: up to `chunk` strides */
static void vm_step(worker *x)
{
    switch (x->phase) {
    case VM_ALLOC:
        if (!x->mem)
            x->mem = malloc(vm_bytes);
        if (!x->mem) {
            rt_printf("stress-cpu: malloc(%u) failed\n", vm_bytes);
            exit(4);
        }
        x->pos = 0;
        x->phase = VM_WRITE;
        break;
    case VM_WRITE:
        for (uint32_t i = 0; i < chunk && x->pos + 4 <= vm_bytes; i++, x->pos += vm_stride)
            *(volatile uint32_t *)(x->mem + x->pos) = vm_word(x, x->pos);
        if (x->pos + 4 > vm_bytes) {
            x->pos = 0;
            x->phase = VM_CHECK;
        }
        break;
    case VM_CHECK:
        for (uint32_t i = 0; i < chunk && x->pos + 4 <= vm_bytes; i++, x->pos += vm_stride) {
            if (*(volatile uint32_t *)(x->mem + x->pos) != vm_word(x, x->pos))
                x->errors++;
            x->done_ops++;
        }
        if (x->pos + 4 > vm_bytes)
            x->phase = VM_FREE;
        break;
    default:
        if (!vm_keep) {
            free(x->mem);
            x->mem = NULL;
        }
        x->loop++;
        x->left--;
        x->phase = VM_ALLOC;
        break;
    }
}

int main(void)
{
    params_init("stress-cpu", known);
    uint32_t ncpu = param_u32_range("cpu", 2, 0, MAX_WORKERS);
    uint32_t iters = param_u32("iters", 200000);
    chunk = param_u32_range("chunk", 256, 1, 1u << 20);
    uint32_t nvm = param_u32_range("vm", 1, 0, MAX_WORKERS);
    vm_bytes = param_u32_range("vm_bytes", 256u << 10, 4, 64u << 20);
    vm_stride = param_u32_range("vm_stride", 64, 4, 1u << 24);
    uint32_t vm_loops = param_u32("vm_loops", 4);
    vm_keep = param_u32_range("vm_keep", 0, 0, 1);
    uint32_t tick_us = param_u32_range("tick_us", 0, 0, 1000000);
    int clock = param_choice("clock", clocks, VCLOCK_CTR24);
    uint32_t n = ncpu + nvm;
    if (n == 0 || n > MAX_WORKERS)
        param_fail("need 1..%u workers in all (cpu=%u vm=%u)", MAX_WORKERS, ncpu, nvm);
    if (vm_stride % 4)
        param_fail("vm_stride must be a multiple of 4");

    rt_printf("stress-cpu: cpu=%u iters=%u chunk=%u vm=%u vm_bytes=%u vm_stride=%u "
              "vm_loops=%u vm_keep=%u tick_us=%u clock=%s\n", ncpu, iters, chunk, nvm, vm_bytes,
              vm_stride, vm_loops, vm_keep, tick_us, clocks[clock]);

    for (uint32_t i = 0; i < n; i++) {
        w[i].is_vm = i >= ncpu;
        w[i].left = w[i].is_vm ? vm_loops : iters;
        w[i].state = 0x12345678u + i * 0x01000193u;
    }

    vclock_init(clock);
    if (tick_us) {
        rt_irq_set_handler(VIC_LINE_TIMER01, tick_isr);
        rt_vic_enable(VIC_LINE_TIMER01);
        REG32(TIMER0_BASE + TIMER_CTRL) = 0;
        REG32(TIMER0_BASE + TIMER_INTCLR) = 1;
        REG32(TIMER0_BASE + TIMER_LOAD) = tick_us - (tick_us > 1);
        REG32(TIMER0_BASE + TIMER_CTRL) = TIMER_CTRL_ENABLE | TIMER_CTRL_PERIODIC |
                                          TIMER_CTRL_INTEN | TIMER_CTRL_32BIT;
        rt_irq_enable();
    }

    uint32_t cur = 0, live = n, switches = 0;
    uint32_t t0 = vclock_now();
    while (live) {
        worker *x = &w[cur];
        uint32_t s0 = vclock_now();
        x->slices++;
        /* run the current worker until it finishes, or until the timer (or,
         * without one, the end of the chunk) says to switch */
        do {
            if (x->is_vm) {
                vm_step(x);
            } else {
                uint32_t k = x->left < chunk ? x->left : chunk;
                wl_cpu_kernel(cur, &x->state, k);
                x->left -= k;
                x->done_ops += k;
            }
        } while (x->left && tick_us && !want_switch);
        want_switch = 0;
        x->ticks += vclock_now() - s0;
        if (!x->left)
            live--;
        if (live) {
            uint32_t next = cur;
            do
                next = (next + 1) % n;
            while (!w[next].left);
            if (next != cur)
                switches++;
            cur = next;
        }
    }
    uint32_t elapsed = vclock_now() - t0;
    if (tick_us) {
        rt_irq_disable();
        rt_timer0_stop();
        rt_vic_disable(VIC_LINE_TIMER01);
    }

    uint32_t csum = 0x811c9dc5u, errors = 0;
    uint64_t cpu_ops = 0, vm_touched = 0;
    for (uint32_t i = 0; i < n; i++) {
        worker *x = &w[i];
        if (x->is_vm) {
            rt_printf("worker %u vm loops=%u checked=%u errors=%u slices=%u busy_us=", i,
                      x->loop, x->done_ops, x->errors, x->slices);
            errors += x->errors;
            vm_touched += (uint64_t)x->done_ops * 4u;
        } else {
            rt_printf("worker %u cpu kernel=%s iters=%u state=0x%08x slices=%u busy_us=", i,
                      wl_cpu_kernel_name(i), x->done_ops, x->state, x->slices);
            csum = (csum ^ x->state) * 0x01000193u;
            cpu_ops += x->done_ops;
        }
        wl_print_us(vclock_ns(x->ticks));
        rt_putc('\n');
    }
    uint64_t el_ns = vclock_ns(elapsed);
    rt_printf("result workload=stress-cpu cpu=%u vm=%u iters=%u vm_bytes=%u vm_stride=%u "
              "vm_loops=%u tick_us=%u clock=%s elapsed_us=", ncpu, nvm, iters, vm_bytes,
              vm_stride, vm_loops, tick_us, clocks[clock]);
    wl_print_us(el_ns);
    rt_printf(" cpu_ops=%llu cpu_mops=", cpu_ops);
    wl_print_ratio3(cpu_ops * 1000u, el_ns);
    rt_printf(" vm_checked_bytes=%llu ticks=%u switches=%u csum=0x%08x vm_errors=%u status=%s\n",
              vm_touched, tick_count, switches, csum, errors, errors ? "vm-errors" : "ok");
    return errors ? 3 : 0;
}
