#include "machine.h"
#include "arm/cpu.h"
#include "hostclock.h"
#include "hw/versatilepb.h"
#include "monitor.h"
#include "align/session.h"
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* QEMU's semihosting command line: the kernel path, then -append's words. */
static char *build_cmdline(const MachineConfig *cfg)
{
    const char *app = cfg->append ? cfg->append : "";
    char *s = malloc(strlen(cfg->kernel) + strlen(app) + 2);
    if (!s)
        return NULL;
    strcpy(s, cfg->kernel);
    char *copy = strdup(app);
    if (!copy) {
        free(s);
        return NULL;
    }
    for (char *save = NULL, *t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
        strcat(s, " ");
        strcat(s, t);
    }
    free(copy);
    return s;
}

/* The system controller's reset: with -no-reboot the run ends (QEMU's
 * shutdown), otherwise the guest restarts at the next loop iteration. */
static void on_reset_request(void *opaque)
{
    Machine *m = opaque;
    m->reset_requested = true;
    arm_cpu_request_exit(m->cpu);
}

static void on_roi_line(void *opaque, int which, const char *line)
{
    Machine *m = opaque;
    (void)line;
    if ((which == 0 && m->roi == ROI_WAITING) || (which == 1 && m->roi == ROI_IN)) {
        m->roi_pending = which + 1;
        arm_cpu_kick(m->cpu);        /* act at the next TB boundary */
    }
}

static AlignExecStats exec_stats(Machine *m)
{
    AlignExecStats st = { -1, -1 };
    if (m->cpu) {
        st.tbs = (int64_t)arm_cpu_stats(m->cpu)->tbs_executed - m->roi_tbs0;
        st.loop_exits = (int64_t)arm_cpu_stats(m->cpu)->loop_exits - m->roi_exits0;
    }
    return st;
}

/* The guest printed a region marker: start or finish the alignment session
 * here, at a TB boundary, so the guest's instruction stream is the same as
 * without a region. */
static int roi_step(Machine *m)
{
    int which = m->roi_pending;
    m->roi_pending = 0;
    if (which == 1) {
        m->roi = ROI_IN;
        m->roi_tbs0 = (int64_t)arm_cpu_stats(m->cpu)->tbs_executed;
        m->roi_exits0 = (int64_t)arm_cpu_stats(m->cpu)->loop_exits;
        return align_session_start(m->session);
    }
    m->roi = ROI_DONE;
    AlignExecStats st = exec_stats(m);
    return align_session_finish(m->session, 0, &st);
}

static int load_images(Machine *m)
{
    LoaderArgs la = { .kernel = m->cfg.kernel, .cmdline = m->cfg.append,
                      .initrd = m->cfg.initrd, .dtb = m->cfg.dtb };
    return loader_load(&m->bus, &la, &m->image);
}

static void on_guest_exit(void *opaque)
{
    Machine *m = opaque;
    m->exited = true;
    m->exit_code = m->semihost.exit_code;
    arm_cpu_request_exit(m->cpu);
}

