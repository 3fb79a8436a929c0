/*
 * The execution loop, after QEMU 7.2's accel/tcg/cpu-exec.c: cpu_exec,
 * cpu_handle_exception, cpu_handle_interrupt, cpu_loop_exec_tb and the
 * icount TB-entry check (gen_tb_start), with the same `-d exec` lines.
 *
 * A TB is entered through its first op; ops tail-call each other and the
 * last one returns an exit code. goto_tb exits follow the cached successor
 * (no log line, like a patched direct jump); goto_ptr exits look the next TB
 * up (logged, like helper_lookup_tb_ptr); other exits return to the loop.
 * The exit handlers (goto_tb, goto_ptr in ops.inc) make the direct jumps
 * themselves; they and this loop enter a block the same way (exec.h).
 * Faults and io-recompiles leave from the middle of a TB with longjmp to the
 * setjmp done once per arm_cpu_exec() call.
 */
#include <stdio.h>
#include "arm/exceptions.h"
#include "arm/exec.h"
#include "arm/tb_cache.h"

/* Direct TB-to-TB jumps before the loop runs again. Handlers tail-call
 * (threaded code); where the compiler does not turn those into jumps (-O1,
 * sanitizers) each chained TB nests its ops' frames, so keep it short. */
#if defined(__SANITIZE_ADDRESS__)
#define DIRECT_CHAIN_MAX 4
#else
#define DIRECT_CHAIN_MAX 32
#endif

static FILE *logf_(ArmCPU *cpu) { return cpu->log->f ? cpu->log->f : stderr; }

static void log_cpu_exec(ArmCPU *cpu, const TB *tb)
{
    if (log_enabled(cpu->log, LOG_EXEC))
        fprintf(logf_(cpu), "Trace 0: %p [%08x/%08x/%08x/%08x] \n", (void *)tb->ops,
                tb_flags_cs_base(tb->flags), tb->pc, tb_flags_qemu(tb->flags),
                tb->cflags);
    if (log_enabled(cpu->log, LOG_CPU))
        arm_cpu_dump_state(cpu, logf_(cpu));
}

static int map_ret(int idx)
{
    switch (idx) {
    case EXCP_HLT:
    case EXCP_HALTED:
        return ARM_EXCP_HLT;
    case EXCP_EXIT_API:
        return ARM_EXCP_EXIT;
    default:
        return ARM_EXCP_INTERRUPT;
    }
}

static bool handle_exception(ArmCPU *cpu, int *ret)
{
    if (cpu->exception_index < 0)
        return false;
    if (cpu->exception_index >= EXCP_INTERRUPT) {
        *ret = map_ret(cpu->exception_index);
        cpu->exception_index = -1;
        return true;
    }
    arm_do_interrupt(cpu);
    cpu->exception_index = -1;
    return false;
}

static bool handle_interrupt(ArmCPU *cpu, TB **last_tb)
{
    if (cpu->cflags_next_tb != -1 && (cpu->cflags_next_tb & CF_NOIRQ))
        return false;
    cpu->icount_decr.u16.high = 0;
    if (unlikely(cpu->interrupt_request)) {
        if (arm_exec_interrupt(cpu, cpu->interrupt_request)) {
            cpu->exception_index = -1;
            *last_tb = NULL;
        }
        if (cpu->interrupt_request & CPU_INTERRUPT_EXITTB) {
            cpu->interrupt_request &= ~CPU_INTERRUPT_EXITTB;
            *last_tb = NULL;
        }
    }
    if (unlikely(cpu->exit_request) ||
        ((cpu->cflags_next_tb == -1 || (cpu->cflags_next_tb & CF_USE_ICOUNT) ||
          cpu->ic->realtime) &&
         cpu->icount_decr.u16.low + cpu->ic->extra == 0)) {
        cpu->exit_request = 0;
        if (cpu->exception_index == -1) {
            cpu->exception_index = cpu->exit_api ? EXCP_EXIT_API : EXCP_INTERRUPT;
            cpu->exit_api = 0;
        }
        return true;
    }
    return false;
}

/* cpu_tb_exec + chained execution + cpu_loop_exec_tb's TB_EXIT_REQUESTED
 * handling. Returns true when the chain ended with an exception raised by
 * an instruction, which QEMU leaves by siglongjmp rather than by returning. */
