/*
 * The machine as the human monitor sees it: the commands' target callbacks,
 * the clocks `info jit` reports, and what stop/cont do to those clocks.
 * Everything here runs on the vCPU thread, between TBs.
 */
#include "machine.h"
#include "arm/cpu.h"
#include "drift_hist.h"
#include "hostclock.h"
#include "hw/versatilepb.h"
#include "monitor.h"
#include "record/record.h"
#include "align/session.h"
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* QEMU's cpu_get_clock(): host time since the run started, without the
 * time spent stopped. */
static int64_t vm_host_ns(const Machine *m)
{
    int64_t now = host_monotonic_ns();
    int64_t stopped = m->stopped_ns + (m->stopped ? now - m->stop_t0_ns : 0);
    return now - m->run_t0_ns - stopped;
}

void machine_drift(Machine *m, MonitorDrift *d)
{
    d->icount = m->cfg.icount;
    d->align = m->ic.align;
    d->host_minus_guest_ns = vm_host_ns(m) - icount_vclock_ns(&m->ic);
    d->max_delay_ns = m->max_delay_ns;
    d->max_advance_ns = m->max_advance_ns;
}

void machine_sample_drift(Machine *m)
{
    int64_t advance = icount_vclock_ns(&m->ic) - vm_host_ns(m);
    if (advance > m->max_advance_ns)
        m->max_advance_ns = advance;
    if (-advance > m->max_delay_ns)
        m->max_delay_ns = -advance;
    if (m->entry_drift)
        drift_hist_add(m->entry_drift, advance);
}

static void mon_drift(void *opaque, MonitorDrift *d) { machine_drift(opaque, d); }

/* QEMU's block lists its code buffer and hash table; ours are counters of
 * a different TB cache, under names that say what they count. */
static void mon_jit_stats(void *opaque, MonBuf *out)
{
    Machine *m = opaque;
    const ArmCPUStats *s = arm_cpu_stats(m->cpu);
    monbuf_printf(out, "Translation buffer state:\n");
    monbuf_printf(out, "TBs translated      %llu\n", (unsigned long long)s->tbs_translated);
    monbuf_printf(out, "TBs executed        %llu\n", (unsigned long long)s->tbs_executed);
    monbuf_printf(out, "\nStatistics:\n");
    monbuf_printf(out, "TB flush count      %llu\n", (unsigned long long)s->cache_flushes);
    monbuf_printf(out, "TB invalidate count %llu\n", (unsigned long long)s->tbs_invalidated);
    monbuf_printf(out, "io recompiles       %llu\n", (unsigned long long)s->io_recompiles);
    monbuf_printf(out, "loop exits          %llu\n", (unsigned long long)s->loop_exits);
    monbuf_printf(out, "instructions        %lld\n", (long long)icount_raw(&m->ic));
}

/* Text a function writes to a FILE, appended to out. */
static void put_text(MonBuf *out, void (*write)(void *, FILE *), void *arg)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f) {
        monbuf_printf(out, "out of memory\n");
        return;
    }
    write(arg, f);
    fclose(f);
    monbuf_append(out, text, len);
    free(text);
}

static void write_registers(void *m, FILE *f) { arm_cpu_dump_state(((Machine *)m)->cpu, f); }
static void write_policy_help(void *m, FILE *f) { align_session_policy_help(((Machine *)m)->session, f); }

static void mon_registers(void *opaque, MonBuf *out)
{
    Machine *m = opaque;
    put_text(out, write_registers, m);
    /* QEMU dumps the FPU too (CPU_DUMP_FPU); for its arm926 that is FPSCR
     * alone (its ID registers advertise no D registers to list). */
    monbuf_printf(out, "FPSCR: %08x\n", arm_cpu_get_vfp_sysreg(m->cpu, 1));
}

static int mon_set_speed(void *opaque, double ratio, MonBuf *out)
{
    Machine *m = opaque;
    if (align_session_set_speed(m->session, ratio) < 0) {
        monbuf_printf(out, "align speed: no alignment policy is running (use -align-policy, "
                      "or wait for the region of interest)\n");
        return -1;
    }
    monbuf_printf(out, "align speed: the guest now runs at %g x real time\n", ratio);
    return 0;
}