int machine_init(Machine *m, const MachineConfig *cfg)
{
    memset(m, 0, sizeof *m);
    m->cfg = *cfg;
    m->log.f = stderr;
    m->log.mask = cfg->log_mask;
    if (cfg->log_file) {
        m->log.f = fopen(cfg->log_file, "w");
        if (!m->log.f) {
            fprintf(stderr, "emu-arm: cannot open log file '%s'\n", cfg->log_file);
            return -1;
        }
    }
    if (bus_init(&m->bus, cfg->ram_size) < 0)
        return -1;

    ArmCPUConfig cc = {
        .io_mode = cfg->io_mode ? ARM_IO_INDEX : ARM_IO_RECOMPILE,
        .semihosting = cfg->semihosting,
        /* QEMU's versatilepb reads zeros where nothing is mapped, and Linux
         * probes such holes; hardware's external abort is a switch
         * (docs/qemu-differences.md). */
        .bus_error_abort = cfg->unmapped_abort,
        .chain = (ArmChainModel)cfg->session.tb_chain,
    };
    m->cpu = arm_cpu_new(&m->bus, &m->ic, &m->log, &cc);
    if (!m->cpu)
        return -1;
    m->bus.ram_written = arm_cpu_ram_written;     /* PL080 transfers */
    m->bus.ram_written_opaque = m->cpu;
    icount_init(&m->ic, arm_cpu_icount_decr(m->cpu), cfg->shift, cfg->shift_auto,
                cfg->sleep);
    if (!cfg->icount)
        icount_set_realtime(&m->ic);
    m->ic.align = cfg->align;
    m->ic.kick = arm_cpu_kick;
    m->ic.kick_opaque = m->cpu;

    AlignMachineInfo si = {
        .icount = cfg->icount, .shift_auto = cfg->shift_auto, .align = cfg->align,
        .sleep = cfg->sleep, .shift = cfg->shift, .quiet = cfg->quiet,
        .kernel = cfg->kernel, .append = cfg->append,
        .version = EMU_VERSION, .git_commit = DRIFTLAB_GIT,
    };
    if (align_session_create(&m->session, &cfg->session, &si, &m->ic) < 0)
        return -1;
    if (m->session)
        m->ic.align = align_session_aligning(m->session);

    VersatilePBConfig bc = {
        .bus = &m->bus,
        .vtimers = &m->ic.vtimers,
        .cpu_irq = irq_line(arm_cpu_set_irq, m->cpu, 0),
        .cpu_fiq = irq_line(arm_cpu_set_irq, m->cpu, 1),
        .rtc_base = cfg->rtc_base >= 0 ? cfg->rtc_base : (int64_t)time(NULL),
        .rtc_clock = (VpbRtcClock)cfg->rtc_clock,
        .rtimers = &m->ic.rtimers,
        .reset_request = on_reset_request,
        .request_opaque = m,
        .no_icount = !cfg->icount,
        .sd_image = { cfg->sd_image[0], cfg->sd_image[1] },
        .sd_latency = { cfg->sd_cmd_ns, cfg->sd_block_ns },
        .sd_snapshot = cfg->snapshot,
    };
    for (int i = 0; i < cfg->n_serial; i++)
        bc.serial[i] = cfg->serial[i];
    m->board = versatilepb_create(&bc);
    if (!m->board)
        return -1;

    if (cfg->roi_begin) {
        CharDev *console = m->board->serial[0];
        if (!console) {
            fprintf(stderr, "emu-arm: -roi-begin needs a serial port 0 to watch\n");
            return -1;
        }
        console_watch_init(&m->roi_watch, on_roi_line, m);
        console_watch_add(&m->roi_watch, cfg->roi_begin);
        console_watch_add(&m->roi_watch, cfg->roi_end);
        chardev_set_tap(console, console_watch_feed, &m->roi_watch);
        m->roi = ROI_WAITING;
        align_session_set_region(m->session, true);
    }

    m->cmdline = build_cmdline(cfg);
    if (!m->cmdline || load_images(m) < 0)
        return -1;

    if (cfg->semihosting) {
        m->semihost = (Semihost){
            .cmdline = m->cmdline,
            .ic = &m->ic,
            .console = stderr,
            .time_base_s = bc.rtc_base,
            .on_exit = on_guest_exit,
            .on_exit_opaque = m,
        };
        arm_cpu_set_semihost(m->cpu, semihost_call, &m->semihost);
    }
    arm_cpu_reset(m->cpu, m->image.entry);
    return machine_monitor_open(m);
}

void machine_request_stop(Machine *m, int sig)
{
    m->stop_signal = sig;
    if (m->cpu)
        arm_cpu_kick(m->cpu);
}

static bool cpu_woken(void *opaque)
{
    Machine *m = opaque;
    versatilepb_poll_input(m->board, true);
    return m->stop_signal || arm_cpu_has_work(m->cpu) || (m->mon && monitor_pending(m->mon));
}

/* Idle with no timer armed: only host input (a UART) can wake the guest. */
static bool wait_for_input(Machine *m)
{
    int fds[VPB_NUM_SERIAL];
    int n = versatilepb_input_fds(m->board, fds);
    if (n == 0)
        return false;
    struct pollfd p[VPB_NUM_SERIAL];
    for (int i = 0; i < n; i++)
        p[i] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
    versatilepb_flush(m->board);
    while (!m->stop_signal && !arm_cpu_has_work(m->cpu) && !(m->mon && monitor_pending(m->mon))) {
        int r = poll(p, (nfds_t)n, 100);
        if (r < 0 && errno != EINTR)
            return false;
        for (int i = 0; i < n; i++)
            if (p[i].revents & (POLLHUP | POLLERR | POLLNVAL) && !(p[i].revents & POLLIN))
                return false;   /* input closed: nothing will ever arrive */
        versatilepb_poll_input(m->board, true);
    }
    return true;
}

static int run_loop(Machine *m);

/* The alignment session brackets the run: its origins are taken just before
 * the first arm_cpu_exec, its record and report are finished on every exit
 * path (guest exit, signal, no wake-up possible). */
int machine_run(Machine *m)
{
    if (m->roi == ROI_OFF && align_session_start(m->session) < 0)
        return 1;
    m->run_t0_ns = host_monotonic_ns();
    if (m->stopped) {                    /* -S */
        m->stop_t0_ns = m->run_t0_ns;
        align_session_host_stop(m->session);
    }
    int code = run_loop(m);
    monitor_vcpu_done(m->mon);
    if (m->roi == ROI_WAITING || m->roi == ROI_IN) {
        fprintf(stderr, "emu-arm: the region of interest %s (no serial-0 line starting "
                "with '%s')\n", m->roi == ROI_WAITING ? "never began" : "never ended",
                m->roi == ROI_WAITING ? m->cfg.roi_begin : m->cfg.roi_end);
        if (m->roi == ROI_WAITING)
            align_session_start(m->session);    /* an empty record rather than none */
        if (code == 0)
            code = 1;
    }
    if (m->roi != ROI_DONE) {
        AlignExecStats st = exec_stats(m);
        if (align_session_finish(m->session, code, &st) < 0 && code == 0)
            code = 1;
    }
    return code;
}