static __attribute__((noinline)) bool loop_exec_tb(ArmCPU *cpu, TB *tb, TB **last_tb,
                                                  int *tb_exit)
{
    const int chain_max = cpu->cfg.chain == ARM_CHAIN_NONE ? 0 : DIRECT_CHAIN_MAX;
    for (;;) {
        if (unlikely(!tb_try_enter(cpu, tb))) {
            cpu->r[15] = tb->pc;
            if ((int32_t)cpu->icount_decr.u32 >= 0 && icount_tb_entry_stop(cpu->ic, tb->icount))
                continue;     /* only a sync point: invisible to the execution */
            if (log_enabled(cpu->log, LOG_EXEC))
                fprintf(logf_(cpu), "Stopped execution of TB chain before %p [%08x] \n",
                        (void *)tb->ops, tb->pc);
            *last_tb = NULL;
            if ((int32_t)cpu->icount_decr.u32 < 0)
                return false;       /* something asked for an exit */
            int32_t left = icount_refill(cpu->ic);
            if (left > 0 && left < tb->icount)
                cpu->cflags_next_tb = (tb->cflags & ~CF_COUNT_MASK) | (uint32_t)left;
            return false;
        }
        cpu->chain_left = chain_max;
        uint32_t ex = tb_run(cpu, tb);
        tb = (TB *)cpu->cur_tb;     /* the last TB that ran */
        if (likely(ex <= EXIT_GOTO_TB1)) {
            TB *next = tb->jmp_dest[ex];
            if (likely(next && !next->invalid)) {
                if (likely(chain_max)) {
                    tb = next;
                    continue;
                }
                *last_tb = NULL;      /* chaining off: every TB returns to the loop */
                return false;
            }
            tb->jmp_dest[ex] = NULL;
            *last_tb = tb;
            *tb_exit = (int)ex;
            return false;
        }
        switch (ex) {
        case EXIT_GOTO_PTR: {
            if (cpu->cfg.chain != ARM_CHAIN_MODERN) {
                *last_tb = NULL;      /* QEMU 2.1: indirect jumps return to the loop */
                return false;
            }
            TB *next = tb_lookup(cpu, cpu->r[15], cpu->tb_flags, cpu->curr_cflags);
            if (next) {
                if (unlikely(cpu->log && (cpu->log->mask & (LOG_EXEC | LOG_CPU))))
                    log_cpu_exec(cpu, next);
                tb = next;
                continue;
            }
            *last_tb = NULL;
            return false;
        }
        case EXIT_WFI:
            *last_tb = NULL;
            if (arm_cpu_has_work(cpu))
                return false;
            cpu->exception_index = EXCP_HLT;
            cpu->halted = true;
            return false;
        case EXIT_YIELD:
            *last_tb = NULL;
            cpu->exception_index = EXCP_YIELD;
            return false;
        case EXIT_EXC:
            *last_tb = NULL;
            return true;
        default:        /* EXIT_LOOP, EXIT_IO_STOP */
            *last_tb = NULL;
            return false;
        }
    }
}

int arm_cpu_exec(ArmCPU *cpu)
{
    if (cpu->halted) {
        if (!arm_cpu_has_work(cpu))
            return ARM_EXCP_HLT;
        cpu->halted = false;
    }
    cpu->curr_cflags = ARM_CURR_CFLAGS(cpu);
    cpu->ptr_chain = !(cpu->log && (cpu->log->mask & (LOG_EXEC | LOG_CPU))) &&
                     cpu->cfg.chain == ARM_CHAIN_MODERN;

    if (setjmp(cpu->jmp_env) != 0) {
        /* came back from the middle of a TB (fault, io recompile, flush) */
        cpu->io_stop = false;
        cpu->stats.loop_exits++;
        icount_loop_unwound(cpu->ic);
    }
    for (;;) {
        int ret;
        if (handle_exception(cpu, &ret))
            return ret;
        TB *last_tb = NULL;
        int tb_exit = 0;
        for (;;) {
            if (cpu->exception_index >= 0)
                break;
            if (handle_interrupt(cpu, &last_tb))
                break;
            uint32_t pc = cpu->r[15], flags = cpu->tb_flags;
            uint32_t cflags;
            if (cpu->cflags_next_tb == -1) {
                cflags = cpu->curr_cflags;
            } else {
                cflags = (uint32_t)cpu->cflags_next_tb;
                cpu->cflags_next_tb = -1;
            }
            TB *tb = tb_lookup(cpu, pc, flags, cflags);
            if (!tb)
                tb = tb_gen_code(cpu, pc, flags, cflags);
            if (last_tb)
                tb_add_jump(cpu, last_tb, tb_exit, tb);
            if (unlikely(cpu->log && (cpu->log->mask & (LOG_EXEC | LOG_CPU))))
                log_cpu_exec(cpu, tb);
            bool raised = loop_exec_tb(cpu, tb, &last_tb, &tb_exit);
            cpu->stats.loop_exits++;
            if (unlikely(raised))
                icount_loop_unwound(cpu->ic);
            else
                icount_loop_exit(cpu->ic);
        }
    }
}
