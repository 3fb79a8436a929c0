/* -align-report: the end-of-run summary, in the spirit of QEMU's `info jit`
 * clock lines (Host - Guest clock, max guest delay/advance), but complete. */
#include "record/record.h"

static double ms(double ns) { return ns / 1e6; }

void report_print(FILE *f, const RecordMeta *m, const RunSummary *s, const StatList *ps)
{
    const DriftSummary *d = &s->drift;
    const AlignCounters *c = &s->counters;
    fprintf(f, "align: policy %s (%s) [%s], shift %d -> %lld\n", m->policy,
            m->policy_params && *m->policy_params ? m->policy_params : "no parameters",
            m->policy_origin, m->shift, (long long)s->shift_final);
    if (s->policy_changes)
        fprintf(f, "align: policy switched %lld time%s at run time (monitor); at exit: %s (%s)\n",
                (long long)s->policy_changes, s->policy_changes == 1 ? "" : "s",
                s->policy_final ? s->policy_final : "?",
                s->policy_final_params && *s->policy_final_params ? s->policy_final_params
                                                                  : "no parameters");
    fprintf(f, "align: Host - Guest clock  %+.3f ms (at exit; > 0: guest behind)\n",
            ms((double)s->final_lag_ns));
    fprintf(f, "align: Max guest delay     %.3f ms\n", ms((double)d->max_delay));
    fprintf(f, "align: Max guest advance   %.3f ms\n", ms((double)d->max_advance));
    if (d->n)
        fprintf(f, "align: drift (guest - host), %lld samples: mean %+.3f ms, sd %.3f ms, "
                   "p50 %+.3f ms, p99 %+.3f ms, |drift| p99 %.3f ms, rms %.3f ms, "
                   "min %+.3f ms, max %+.3f ms\n",
                (long long)d->n, ms(d->mean), ms(d->sd), ms(d->p50), ms(d->p99), ms(d->abs_p99),
                ms(d->rms), ms((double)d->min), ms((double)d->max));
    if (d->n)
        fprintf(f, "align: |drift| p50 %.3f ms, p99 %.3f ms, max %.3f ms; drift slope %+.3f ppm\n",
                ms(d->abs_p50), ms(d->abs_p99), ms((double)d->abs_max), d->slope_ppm);
    fprintf(f, "align: host %.3f s, guest %.3f s, %lld instructions in %lld TBs, %.1f MIPS\n",
            (double)s->host_elapsed_ns / 1e9, (double)s->guest_elapsed_ns / 1e9,
            (long long)s->instructions, (long long)s->tbs, s->mips);
    fprintf(f, "align: vCPU thread CPU time %.3f s (user %.3f s, sys %.3f s)\n",
            (double)s->vcpu_cpu_ns / 1e9, (double)s->vcpu_user_ns / 1e9,
            (double)s->vcpu_sys_ns / 1e9);
    fprintf(f, "align: host clock reads %lld; sleeps %lld (requested %.3f ms, actual %.3f ms, "
               "mean oversleep %.1f us); spins %lld (%.3f ms)\n",
            (long long)c->host_reads, (long long)c->sleeps, ms((double)c->sleep_req_ns),
            ms((double)c->sleep_act_ns),
            c->sleeps ? (double)(c->sleep_act_ns - c->sleep_req_ns) / (double)c->sleeps / 1e3 : 0.0,
            (long long)c->spins, ms((double)c->spin_ns));
    fprintf(f, "align: policy code ~%.3f ms (sampled), %lld loop entries, %lld align calls, "
               "%lld loop-exit calls, %lld events recorded (%lld decimated, %lld dropped)\n",
            ms(s->policy_ns), (long long)c->entries, (long long)c->calls,
            (long long)c->exit_calls, (long long)s->events_recorded,
            (long long)c->events_decimated, (long long)s->events_dropped);
    double host_s = (double)s->host_elapsed_ns / 1e9;
    fprintf(f, "align: clock reads %.0f/s, %.2f per million instructions; %lld loop exits, "
               "%lld sync stops; pacing CPU %.3f ms (%.3f ms per host s)%s\n",
            host_s > 0 ? (double)c->host_reads / host_s : 0.0,
            s->instructions > 0 ? (double)c->host_reads * 1e6 / (double)s->instructions : 0.0,
            (long long)s->loop_exits, (long long)s->sync_stops, ms((double)s->wait_cpu_ns),
            host_s > 0 ? ms((double)s->wait_cpu_ns) / host_s : 0.0,
            m->dry_run ? "; dry run: no waits" : "");
    if (c->host_stalls)
        fprintf(f, "align: host stalls (wake-ups > 1 ms late) %lld, %.3f ms in all, worst %.3f ms\n",
                (long long)c->host_stalls, ms((double)c->host_stall_ns),
                ms((double)c->wake_late_max_ns));
    if (c->forgiven || c->catchup_warnings || c->dry_waits)
        fprintf(f, "align: %s; lateness forgiven %lld times (%.3f ms), %lld checks past the "
                   "catch-up limit; dry-run waits %lld (%.3f ms)\n",
                m->runtime_params ? m->runtime_params : "", (long long)c->forgiven,
                ms((double)c->forgiven_ns), (long long)c->catchup_warnings,
                (long long)c->dry_waits, ms((double)c->dry_wait_ns));
    if (ps && ps->n) {
        fprintf(f, "align: %s:", s->policy_final ? s->policy_final : m->policy);
        for (int i = 0; i < ps->n; i++)
            fprintf(f, " %s=%.6g", ps->s[i].name, ps->s[i].value);
        fputc('\n', f);
    }
}