/* The guest asked for a reset (and -no-reboot is off). QEMU acts on it in
 * its main loop once the vCPU has stopped, and by then two things have
 * happened to the virtual clock, which the second boot's timings inherit:
 * the vCPU thread has run the virtual timers that were due, and, a stopped
 * vCPU counting as idle, the main loop has (with sleep=off) warped the clock
 * to the next virtual deadline and run that timer as well. With sleep=on the
 * warp would only add the host time the reset took, which we count as none.
 * Only then are the images copied back in and the devices and the CPU reset;
 * RAM is otherwise left as the guest had it. */
static int restart_guest(Machine *m)
{
    Icount *ic = &m->ic;
    icount_handle_deadline(ic);
    if (!ic->realtime && !ic->sleep && timerlist_deadline_ns(&ic->vtimers) > 0) {
        if (m->roi == ROI_OFF || m->roi == ROI_IN) {
            int64_t v = icount_vclock_ns(ic), due = v + timerlist_deadline_ns(&ic->vtimers);
            align_session_idle_begin(m->session, v, due);
            align_session_idle(m->session, due);
        }
        icount_idle_warp(ic, NULL, NULL);
    }
    versatilepb_reset(m->board);
    if (load_images(m) < 0)
        return -1;
    arm_cpu_reset(m->cpu, m->image.entry);
    return 0;
}

static int run_loop(Machine *m)
{
    Icount *ic = &m->ic;
    for (;;) {
        if (m->mon) {
            /* Commands run here, between TBs; `stop` waits inside. */
            if (monitor_pending(m->mon) || monitor_stopped(m->mon))
                monitor_service(m->mon);
            if (monitor_quit_requested(m->mon))
                return 0;
        }
        icount_handle_deadline(ic);
        if (m->exited)
            break;
        if (m->stop_signal)
            return 128 + m->stop_signal;
        if (!arm_cpu_halted(m->cpu) || arm_cpu_has_work(m->cpu)) {
            if (m->roi == ROI_OFF || m->roi == ROI_IN)
                align_session_before_exec(m->session);
            icount_prepare_for_run(ic);
            if (m->mon && ic->align)
                machine_sample_drift(m);
            int r = arm_cpu_exec(m->cpu);
            icount_process_data(ic);
            if (m->roi_pending && roi_step(m) < 0)
                return 1;
            if (m->reset_requested) {
                m->reset_requested = false;
                if (m->cfg.no_reboot)
                    return 0;
                if (restart_guest(m) < 0)
                    return 1;
                continue;
            }
            if (r == ARM_EXCP_EXIT && !m->exited && !m->stop_signal)
                break;
            continue;
        }
        /* Halted in WFI with nothing pending: let time pass to the next
         * deadline. With no deadline nothing can ever wake the guest. */
        versatilepb_poll_input(m->board, true);
        if (arm_cpu_has_work(m->cpu))
            continue;
        if (m->roi == ROI_OFF || m->roi == ROI_IN) {
            int64_t d = timerlist_deadline_ns(&ic->vtimers), v = icount_vclock_ns(ic);
            align_session_idle_begin(m->session, v, d >= 0 ? v + d : INT64_MAX);
            if (!ic->sleep && d > 0)
                align_session_idle(m->session, v + d);
        }
        if (!icount_idle_warp(ic, cpu_woken, m) && !wait_for_input(m)) {
            if (m->stop_signal || (m->mon && monitor_pending(m->mon)))
                continue;
            fprintf(stderr, "emu-arm: guest waits for an interrupt but no timer is armed "
                    "and no input can arrive; stopping\n");
            return 1;
        }
    }
    return m->exit_code;
}

void machine_print_stats(Machine *m, FILE *f)
{
    const ArmCPUStats *s = arm_cpu_stats(m->cpu);
    fprintf(f, "icount: %lld instructions, virtual time %lld ns, shift %d\n",
            (long long)icount_raw(&m->ic), (long long)icount_vclock_ns(&m->ic), m->ic.shift);
    fprintf(f, "tbs: %llu executed, %llu translated, %llu invalidated, %llu cache flushes\n",
            (unsigned long long)s->tbs_executed, (unsigned long long)s->tbs_translated,
            (unsigned long long)s->tbs_invalidated, (unsigned long long)s->cache_flushes);
    fprintf(f, "io: %llu device accesses, %llu io-recompiles, %llu loop exits\n",
            (unsigned long long)s->io_accesses, (unsigned long long)s->io_recompiles,
            (unsigned long long)s->loop_exits);
}

void machine_destroy(Machine *m)
{
    monitor_destroy(m->mon);   /* first: its thread may still kick the CPU */
    free(m->entry_drift);
    align_session_free(m->session);
    if (m->board)
        versatilepb_destroy(m->board);
    if (m->cpu)
        arm_cpu_free(m->cpu);
    bus_free(&m->bus);
    if (m->log.f && m->log.f != stderr)
        fclose(m->log.f);
    free(m->cmdline);
    memset(m, 0, sizeof *m);
}
