/* emu-arm: parse the QEMU-style command line, build the machine, run it. */
#include "machine.h"
#include <hdf5.h>
#include <signal.h>
#include <string.h>

/* The one piece of process-wide state: where a signal handler can reach the
 * machine. The library itself keeps none. */
static Machine *signal_target;

static void on_signal(int sig)
{
    if (signal_target)
        machine_request_stop(signal_target, sig);
}

int main(int argc, char **argv)
{
    /* HDF5 cannot close a file it cannot flush (a full disk), and its exit
     * handler then loops over it; records are closed explicitly instead. */
    H5dont_atexit();
    MachineConfig cfg;
    int r = cli_parse(argc, argv, &cfg);
    if (r != 0)
        return r > 0 ? 0 : 1;

    static Machine m;
    if (machine_init(&m, &cfg) < 0) {
        machine_destroy(&m);
        return 1;
    }
    signal_target = &m;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);

    int code = machine_run(&m);
    if (cfg.stats)
        machine_print_stats(&m, stderr);
    fflush(stdout);
    machine_destroy(&m);   /* flushes serial backends */
    return code;
}
