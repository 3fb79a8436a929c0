/*
 * The machine as the human monitor sees it: the commands' target callbacks,
 * the clocks `info jit` reports, and what stop/cont do to those clocks.
 * Everything here runs on the vCPU thread, between TBs.
 */
#include "machine.h"
#include "arm/cpu.h"
#include "hostclock.h"
#include "hw/versatilepb.h"
#include "monitor.h"
#include "sync/session.h"
#include <stdlib.h>

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

static void mon_registers(void *opaque, MonBuf *out)
{
    Machine *m = opaque;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f) {
        monbuf_printf(out, "out of memory\n");
        return;
    }
    arm_cpu_dump_state(m->cpu, f);
    fclose(f);
    monbuf_append(out, text, len);
    free(text);
    /* QEMU dumps the FPU too (CPU_DUMP_FPU); for its arm926 that is FPSCR
     * alone (its ID registers advertise no D registers to list). */
    monbuf_printf(out, "FPSCR: %08x\n", arm_cpu_get_vfp_sysreg(m->cpu, 1));
}

static int mon_set_speed(void *opaque, double ratio, MonBuf *out)
{
    Machine *m = opaque;
    if (sync_session_set_speed(m->sync, ratio) < 0) {
        monbuf_printf(out, "align speed: no alignment policy is running (use -align-policy, "
                      "or wait for the region of interest)\n");
        return -1;
    }
    monbuf_printf(out, "align speed: the guest now runs at %g x real time\n", ratio);
    return 0;
}

static void mon_align_info(void *opaque, MonBuf *out)
{
    Machine *m = opaque;
    const char *name = sync_session_policy_name(m->sync);
    MonitorDrift d;
    machine_drift(m, &d);
    monbuf_printf(out, "policy              %s\n", name ? name : "none");
    monbuf_printf(out, "aligning            %s\n", m->ic.align ? "yes" : "no");
    monbuf_printf(out, "shift               %d%s\n", m->ic.shift, m->ic.adaptive ? " (auto)" : "");
    monbuf_printf(out, "host - guest        %.3f ms\n", d.host_minus_guest_ns / 1e6);
    if (d.align) {
        monbuf_printf(out, "max delay (entries) %.3f ms\n", d.max_delay_ns / 1e6);
        monbuf_printf(out, "max advance         %.3f ms\n", d.max_advance_ns / 1e6);
    }
    monbuf_printf(out, "stopped             %.3f ms\n",
                  (m->stopped_ns + (m->stopped ? host_monotonic_ns() - m->stop_t0_ns : 0)) / 1e6);
    const SyncCounters *c = sync_session_counters(m->sync);
    if (c) {
        monbuf_printf(out, "loop entries        %lld\n", (long long)c->entries);
        monbuf_printf(out, "policy calls        %lld\n", (long long)c->calls);
        monbuf_printf(out, "host clock reads    %lld\n", (long long)c->host_reads);
        monbuf_printf(out, "sleeps              %lld (requested %.3f ms, slept %.3f ms)\n",
                      (long long)c->sleeps, c->sleep_req_ns / 1e6, c->sleep_act_ns / 1e6);
        monbuf_printf(out, "spins               %lld (%.3f ms)\n", (long long)c->spins,
                      c->spin_ns / 1e6);
    }
    monbuf_printf(out, "drift quantiles, overhead parts, catch-up state: not available yet "
                  "in emu-arm (they come with the new alignment runtime)\n");
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
    sync_session_host_stopped(m->sync, stopped_ns);
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
        },
        .kick = mon_kick,
        .on_stop = mon_on_stop,
        .on_cont = mon_on_cont,
        .interrupted = mon_interrupted,
        .opaque = m,
    };
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