/* `align policy SPEC`: between TBs, on the vCPU thread. */
static int mon_set_policy(void *opaque, const char *spec, MonBuf *out)
{
    Machine *m = opaque;
    if (!strcmp(spec, "help")) {
        put_text(out, write_policy_help, m);
        return 0;
    }
    char err[ALIGN_ERR_LEN];
    if (align_session_set_policy(m->session, spec, err, sizeof err) < 0) {
        monbuf_printf(out, "align policy: %s\n", err);
        return -1;
    }
    m->ic.align = align_session_aligning(m->session);
    AlignStatus st;
    if (align_session_status(m->session, &st))
        monbuf_printf(out, "align policy: now %s%s%s (%s)\n", st.policy,
                      *st.policy_params ? "," : "", st.policy_params, st.runtime_params);
    return 0;
}

/* `info align` is a list for scripts: one `name value` line each, the name
 * without blanks in the first 19 columns, the same lines in the same order
 * in every run, NA where a figure does not apply. docs/monitor.md lists
 * them. */
static void put_str(MonBuf *out, const char *name, const char *v)
{
    monbuf_printf(out, "%-19s %s\n", name, v && *v ? v : "-");
}

static void put_i64(MonBuf *out, const char *name, bool ok, int64_t v)
{
    if (ok)
        monbuf_printf(out, "%-19s %" PRId64 "\n", name, v);
    else
        monbuf_printf(out, "%-19s NA\n", name);
}

/* Drift quantiles: the drift monitor's samples (time-uniform, the record's
 * summary figures so far) when it runs, else the loop-entry samples of the
 * max delay/advance lines. */
static void put_drift(Machine *m, MonBuf *out)
{
    DriftSummary d;
    double rate;
    char src[48];
    int64_t n = 0, p50 = 0, ap50 = 0, ap99 = 0, amax = 0;
    if (align_session_drift(m->session, &d, &rate)) {
        snprintf(src, sizeof src, "monitor-%gHz", rate);
        n = d.n;
        p50 = llround(d.p50);
        ap50 = llround(d.abs_p50);
        ap99 = llround(d.abs_p99);
        amax = d.abs_max;
    } else if (m->entry_drift && m->entry_drift->n) {
        snprintf(src, sizeof src, "loop-entries");
        n = m->entry_drift->n;
        p50 = drift_hist_quantile(m->entry_drift, 0.5);
        ap50 = drift_hist_abs_quantile(m->entry_drift, 0.5);
        ap99 = drift_hist_abs_quantile(m->entry_drift, 0.99);
        amax = drift_hist_abs_max(m->entry_drift);
    } else {
        snprintf(src, sizeof src, "none");
    }
    put_str(out, "drift_source", src);
    put_i64(out, "drift_samples", true, n);
    put_i64(out, "drift_p50_ns", n > 0, p50);
    put_i64(out, "abs_drift_p50_ns", n > 0, ap50);
    put_i64(out, "abs_drift_p99_ns", n > 0, ap99);
    put_i64(out, "abs_drift_max_ns", n > 0, amax);
}

