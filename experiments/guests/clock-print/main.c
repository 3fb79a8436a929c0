/* clock-print: prints the 24 MHz counter every period_us of virtual time
 * while it busy-computes, so that a harness reading the console can pair
 * each line's arrival on the host with the guest's own clock (the drift of
 * an emulator measured from outside, python/driftlab/sweep/console.py).
 *
 * -append parameters: lines=N (20), period_us=P (10000), work=N integer
 * steps between counter reads (200).  Each line is "ctr24=V" with V the raw
 * counter read just before the line is printed; the counter runs on virtual
 * time on both emulators, so the output is deterministic. */
#include "rt.h"

int main(void)
{
    uint32_t lines = rt_arg_u32("lines", 20);
    uint32_t period = rt_arg_u32("period_us", 10000);
    uint32_t work = rt_arg_u32("work", 200);
    if (period < 1)
        period = 1;
    if (work < 1)
        work = 1;

    rt_printf("clock-print: lines=%u period_us=%u work=%u\n", lines, period, work);
    uint32_t st = 0x9e3779b9u;
    uint32_t t0 = rt_counter24();
    for (uint32_t i = 1; i <= lines; i++) {
        /* wrap-safe: the counter wraps after 179 s */
        while (rt_counter24() - t0 < i * period * 24u) {
            for (uint32_t k = 0; k < work; k++)
                st = st * 1664525u + 1013904223u;
        }
        rt_printf("ctr24=%u\n", rt_counter24());
    }
    rt_printf("state=%08x\nclock-print ok\n", st);
    return 0;
}
