#include "record/record.h"
#include <stdio.h>
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