static void mon_align_info(void *opaque, MonBuf *out)
{
    Machine *m = opaque;
    AlignStatus st = { 0 };
    bool on = align_session_status(m->session, &st);
    const char *name = on ? st.policy : align_session_policy_name(m->session);
    MonitorDrift d;
    machine_drift(m, &d);
    const AlignCounters *c = &st.n;

    put_str(out, "policy", name ? name : "none");
    put_str(out, "policy_params", on ? st.policy_params : "NA");
    put_str(out, "runtime_params", on ? st.runtime_params : "NA");
    put_i64(out, "policy_changes", on, st.policy_changes);
    put_str(out, "aligning", m->ic.align ? "yes" : "no");
    put_i64(out, "shift", true, m->ic.shift);
    put_str(out, "shift_auto", m->ic.adaptive ? "yes" : "no");
    if (on)
        monbuf_printf(out, "%-19s %.10g\n", "speed", st.common.speed);
    else
        put_str(out, "speed", "NA");
    put_i64(out, "host_minus_guest_ns", true, d.host_minus_guest_ns);
    put_i64(out, "max_delay_ns", d.align, d.max_delay_ns);
    put_i64(out, "max_advance_ns", d.align, d.max_advance_ns);
    put_i64(out, "stopped_ns", true,
            m->stopped_ns + (m->stopped ? host_monotonic_ns() - m->stop_t0_ns : 0));
    put_drift(m, out);

    /* catch-up: the runtime's schedule and what it forgave */
    put_str(out, "catch_up", on ? align_catch_up_name(st.common.catch_up) : "NA");
    put_i64(out, "catch_up_limit_ns", on, st.common.catch_up_limit_ns);
    put_i64(out, "schedule_advance_ns", on, st.now.advance_ns);
    put_i64(out, "catch_up_owed_ns", on, st.now.advance_ns < 0 ? -st.now.advance_ns : 0);
    put_i64(out, "late_for_ns", on && st.late_for_ns >= 0, st.late_for_ns);
    put_i64(out, "forgiven", on, c->forgiven);
    put_i64(out, "forgiven_ns", on, c->forgiven_ns);
    put_i64(out, "schedule_offset_ns", on, st.schedule_offset_ns);
    put_i64(out, "catchup_warnings", on, c->catchup_warnings);
    put_i64(out, "late_checks", on, c->late_checks);
    put_i64(out, "max_late_ns", on, c->max_late_ns);

    /* bookkeeping: the policy's calls, clock reads and code */
    put_i64(out, "loop_entries", on, c->entries);
    put_i64(out, "align_calls", on, c->calls);
    put_i64(out, "loop_exit_calls", on, c->exit_calls);
    put_i64(out, "host_clock_reads", on, c->host_reads);
    put_i64(out, "clock_read_cost_ns", on, st.clock_read_cost_ns);
    put_i64(out, "clock_reads_ns", on, c->host_reads * st.clock_read_cost_ns);
    put_i64(out, "policy_code_ns", on, llround(st.policy_code_ns));

    /* pacing: waits, their lateness and their CPU time */
    put_i64(out, "sleeps", on, c->sleeps);
    put_i64(out, "sleep_requested_ns", on, c->sleep_req_ns);
    put_i64(out, "sleep_actual_ns", on, c->sleep_act_ns);
    put_i64(out, "wake_late_ns", on, c->wake_late_ns);
    put_i64(out, "wake_late_max_ns", on, c->wake_late_max_ns);
    put_i64(out, "host_stalls", on, c->host_stalls);
    put_i64(out, "host_stall_ns", on, c->host_stall_ns);
    put_i64(out, "spins", on, c->spins);
    put_i64(out, "spin_ns", on, c->spin_ns);
    put_i64(out, "pacing_cpu_ns", on, c->wait_cpu_ns);
    put_i64(out, "dry_waits", on, c->dry_waits);
    put_i64(out, "dry_wait_ns", on, c->dry_wait_ns);
}

static void mon_kick(void *opaque)
{
    Machine *m = opaque;
    arm_cpu_kick(m->cpu);
}

static void mon_on_stop(void *opaque)
{
    Machine *m = opaque;
    m->stopped = true;
    m->stop_t0_ns = host_monotonic_ns();
    align_session_host_stop(m->session);
    versatilepb_flush(m->board);     /* what the guest printed so far is visible */
}

/* QEMU stops its virtual clock and VIRTUAL_RT while stopped: neither the
 * guest, nor shift=auto, nor the alignment policy sees the stopped time. The
 * guest's clock is instructions, so it stops by itself; the host-side
 * references are moved on by the stop's length. */
static void mon_on_cont(void *opaque)
{
    Machine *m = opaque;
    int64_t stopped_ns = host_monotonic_ns() - m->stop_t0_ns;
    m->stopped = false;
    m->stopped_ns += stopped_ns;
    m->ic.stopped_ns += stopped_ns;
    align_session_host_stopped(m->session, stopped_ns);
}

static bool mon_interrupted(void *opaque)
{
    Machine *m = opaque;
    return m->stop_signal != 0;
}

int machine_monitor_open(Machine *m)
{
    if (m->cfg.monitor.kind == MONITOR_NONE)
        return 0;
    MonitorHooks h = {
        .target = {
            .opaque = m,
            .drift = mon_drift,
            .jit_stats = mon_jit_stats,
            .registers = mon_registers,
            .align_info = mon_align_info,
            .set_speed = mon_set_speed,
            .set_policy = mon_set_policy,
        },
        .kick = mon_kick,
        .on_stop = mon_on_stop,
        .on_cont = mon_on_cont,
        .interrupted = mon_interrupted,
        .opaque = m,
    };
    m->entry_drift = malloc(sizeof *m->entry_drift);
    if (!m->entry_drift) {
        fprintf(stderr, "emu-arm: out of memory\n");
        return -1;
    }
    drift_hist_init(m->entry_drift);
    char err[300];
    m->mon = monitor_create(&m->cfg.monitor, &h, m->cfg.start_stopped, err, sizeof err);
    if (!m->mon) {
        fprintf(stderr, "emu-arm: %s\n", err);
        return -1;
    }
    /* -S: stopped from the start of the run (machine_run sets the time). */
    m->stopped = m->cfg.start_stopped;
    return 0;
}
