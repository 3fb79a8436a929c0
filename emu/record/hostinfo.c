#include "record/record.h"
#include <sched.h>
#include <stdio.h>
#include <sys/resource.h>
#include <unistd.h>
#include <string.h>
#include <sys/utsname.h>

void host_cpu_model(char *buf, size_t n)
{
    snprintf(buf, n, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "model name", 10))
            continue;
        char *v = strchr(line, ':');
        if (!v)
            continue;
        v++;
        while (*v == ' ' || *v == '\t')
            v++;
        v[strcspn(v, "\n")] = 0;
        snprintf(buf, n, "%s", v);
        break;
    }
    fclose(f);
}

void host_kernel(char *buf, size_t n)
{
    struct utsname u;
    if (uname(&u) < 0)
        snprintf(buf, n, "unknown");
    else
        snprintf(buf, n, "%s %s %s %s", u.sysname, u.release, u.version, u.machine);
}

void host_sched(char *buf, size_t n)
{
    struct sched_param sp = { 0 };
    int pol = sched_getscheduler(0);
    sched_getparam(0, &sp);
    const char *name = pol == SCHED_FIFO ? "SCHED_FIFO" : pol == SCHED_RR ? "SCHED_RR"
                     : pol == SCHED_BATCH ? "SCHED_BATCH" : pol == SCHED_IDLE ? "SCHED_IDLE"
                     : pol == SCHED_OTHER ? "SCHED_OTHER" : "unknown";
    if (pol == SCHED_FIFO || pol == SCHED_RR)
        snprintf(buf, n, "%s priority %d", name, sp.sched_priority);
    else
        snprintf(buf, n, "%s nice %d", name, getpriority(PRIO_PROCESS, 0));
}

void host_affinity(char *buf, size_t n)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) < 0) {
        snprintf(buf, n, "unknown");
        return;
    }
    size_t len = 0;
    buf[0] = 0;
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    int count = CPU_COUNT(&set);
    for (int i = 0; i < CPU_SETSIZE && len + 8 < n; i++)
        if (CPU_ISSET(i, &set))
            len += (size_t)snprintf(buf + len, n - len, "%s%d", len ? "," : "", i);
    snprintf(buf + len, n - len, " (%s)", count >= online ? "all" : "pinned");
}
