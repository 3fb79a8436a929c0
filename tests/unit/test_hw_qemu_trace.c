/*
 * Replays, through the board's bus, a straight-line bare-metal guest that was
 * run on qemu-system-arm 7.2 (-M versatilepb -icount shift=S,sleep=off
 * -rtc base=2020-01-01,clock=vm) and checks every register value it read.
 * Op k is the guest's k-th instruction: under icount its access happens at
 * virtual time k << shift (QEMU counts the I/O instruction itself), and a
 * timer whose deadline falls within instruction j fires after instruction j
 * (the budget ends there), i.e. before op k only when j < k.
 * The guest exercises SP804 (periodic, one-shot, free-running, prescalers,
 * 16-bit, BGLoad, stop/restart, zero loads), the VIC (vectoring, priorities,
 * soft interrupts, FIQ select), the SIC, system registers, PL011 and PL031.
 * A second, per-shift guest ("timer edges") reads at the exact instruction
 * where a deadline falls, one either side, after BGLoad and Control
 * rewrites, and, with a free-running 32-bit /256 timer, at instants where
 * ptimer's rounded 64.32 divisor makes the count differ from exact division.
 * Both guest generators are reproduced at the end of this file.
 */
#include "hw/versatilepb.h"
#include "icount.h"
#include <stdio.h>
#include <stdlib.h>

typedef struct TraceOp {
    int64_t k;
    int is_write;
    uint32_t addr;
    uint32_t value;
} TraceOp;

typedef struct TraceRun {
    const char *name;
    int shift;
    const TraceOp *ops;
    size_t nops;
    const uint32_t *expect;
    size_t nexpect;
} TraceRun;

static const TraceOp regs_ops[] = {
    { 3, 0, 0x1000005c, 0x0 },
    { 6, 0, 0x10000000, 0x0 },
    { 9, 0, 0x10000024, 0x0 },
    { 12, 0, 0x10000084, 0x0 },
    { 15, 0, 0x10000050, 0x0 },
    { 18, 0, 0x10000044, 0x0 },
    { 21, 0, 0x101e2fe0, 0x0 },
    { 24, 0, 0x101e2fec, 0x0 },
    { 28, 0, 0x101e2008, 0x0 },
    { 31, 0, 0x101e2004, 0x0 },
    { 35, 1, 0x101e2000, 0x3e8 },
    { 38, 1, 0x101e2008, 0xe2 },
    { 40, 0, 0x101e2004, 0x0 },
    { 46, 0, 0x101e2004, 0x0 },
    { 150, 0, 0x101e2004, 0x0 },
    { 1054, 0, 0x101e2004, 0x0 },
    { 1057, 0, 0x101e2010, 0x0 },
    { 1060, 0, 0x101e2014, 0x0 },
    { 1063, 0, 0x10140000, 0x0 },
    { 1066, 0, 0x10140008, 0x0 },
    { 1070, 1, 0x10140010, 0x10 },
    { 1073, 0, 0x10140000, 0x0 },
    { 1076, 0, 0x10140010, 0x0 },
    { 1080, 1, 0x101e200c, 0x1 },
    { 1082, 0, 0x101e2010, 0x0 },
    { 1086, 1, 0x101e2018, 0x1f4 },
    { 1088, 0, 0x101e2004, 0x0 },
    { 1091, 0, 0x101e2000, 0x0 },
    { 3095, 0, 0x101e2004, 0x0 },
    { 3098, 0, 0x101e2010, 0x0 },
    { 3102, 1, 0x101e2008, 0x62 },
    { 3104, 0, 0x101e2004, 0x0 },
    { 3157, 0, 0x101e2004, 0x0 },
    { 3161, 1, 0x101e2008, 0xe2 },
    { 3163, 0, 0x101e2004, 0x0 },
    { 3177, 0, 0x101e2004, 0x0 },
    { 3181, 1, 0x101e2020, 0x5 },
    { 3184, 1, 0x101e2028, 0xab },
    { 3186, 0, 0x101e2024, 0x0 },
    { 3390, 0, 0x101e2024, 0x0 },
    { 4394, 0, 0x101e2024, 0x0 },
    { 6398, 0, 0x101e2024, 0x0 },
    { 6401, 0, 0x101e2030, 0x0 },
    { 6404, 0, 0x101e2028, 0x0 },
    { 6408, 1, 0x101e3008, 0x84 },
    { 6410, 0, 0x101e3004, 0x0 },
    { 6914, 0, 0x101e3004, 0x0 },
    { 6917, 0, 0x101e3008, 0x0 },
    { 6921, 1, 0x101e3000, 0x1234 },
    { 6923, 0, 0x101e3004, 0x0 },
    { 6926, 0, 0x101e3000, 0x0 },
    { 7230, 0, 0x101e3004, 0x0 },
    { 7234, 1, 0x101e3008, 0x86 },
    { 7237, 0, 0x101e3004, 0x0 },
    { 7270, 0, 0x101e3004, 0x0 },
    { 7274, 1, 0x101e3020, 0x12345 },
    { 7277, 1, 0x101e3028, 0xe0 },
    { 7279, 0, 0x101e3024, 0x0 },
    { 7983, 0, 0x101e3024, 0x0 },
    { 7988, 1, 0x101e3028, 0x0 },
    { 7991, 1, 0x101e3020, 0x3 },
    { 7994, 1, 0x101e3028, 0xea },
    { 7996, 0, 0x101e3024, 0x0 },
    { 8250, 0, 0x101e3024, 0x0 },
    { 8504, 0, 0x101e3024, 0x0 },
    { 8759, 0, 0x101e3024, 0x0 },
    { 8762, 0, 0x101e3030, 0x0 },
    { 8766, 1, 0x101e3028, 0x0 },
    { 8769, 1, 0x101e302c, 0x1 },
    { 8772, 1, 0x101e3020, 0x0 },
    { 8775, 1, 0x101e3028, 0xe2 },
    { 8777, 0, 0x101e3024, 0x0 },
    { 8781, 0, 0x101e3030, 0x0 },
    { 8784, 0, 0x101e3028, 0x0 },
    { 8788, 1, 0x101e202c, 0x1 },
    { 8791, 1, 0x101e2028, 0x0 },
    { 8794, 1, 0x101e2020, 0x0 },
    { 8797, 1, 0x101e2028, 0xa3 },
    { 8799, 0, 0x101e2024, 0x0 },
    { 8802, 0, 0x101e2030, 0x0 },
    { 8807, 1, 0x10140100, 0x1000 },
    { 8810, 1, 0x10140200, 0x24 },
    { 8813, 1, 0x10140104, 0x2000 },
    { 8816, 1, 0x10140204, 0x25 },
    { 8819, 1, 0x10140034, 0xdead0 },
    { 8822, 1, 0x10140010, 0x80000020 },
    { 8824, 0, 0x10140000, 0x0 },
    { 8827, 0, 0x10140008, 0x0 },
    { 8831, 0, 0x10140030, 0x0 },
    { 8834, 0, 0x10140000, 0x0 },
    { 8837, 0, 0x10140030, 0x0 },
    { 8841, 1, 0x10140030, 0x0 },
    { 8843, 0, 0x10140030, 0x0 },
    { 8847, 1, 0x101e200c, 0x1 },
    { 8850, 1, 0x10140030, 0x0 },
    { 8852, 0, 0x10140030, 0x0 },
    { 8857, 1, 0x10140030, 0x0 },
    { 8860, 1, 0x10140018, 0x100000 },
    { 8862, 0, 0x10140008, 0x0 },
    { 8865, 0, 0x10140018, 0x0 },
    { 8868, 0, 0x10140030, 0x0 },
    { 8872, 1, 0x1014001c, 0x100000 },
    { 8875, 1, 0x10140030, 0x0 },
    { 8877, 0, 0x10140fe0, 0x0 },
    { 8881, 0, 0x10140ff0, 0x0 },
    { 8884, 0, 0x10140034, 0x0 },
    { 8887, 0, 0x10140200, 0x0 },
    { 8890, 0, 0x10140104, 0x0 },
    { 8894, 1, 0x1014000c, 0x10 },
    { 8896, 0, 0x10140004, 0x0 },
    { 8899, 0, 0x10140000, 0x0 },
    { 8903, 1, 0x1014000c, 0x0 },
    { 8907, 1, 0x10140020, 0x1 },
    { 8909, 0, 0x10140020, 0x0 },
    { 8912, 0, 0x10003000, 0x0 },
    { 8915, 0, 0x10003008, 0x0 },
    { 8919, 1, 0x10003008, 0x40 },
    { 8921, 0, 0x10003008, 0x0 },
    { 8925, 1, 0x10003010, 0x1 },
    { 8927, 0, 0x10003008, 0x0 },
    { 8931, 0, 0x10003010, 0x0 },
    { 8935, 1, 0x10003014, 0x1 },
    { 8938, 1, 0x10003020, 0xffffffff },
    { 8940, 0, 0x10003020, 0x0 },
    { 8944, 1, 0x10003024, 0x200000 },
    { 8946, 0, 0x10003020, 0x0 },
    { 8950, 1, 0x10000008, 0x55 },
    { 8952, 0, 0x10000008, 0x0 },
    { 8957, 1, 0x10000020, 0x1234 },
    { 8959, 0, 0x10000020, 0x0 },
    { 8963, 1, 0x10000020, 0xa05f },
    { 8965, 0, 0x10000020, 0x0 },
    { 8969, 1, 0x10000030, 0xf0 },
    { 8972, 1, 0x10000034, 0x30 },
    { 8974, 0, 0x10000030, 0x0 },
    { 8978, 1, 0x10000050, 0xffffffff },
    { 8981, 0, 0x10000050, 0x0 },
    { 8985, 1, 0x10000028, 0x7 },
    { 8987, 0, 0x10000028, 0x0 },
    { 8990, 0, 0x10000088, 0x0 },
    { 8993, 0, 0x10000040, 0x0 },
    { 8996, 0, 0x10000048, 0x0 },
    { 8999, 0, 0x101f1018, 0x0 },
    { 9002, 0, 0x101f1030, 0x0 },
    { 9006, 0, 0x101f1034, 0x0 },
    { 9009, 0, 0x101f1fe0, 0x0 },
    { 9012, 0, 0x101f1ffc, 0x0 },
    { 9015, 0, 0x101f103c, 0x0 },
    { 9019, 1, 0x101f1038, 0x30 },
    { 9021, 0, 0x101f1040, 0x0 },
    { 9024, 0, 0x101f103c, 0x0 },
    { 9027, 0, 0x101e8000, 0x0 },
    { 9031, 0, 0x101e800c, 0x0 },
    { 9034, 0, 0x101e8fe0, 0x0 },
    { 9038, 1, 0x101e8008, 0x3e8 },
    { 9040, 0, 0x101e8000, 0x0 },
    { 9043, 0, 0x101e8008, 0x0 },
    { 9047, 1, 0x101e8004, 0x3e7 },
    { 9049, 0, 0x101e8014, 0x0 },
    { 9053, 1, 0x101e8010, 0x1 },
    { 9056, 0, 0x101e8018, 0x0 },
    { 9060, 1, 0x101e801c, 0x1 },
    { 9062, 0, 0x101e8014, 0x0 },
    { 9065, 0, 0x101e2004, 0x0 },
    { 9068, 0, 0x101e3004, 0x0 },
    { 9071, 0, 0x101e3024, 0x0 },
    { 9074, 0, 0x1000005c, 0x0 },
};
static const uint32_t regs_s0_expect[] = {
    0x00000000, 0x41007004, 0x00000000, 0x02000000, 0x00001f00, 0x00000001,
    0x00000004, 0x00000000, 0x00000020, 0x00000000, 0x000003e7, 0x000003e7,
    0x000003e7, 0x000003e6, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
    0x00000000, 0x00000010, 0x00000000, 0x000003e6, 0x000001f4, 0x000003e4,
    0x00000000, 0x000003e4, 0x000003e4, 0x000001f3, 0x000001f3, 0x00000004,
    0x00000004, 0x00000004, 0x00000004, 0x00000000, 0x000000ab, 0x0000fffe,
    0x0000fffe, 0x00000084, 0x0000fffe, 0x00001234, 0x0000fffe, 0xfffffffe,
    0xfffffffe, 0x00012344, 0x00012344, 0x00000002, 0x00000002, 0x00000002,
    0x00000002, 0x00000000, 0x00000000, 0x00000001, 0x000000e2, 0x00000000,
    0x00000001, 0x00000030, 0x00000030, 0x00001000, 0x00000030, 0x00001000,
    0x00001000, 0x00001000, 0x00100030, 0x00100000, 0x00001000, 0x00000090,
    0x0000000d, 0x000dead0, 0x00000024, 0x00002000, 0x00000010, 0x00000020,
    0x00000001, 0x00000000, 0x00000000, 0x00000040, 0x00000041, 0x00000000,
    0x7fe00000, 0x7fc00000, 0x00000055, 0x00001234, 0x0000a05f, 0x000000c0,
    0xffffdfff, 0x00000007, 0xff000000, 0x00000000, 0x00000000, 0x00000090,
    0x00000300, 0x00000012, 0x00000011, 0x000000b1, 0x00000000, 0x00000000,
    0x00000000, 0x5e0be100, 0x00000001, 0x00000031, 0x000003e8, 0x000003e8,
    0x00000000, 0x00000000, 0x00000000, 0x000001ee, 0xfffffffe, 0x00000000,
    0x000000d9,
};
static const uint32_t regs_s3_expect[] = {
    0x00000000, 0x41007004, 0x00000000, 0x02000000, 0x00001f00, 0x00000001,
    0x00000004, 0x00000000, 0x00000020, 0x00000000, 0x000003e7, 0x000003e7,
    0x000003e7, 0x000003df, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
    0x00000000, 0x00000010, 0x00000000, 0x000003df, 0x000001f4, 0x000003cf,
    0x00000000, 0x000003cf, 0x000003cf, 0x000001f3, 0x000001f3, 0x00000004,
    0x00000004, 0x00000004, 0x00000004, 0x00000000, 0x000000ab, 0x0000fffe,
    0x0000fffe, 0x00000084, 0x0000fffe, 0x00001234, 0x0000fffe, 0xfffffffe,
    0xfffffffe, 0x00012344, 0x0001233f, 0x00000002, 0x00000002, 0x00000002,
    0x00000002, 0x00000000, 0x00000000, 0x00000001, 0x000000e2, 0x00000000,
    0x00000001, 0x00000030, 0x00000030, 0x00001000, 0x00000030, 0x00001000,
    0x00001000, 0x00001000, 0x00100030, 0x00100000, 0x00001000, 0x00000090,
    0x0000000d, 0x000dead0, 0x00000024, 0x00002000, 0x00000010, 0x00000020,
    0x00000001, 0x00000000, 0x00000000, 0x00000040, 0x00000041, 0x00000000,
    0x7fe00000, 0x7fc00000, 0x00000055, 0x00001234, 0x0000a05f, 0x000000c0,
    0xffffdfff, 0x00000007, 0xff000000, 0x00000000, 0x00000000, 0x00000090,
    0x00000300, 0x00000012, 0x00000011, 0x000000b1, 0x00000000, 0x00000000,
    0x00000000, 0x5e0be100, 0x00000001, 0x00000031, 0x000003e8, 0x000003e8,
    0x00000000, 0x00000000, 0x00000000, 0x000001c4, 0xfffffffe, 0x00000000,
    0x000006ce,
};
static const uint32_t regs_s7_expect[] = {
    0x00000009, 0x41007004, 0x00000000, 0x02000000, 0x00001f00, 0x00000001,
    0x00000004, 0x00000000, 0x00000020, 0x00000000, 0x000003e7, 0x000003e6,
    0x000003d9, 0x00000365, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
    0x00000000, 0x00000010, 0x00000000, 0x00000361, 0x000001f4, 0x00000260,
    0x00000000, 0x0000025f, 0x0000025f, 0x000001f3, 0x000001f1, 0x00000004,
    0x00000004, 0x00000004, 0x00000003, 0x00000000, 0x000000ab, 0x0000fffe,
    0x0000fffa, 0x00000084, 0x0000fffe, 0x00001234, 0x0000fffc, 0xfffffffe,
    0xfffffffe, 0x00012344, 0x000122ea, 0x00000002, 0x00000002, 0x00000002,
    0x00000002, 0x00000000, 0x00000000, 0x00000001, 0x000000e2, 0x00000000,
    0x00000001, 0x00000030, 0x00000030, 0x00001000, 0x00000030, 0x00001000,
    0x00001000, 0x00001000, 0x00100030, 0x00100000, 0x00001000, 0x00000090,
    0x0000000d, 0x000dead0, 0x00000024, 0x00002000, 0x00000010, 0x00000020,
    0x00000001, 0x00000000, 0x00000000, 0x00000040, 0x00000041, 0x00000000,
    0x7fe00000, 0x7fc00000, 0x00000055, 0x00001234, 0x0000a05f, 0x000000c0,
    0xffffdfff, 0x00000007, 0xff000000, 0x00000000, 0x00000000, 0x00000090,
    0x00000300, 0x00000012, 0x00000011, 0x000000b1, 0x00000000, 0x00000000,
    0x00000000, 0x5e0be100, 0x00000001, 0x00000031, 0x000003e8, 0x000003e8,
    0x00000000, 0x00000000, 0x00000000, 0x000000f4, 0xfffffff0, 0x00000000,
    0x00006ce3,
};
static const uint32_t regs_s10_expect[] = {
    0x00000049, 0x41007004, 0x00000000, 0x02000000, 0x00001f00, 0x00000001,
    0x00000004, 0x00000000, 0x00000020, 0x00000000, 0x000003e5, 0x000003df,
    0x00000375, 0x000003bf, 0x00000001, 0x00000001, 0x00000000, 0x00000010,
    0x00000010, 0x00000010, 0x00000000, 0x0000039c, 0x000001f4, 0x00000171,
    0x00000001, 0x0000016a, 0x0000016a, 0x000001f1, 0x000001e3, 0x00000004,
    0x00000004, 0x00000000, 0x00000000, 0x00000001, 0x000000ab, 0x0000fffe,
    0x0000ffde, 0x00000084, 0x0000fffe, 0x00001234, 0x0000ffeb, 0xfffffffe,
    0xfffffffc, 0x00012342, 0x00012072, 0x00000002, 0x00000001, 0x00000000,
    0x00000002, 0x00000001, 0x00000000, 0x00000001, 0x000000e2, 0x00000000,
    0x00000001, 0x00000030, 0x00000030, 0x00001000, 0x00000030, 0x00001000,
    0x00001000, 0x00001000, 0x00100030, 0x00100000, 0x00001000, 0x00000090,
    0x0000000d, 0x000dead0, 0x00000024, 0x00002000, 0x00000010, 0x00000020,
    0x00000001, 0x00000000, 0x00000000, 0x00000040, 0x00000041, 0x00000000,
    0x7fe00000, 0x7fc00000, 0x00000055, 0x00001234, 0x0000a05f, 0x000000c0,
    0xffffdfff, 0x00000007, 0xff000000, 0x00000000, 0x00000000, 0x00000090,
    0x00000300, 0x00000012, 0x00000011, 0x000000b1, 0x00000000, 0x00000000,
    0x00000000, 0x5e0be100, 0x00000001, 0x00000031, 0x000003e8, 0x000003e8,
    0x00000000, 0x00000000, 0x00000000, 0x000001c6, 0xffffff89, 0x00000000,
    0x0003671a,
};
static const TraceOp edges_s0_ops[] = {
    { 4, 1, 0x101e2000, 0x64 },
    { 7, 1, 0x101e2008, 0xe2 },
    { 100006, 0, 0x101e2004, 0x0 },
    { 200007, 0, 0x101e2010, 0x0 },
    { 200010, 0, 0x101e2010, 0x0 },
    { 200014, 1, 0x101e200c, 0x1 },
    { 300007, 0, 0x10140008, 0x0 },
    { 300010, 0, 0x10140008, 0x0 },
    { 400006, 0, 0x101e2004, 0x0 },
    { 400009, 0, 0x101e2004, 0x0 },
    { 400013, 1, 0x101e2018, 0x32 },
    { 500007, 0, 0x101e2004, 0x0 },
    { 500010, 0, 0x101e2004, 0x0 },
    { 550006, 0, 0x101e2004, 0x0 },
    { 550009, 0, 0x101e2004, 0x0 },
    { 550013, 1, 0x101e2008, 0x62 },
    { 550016, 1, 0x101e2020, 0x3 },
    { 550019, 1, 0x101e2028, 0xea },
    { 806035, 0, 0x101e2024, 0x0 },
    { 1062051, 0, 0x101e2024, 0x0 },
    { 1318068, 0, 0x101e2024, 0x0 },
    { 1318071, 0, 0x101e2030, 0x0 },
    { 1318075, 1, 0x101e2028, 0x6a },
    { 1318078, 1, 0x101e3000, 0xa },
    { 1318081, 1, 0x101e3008, 0xa7 },
    { 1478080, 0, 0x101e3010, 0x0 },
    { 1478083, 0, 0x101e3004, 0x0 },
    { 1478086, 0, 0x101e3010, 0x0 },
    { 1478089, 0, 0x101e3004, 0x0 },
    { 1478093, 1, 0x101e3020, 0x3e8 },
    { 1478096, 1, 0x101e3028, 0xe2 },
    { 1601553, 1, 0x101e3028, 0xe2 },
    { 1601560, 0, 0x101e3024, 0x0 },
    { 2101558, 0, 0x101e3024, 0x0 },
    { 2101562, 1, 0x101e3008, 0x8a },
    { 2262411, 0, 0x101e3004, 0x0 },
    { 2262414, 0, 0x101e3004, 0x0 },
    { 2262419, 0, 0x101e3004, 0x0 },
    { 2262422, 0, 0x101e3004, 0x0 },
    { 2262427, 0, 0x101e3004, 0x0 },
    { 2262430, 0, 0x101e3004, 0x0 },
    { 2262435, 0, 0x101e3004, 0x0 },
    { 2262438, 0, 0x101e3004, 0x0 },
    { 2262443, 0, 0x101e3004, 0x0 },
    { 2262446, 0, 0x101e3004, 0x0 },
    { 2262451, 0, 0x101e3004, 0x0 },
    { 2262454, 0, 0x101e3004, 0x0 },
    { 2262459, 0, 0x101e3004, 0x0 },
    { 2262462, 0, 0x101e3004, 0x0 },
    { 2262467, 0, 0x101e3004, 0x0 },
    { 2262470, 0, 0x101e3004, 0x0 },
};
static const uint32_t edges_s0_expect[] = {
    0x00000000, 0x00000001, 0x00000001, 0x00000000, 0x00000010, 0x00000000,
    0x00000063, 0x00000000, 0x00000031, 0x00000000, 0x00000031, 0x00000002,
    0x00000001, 0x00000000, 0x00000001, 0x00000000, 0x00000000, 0x00000001,
    0x00000000, 0x000003e7, 0x000001f3, 0xfffffffd, 0xfffffffd, 0xfffffffd,
    0xfffffffd, 0xfffffffd, 0xfffffffd, 0xfffffffd, 0xfffffffd, 0xfffffffd,
    0xfffffffd, 0xfffffffd, 0xfffffffd, 0xfffffffd, 0xfffffffd, 0xfffffffd,
    0xfffffffd,
};
static const TraceOp edges_s3_ops[] = {
    { 4, 1, 0x101e2000, 0x64 },
    { 7, 1, 0x101e2008, 0xe2 },
    { 12506, 0, 0x101e2004, 0x0 },
    { 25007, 0, 0x101e2010, 0x0 },
    { 25010, 0, 0x101e2010, 0x0 },
    { 25014, 1, 0x101e200c, 0x1 },
    { 37507, 0, 0x10140008, 0x0 },
    { 37510, 0, 0x10140008, 0x0 },
    { 50006, 0, 0x101e2004, 0x0 },
    { 50009, 0, 0x101e2004, 0x0 },
    { 50013, 1, 0x101e2018, 0x32 },
    { 62507, 0, 0x101e2004, 0x0 },
    { 62510, 0, 0x101e2004, 0x0 },
    { 68756, 0, 0x101e2004, 0x0 },
    { 68759, 0, 0x101e2004, 0x0 },
    { 68763, 1, 0x101e2008, 0x62 },
    { 68766, 1, 0x101e2020, 0x3 },
    { 68769, 1, 0x101e2028, 0xea },
    { 100770, 0, 0x101e2024, 0x0 },
    { 132772, 0, 0x101e2024, 0x0 },
    { 164776, 0, 0x101e2024, 0x0 },
    { 164779, 0, 0x101e2030, 0x0 },
    { 164783, 1, 0x101e2028, 0x6a },
    { 164786, 1, 0x101e3000, 0xa },
    { 164789, 1, 0x101e3008, 0xa7 },
    { 184788, 0, 0x101e3010, 0x0 },
    { 184791, 0, 0x101e3004, 0x0 },
    { 184794, 0, 0x101e3010, 0x0 },
    { 184797, 0, 0x101e3004, 0x0 },
    { 184801, 1, 0x101e3020, 0x3e8 },
    { 184804, 1, 0x101e3028, 0xe2 },
    { 200237, 1, 0x101e3028, 0xe2 },
    { 200244, 0, 0x101e3024, 0x0 },
    { 262742, 0, 0x101e3024, 0x0 },
    { 262746, 1, 0x101e3008, 0x8a },
    { 282853, 0, 0x101e3004, 0x0 },
    { 282856, 0, 0x101e3004, 0x0 },
    { 282861, 0, 0x101e3004, 0x0 },
    { 282864, 0, 0x101e3004, 0x0 },
    { 282869, 0, 0x101e3004, 0x0 },
    { 282872, 0, 0x101e3004, 0x0 },
    { 282877, 0, 0x101e3004, 0x0 },
    { 282880, 0, 0x101e3004, 0x0 },
    { 282885, 0, 0x101e3004, 0x0 },
    { 282888, 0, 0x101e3004, 0x0 },
    { 282893, 0, 0x101e3004, 0x0 },
    { 282896, 0, 0x101e3004, 0x0 },
    { 282901, 0, 0x101e3004, 0x0 },
    { 282904, 0, 0x101e3004, 0x0 },
    { 282909, 0, 0x101e3004, 0x0 },
    { 282912, 0, 0x101e3004, 0x0 },
};
static const uint32_t edges_s3_expect[] = {
    0x00000000, 0x00000001, 0x00000001, 0x00000000, 0x00000010, 0x00000000,
    0x00000063, 0x00000000, 0x00000031, 0x00000000, 0x00000031, 0x00000002,
    0x00000001, 0x00000000, 0x00000001, 0x00000000, 0x00000000, 0x00000001,
    0x00000000, 0x000003e7, 0x000001f3, 0xfffffffd, 0xfffffffd, 0xfffffffd,
    0xfffffffd, 0xfffffffd, 0xfffffffd, 0xfffffffd, 0xfffffffd, 0xfffffffd,
    0xfffffffd, 0xfffffffd, 0xfffffffd, 0xfffffffd, 0xfffffffd, 0xfffffffd,
    0xfffffffd,
};
static const TraceOp edges_s7_ops[] = {
    { 4, 1, 0x101e2000, 0x64 },
    { 7, 1, 0x101e2008, 0xe2 },
    { 788, 0, 0x101e2004, 0x0 },
    { 1570, 0, 0x101e2010, 0x0 },
    { 1573, 0, 0x101e2010, 0x0 },
    { 1577, 1, 0x101e200c, 0x1 },
    { 2351, 0, 0x10140008, 0x0 },
    { 2354, 0, 0x10140008, 0x0 },
    { 3131, 0, 0x101e2004, 0x0 },
    { 3134, 0, 0x101e2004, 0x0 },
    { 3138, 1, 0x101e2018, 0x32 },
    { 3914, 0, 0x101e2004, 0x0 },
    { 3917, 0, 0x101e2004, 0x0 },
    { 4303, 0, 0x101e2004, 0x0 },
    { 4306, 0, 0x101e2004, 0x0 },
    { 4310, 1, 0x101e2008, 0x62 },
    { 4313, 1, 0x101e2020, 0x3 },
    { 4316, 1, 0x101e2028, 0xea },
    { 6315, 0, 0x101e2024, 0x0 },
    { 8315, 0, 0x101e2024, 0x0 },
    { 10317, 0, 0x101e2024, 0x0 },
    { 10320, 0, 0x101e2030, 0x0 },
    { 10324, 1, 0x101e2028, 0x6a },
    { 10327, 1, 0x101e3000, 0xa },
    { 10330, 1, 0x101e3008, 0xa7 },
    { 11579, 0, 0x101e3010, 0x0 },
    { 11582, 0, 0x101e3004, 0x0 },
    { 11585, 0, 0x101e3010, 0x0 },
    { 11588, 0, 0x101e3004, 0x0 },
    { 11592, 1, 0x101e3020, 0x3e8 },
    { 11595, 1, 0x101e3028, 0xe2 },
    { 12560, 1, 0x101e3028, 0xe2 },
    { 12567, 0, 0x101e3024, 0x0 },
    { 16471, 0, 0x101e3024, 0x0 },
    { 16475, 1, 0x101e3008, 0x8a },
    { 17732, 0, 0x101e3004, 0x0 },
    { 17735, 0, 0x101e3004, 0x0 },
    { 17740, 0, 0x101e3004, 0x0 },
    { 17743, 0, 0x101e3004, 0x0 },
    { 17748, 0, 0x101e3004, 0x0 },
    { 17751, 0, 0x101e3004, 0x0 },
    { 17756, 0, 0x101e3004, 0x0 },
    { 17759, 0, 0x101e3004, 0x0 },
    { 17764, 0, 0x101e3004, 0x0 },
    { 17767, 0, 0x101e3004, 0x0 },
    { 17772, 0, 0x101e3004, 0x0 },
    { 17775, 0, 0x101e3004, 0x0 },
    { 17780, 0, 0x101e3004, 0x0 },
    { 17783, 0, 0x101e3004, 0x0 },
    { 17788, 0, 0x101e3004, 0x0 },
    { 17791, 0, 0x101e3004, 0x0 },
};
static const uint32_t edges_s7_expect[] = {
    0x00000000, 0x00000001, 0x00000001, 0x00000000, 0x00000010, 0x00000000,
    0x00000063, 0x00000000, 0x00000031, 0x00000000, 0x00000031, 0x00000002,
    0x00000001, 0x00000000, 0x00000001, 0x00000000, 0x00000000, 0x00000001,
    0x00000000, 0x000003e7, 0x000001f3, 0xfffffffd, 0xfffffffd, 0xfffffffd,
    0xfffffffd, 0xfffffffd, 0xfffffffd, 0xfffffffd, 0xfffffffd, 0xfffffffd,
    0xfffffffd, 0xfffffffd, 0xfffffffd, 0xfffffffd, 0xfffffffd, 0xfffffffd,
    0xfffffffd,
};
static const TraceOp edges_s10_ops[] = {
    { 4, 1, 0x101e2000, 0x64 },
    { 7, 1, 0x101e2008, 0xe2 },
    { 104, 0, 0x101e2004, 0x0 },
    { 203, 0, 0x101e2010, 0x0 },
    { 206, 0, 0x101e2010, 0x0 },
    { 210, 1, 0x101e200c, 0x1 },
    { 300, 0, 0x10140008, 0x0 },
    { 303, 0, 0x10140008, 0x0 },
    { 397, 0, 0x101e2004, 0x0 },
    { 400, 0, 0x101e2004, 0x0 },
    { 404, 1, 0x101e2018, 0x32 },
    { 496, 0, 0x101e2004, 0x0 },
    { 499, 0, 0x101e2004, 0x0 },
    { 544, 0, 0x101e2004, 0x0 },
    { 547, 0, 0x101e2004, 0x0 },
    { 551, 1, 0x101e2008, 0x62 },
    { 554, 1, 0x101e2020, 0x3 },
    { 557, 1, 0x101e2028, 0xea },
    { 806, 0, 0x101e2024, 0x0 },
    { 1056, 0, 0x101e2024, 0x0 },
    { 1308, 0, 0x101e2024, 0x0 },
    { 1311, 0, 0x101e2030, 0x0 },
    { 1315, 1, 0x101e2028, 0x6a },
    { 1318, 1, 0x101e3000, 0xa },
    { 1321, 1, 0x101e3008, 0xa7 },
    { 1477, 0, 0x101e3010, 0x0 },
    { 1480, 0, 0x101e3004, 0x0 },
    { 1483, 0, 0x101e3010, 0x0 },
    { 1486, 0, 0x101e3004, 0x0 },
    { 1490, 1, 0x101e3020, 0x3e8 },
    { 1493, 1, 0x101e3028, 0xe2 },
    { 1614, 1, 0x101e3028, 0xe2 },
    { 1621, 0, 0x101e3024, 0x0 },
    { 2107, 0, 0x101e3024, 0x0 },
    { 2111, 1, 0x101e3008, 0x8a },
    { 2269, 0, 0x101e3004, 0x0 },
    { 2272, 0, 0x101e3004, 0x0 },
    { 2277, 0, 0x101e3004, 0x0 },
    { 2280, 0, 0x101e3004, 0x0 },
    { 2285, 0, 0x101e3004, 0x0 },
    { 2288, 0, 0x101e3004, 0x0 },
    { 2293, 0, 0x101e3004, 0x0 },
    { 2296, 0, 0x101e3004, 0x0 },
    { 2301, 0, 0x101e3004, 0x0 },
    { 2304, 0, 0x101e3004, 0x0 },
    { 2309, 0, 0x101e3004, 0x0 },
    { 2312, 0, 0x101e3004, 0x0 },
    { 2317, 0, 0x101e3004, 0x0 },
    { 2320, 0, 0x101e3004, 0x0 },
    { 2325, 0, 0x101e3004, 0x0 },
    { 2328, 0, 0x101e3004, 0x0 },
};
static const uint32_t edges_s10_expect[] = {
    0x00000000, 0x00000001, 0x00000001, 0x00000000, 0x00000010, 0x00000000,
    0x00000061, 0x00000000, 0x0000002e, 0x00000000, 0x0000002f, 0x00000002,
    0x00000001, 0x00000000, 0x00000001, 0x00000000, 0x00000000, 0x00000001,
    0x00000000, 0x000003e0, 0x000001ef, 0xfffffffd, 0xfffffffd, 0xfffffffd,
    0xfffffffd, 0xfffffffd, 0xfffffffd, 0xfffffffd, 0xfffffffd, 0xfffffffd,
    0xfffffffd, 0xfffffffd, 0xfffffffd, 0xfffffffd, 0xfffffffd, 0xfffffffd,
    0xfffffffd,
};
static const TraceRun trace_runs[] = {
    { "registers", 0, regs_ops, sizeof(regs_ops) / sizeof(regs_ops[0]), regs_s0_expect, sizeof(regs_s0_expect) / sizeof(regs_s0_expect[0]) },
    { "registers", 3, regs_ops, sizeof(regs_ops) / sizeof(regs_ops[0]), regs_s3_expect, sizeof(regs_s3_expect) / sizeof(regs_s3_expect[0]) },
    { "registers", 7, regs_ops, sizeof(regs_ops) / sizeof(regs_ops[0]), regs_s7_expect, sizeof(regs_s7_expect) / sizeof(regs_s7_expect[0]) },
    { "registers", 10, regs_ops, sizeof(regs_ops) / sizeof(regs_ops[0]), regs_s10_expect, sizeof(regs_s10_expect) / sizeof(regs_s10_expect[0]) },
    { "timer edges", 0, edges_s0_ops, sizeof(edges_s0_ops) / sizeof(edges_s0_ops[0]), edges_s0_expect, sizeof(edges_s0_expect) / sizeof(edges_s0_expect[0]) },
    { "timer edges", 3, edges_s3_ops, sizeof(edges_s3_ops) / sizeof(edges_s3_ops[0]), edges_s3_expect, sizeof(edges_s3_expect) / sizeof(edges_s3_expect[0]) },
    { "timer edges", 7, edges_s7_ops, sizeof(edges_s7_ops) / sizeof(edges_s7_ops[0]), edges_s7_expect, sizeof(edges_s7_expect) / sizeof(edges_s7_expect[0]) },
    { "timer edges", 10, edges_s10_ops, sizeof(edges_s10_ops) / sizeof(edges_s10_ops[0]), edges_s10_expect, sizeof(edges_s10_expect) / sizeof(edges_s10_expect[0]) },
};

static int failures, tests;

typedef struct CpuLines { int irq, fiq; } CpuLines;
static void cpu_irq(void *opaque, int n, int level)
{
    CpuLines *c = opaque;
    if (n == 0)
        c->irq = level;
    else
        c->fiq = level;
}

/* Run the timers that fire before instruction k, then stand at k. */
static void advance_to_insn(Icount *ic, int64_t k)
{
    for (;;) {
        int64_t next = timerlist_next_expiry(&ic->vtimers);
        if (next == INT64_MAX)
            break;
        int64_t idx = (next + (1LL << ic->shift) - 1) >> ic->shift;
        if (idx >= k)
            break;
        if (idx > ic->executed)
            ic->executed = idx;
        timerlist_run(&ic->vtimers);
    }
    ic->executed = k;
}

static int replay(const TraceRun *run)
{
    int shift = run->shift;
    IcountDecr decr;
    Icount ic;
    Bus bus;
    CpuLines cpu = {0, 0};
    int bad = 0;

    icount_init(&ic, &decr, shift, false, false);
    if (bus_init(&bus, 0x100000) < 0)
        return 1;
    VersatilePBConfig cfg = {
        .bus = &bus, .vtimers = &ic.vtimers,
        .cpu_irq = irq_line(cpu_irq, &cpu, 0),
        .cpu_fiq = irq_line(cpu_irq, &cpu, 1),
        .rtc_clock = VPB_RTC_CLOCK_VM,
        .rtc_base = 1577836800,     /* 2020-01-01T00:00:00Z */
    };
    VersatilePB *vpb = versatilepb_create(&cfg);
    if (!vpb)
        return 1;
    size_t r = 0;
    for (size_t i = 0; i < run->nops; i++) {
        const TraceOp *op = &run->ops[i];
        advance_to_insn(&ic, op->k);
        const MmioRegion *reg = bus_find(&bus, op->addr);
        if (!reg) {
            printf("# no device at 0x%08x\n", op->addr);
            bad++;
            continue;
        }
        if (op->is_write) {
            reg->write(reg->opaque, op->addr - reg->base, op->value, 4);
        } else {
            uint32_t v = reg->read(reg->opaque, op->addr - reg->base, 4);
            if (r >= run->nexpect) {
                bad++;
                break;
            }
            uint32_t want = run->expect[r++];
            if (v != want) {
                printf("# shift %d insn %lld read 0x%08x: got 0x%08x, qemu 0x%08x\n",
                       shift, (long long)op->k, op->addr, v, want);
                bad++;
            }
        }
    }
    versatilepb_destroy(vpb);
    bus_free(&bus);
    tests++;
    if (bad || r != run->nexpect)
        failures++;
    printf("%sok %d - %s, shift=%d: %zu reads match qemu 7.2\n",
           bad || r != run->nexpect ? "not " : "", tests, run->name, shift, r);
    return bad;
}

int main(void)
{
    for (size_t i = 0; i < sizeof(trace_runs) / sizeof(trace_runs[0]); i++)
        replay(&trace_runs[i]);
    printf("%d passed, %d failed\n", tests - failures, failures);
    return failures ? 1 : 0;
}

/*
 * Guest generators. Registers: python3 gen.py guest.S ops.json; edges:
 * python3 gen2.py SHIFT g.S ops.json. Build: arm-none-eabi-gcc
 * -mcpu=arm926ej-s -nostdlib -Ttext=0x10000 -o g.elf g.S. Run:
 * qemu-system-arm -M versatilepb -kernel g.elf -icount shift=S,sleep=off
 * -display none -serial stdio -monitor none -semihosting
 * -rtc base=2020-01-01,clock=vm (one hex word per read on stdout).
 *
 * ---- gen.py ----
 * #!/usr/bin/env python3
 * """Generate a straight-line versatilepb guest; every MMIO op sits at a known
 * instruction index k (1-based, counted from the ELF entry)."""
 * import json, sys
 *
 * T0=0x101e2000; T1=0x101e2020; T2=0x101e3000; T3=0x101e3020
 * VIC=0x10140000; SIC=0x10003000; SYS=0x10000000; RTC=0x101e8000; U0=0x101f1000
 *
 * ops=[]   # (kind, addr, value)  kind: 'r','w','n'(nops count)
 * def r(a): ops.append(('r',a,0))
 * def w(a,v): ops.append(('w',a,v))
 * def n(c): ops.append(('n',0,c))
 *
 * r(SYS+0x5c); r(SYS+0x00); r(SYS+0x24); r(SYS+0x84); r(SYS+0x50); r(SYS+0x44)
 * r(T0+0xfe0); r(T0+0xfec); r(T0+0x08); r(T0+0x04)
 * # timer0: periodic 32-bit /1, load 1000
 * w(T0+0x00,1000); w(T0+0x08,0xE2)
 * r(T0+0x04); n(3); r(T0+0x04); n(100); r(T0+0x04); n(900); r(T0+0x04)
 * r(T0+0x10); r(T0+0x14); r(VIC+0x00); r(VIC+0x08)
 * w(VIC+0x10,1<<4); r(VIC+0x00); r(VIC+0x10)
 * w(T0+0x0c,1); r(T0+0x10)
 * w(T0+0x18,500); r(T0+0x04); r(T0+0x00)
 * n(2000); r(T0+0x04); r(T0+0x10)
 * w(T0+0x08,0x62); r(T0+0x04); n(50); r(T0+0x04)
 * w(T0+0x08,0xE2); r(T0+0x04); n(10); r(T0+0x04)
 * # timer1: oneshot /256 32-bit, load 5
 * w(T1+0x00,5); w(T1+0x08,0xAB); r(T1+0x04); n(200); r(T1+0x04)
 * n(1000); r(T1+0x04); n(2000); r(T1+0x04); r(T1+0x10); r(T1+0x08)
 * # timer2: free-running 16-bit /16, IE off
 * w(T2+0x08,0x84); r(T2+0x04); n(500); r(T2+0x04); r(T2+0x08)
 * w(T2+0x00,0x1234); r(T2+0x04); r(T2+0x00); n(300); r(T2+0x04)
 * w(T2+0x08,0x86)   # 32-bit free running now
 * r(T2+0x04); n(30); r(T2+0x04)
 * # timer3: periodic 16-bit /1, load > 16 bits
 * w(T3+0x00,0x12345); w(T3+0x08,0xE0); r(T3+0x04); n(700); r(T3+0x04)
 * # periodic with /256 and frac period, 32-bit
 * w(T3+0x08,0x00); w(T3+0x00,3); w(T3+0x08,0xEA); r(T3+0x04); n(250); r(T3+0x04)
 * n(250); r(T3+0x04); n(250); r(T3+0x04); r(T3+0x10)
 * # limit 0 periodic: immediate trigger then disabled
 * w(T3+0x08,0x00); w(T3+0x0c,1); w(T3+0x00,0); w(T3+0x08,0xE2); r(T3+0x04); r(T3+0x10); r(T3+0x08)
 * # oneshot with load 0
 * w(T1+0x0c,1); w(T1+0x08,0); w(T1+0x00,0); w(T1+0x08,0xA3); r(T1+0x04); r(T1+0x10)
 * # VIC vectored
 * w(VIC+0x100,0x1000); w(VIC+0x200,0x20|4)
 * w(VIC+0x104,0x2000); w(VIC+0x204,0x20|5)
 * w(VIC+0x34,0xdead0)
 * w(VIC+0x10,(1<<5)|(1<<31)); r(VIC+0x00); r(VIC+0x08)
 * r(VIC+0x30); r(VIC+0x00); r(VIC+0x30); w(VIC+0x30,0); r(VIC+0x30)
 * w(T0+0x0c,1); w(VIC+0x30,0); r(VIC+0x30); w(VIC+0x30,0)
 * w(VIC+0x18,1<<20); r(VIC+0x08); r(VIC+0x18); r(VIC+0x30); w(VIC+0x1c,1<<20); w(VIC+0x30,0)
 * r(VIC+0xfe0); r(VIC+0xff0); r(VIC+0x34); r(VIC+0x200); r(VIC+0x104)
 * w(VIC+0x0c,1<<4); r(VIC+0x04); r(VIC+0x00); w(VIC+0x0c,0)
 * w(VIC+0x20,1); r(VIC+0x20)
 * # SIC
 * r(SIC+0x00); r(SIC+0x08); w(SIC+0x08,0x40); r(SIC+0x08); w(SIC+0x10,1); r(SIC+0x08); r(SIC+0x10)
 * w(SIC+0x14,1); w(SIC+0x20,0xffffffff); r(SIC+0x20); w(SIC+0x24,0x00200000); r(SIC+0x20)
 * # sysctl
 * w(SYS+0x08,0x55); r(SYS+0x08); w(SYS+0x20,0x1234); r(SYS+0x20); w(SYS+0x20,0xa05f); r(SYS+0x20)
 * w(SYS+0x30,0xf0); w(SYS+0x34,0x30); r(SYS+0x30); w(SYS+0x50,0xffffffff); r(SYS+0x50)
 * w(SYS+0x28,7); r(SYS+0x28); r(SYS+0x88); r(SYS+0x40); r(SYS+0x48)
 * # UART0 registers (no TX to keep output clean)
 * r(U0+0x18); r(U0+0x30); r(U0+0x34); r(U0+0xfe0); r(U0+0xffc); r(U0+0x3c)
 * w(U0+0x38,0x30); r(U0+0x40); r(U0+0x3c)
 * # RTC
 * r(RTC+0x00); r(RTC+0x0c); r(RTC+0xfe0); w(RTC+0x08,1000); r(RTC+0x00); r(RTC+0x08)
 * w(RTC+0x04,999); r(RTC+0x14); w(RTC+0x10,1); r(RTC+0x18); w(RTC+0x1c,1); r(RTC+0x14)
 * # timers still running
 * r(T0+0x04); r(T2+0x04); r(T3+0x04)
 * r(SYS+0x5c)
 *
 * # --- emit asm, counting instructions
 * lines=['.syntax unified','.arm','.global _start','_start:',
 *        '    ldr r9, =buf']
 * k=1
 * table=[]
 * lab=0
 * def pool():
 *     global lab,k
 *     lab+=1
 *     lines.append(f'    b .Lp{lab}'); k+=1
 *     lines.append('    .ltorg')
 *     lines.append(f'.Lp{lab}:')
 * for i,(kind,a,v) in enumerate(ops):
 *     if kind=='n':
 *         if v>=100: pool()
 *         lines.append(f'    .rept {v}\n    nop\n    .endr'); k+=v
 *         continue
 *     lines.append(f'    ldr r3, =0x{a:08x}'); k+=1
 *     if kind=='w':
 *         lines.append(f'    ldr r2, =0x{v:08x}'); k+=1
 *         lines.append('    str r2, [r3]'); k+=1
 *         table.append(('w',k,a,v))
 *     else:
 *         lines.append('    ldr r2, [r3]'); k+=1
 *         table.append(('r',k,a,0))
 *         lines.append('    str r2, [r9], #4'); k+=1
 *     if i%8==7: pool()
 * lines += ['    ldr r10, =buf',
 *  '    ldr r4, =0x101f1000',
 *  'print_loop:',
 *  '    cmp r10, r9', '    beq done',
 *  '    ldr r5, [r10], #4',
 *  '    mov r6, #28',
 *  'hex:',
 *  '    mov r7, r5, lsr r6', '    and r7, r7, #15', '    cmp r7, #10',
 *  '    addlt r7, r7, #48', '    addge r7, r7, #87', '    str r7, [r4]',
 *  '    subs r6, r6, #4', '    bge hex',
 *  '    mov r7, #10', '    str r7, [r4]', '    b print_loop',
 *  'done:',
 *  '    mov r0, #0x18', '    ldr r1, =0x20026', '    svc 0x123456',
 *  '1:  b 1b',
 *  '    .ltorg',
 *  '.bss', '.align 4', 'buf: .space 8192']
 * open(sys.argv[1],'w').write('\n'.join(lines)+'\n')
 * json.dump(table, open(sys.argv[2],'w'))
 * print(len(table),'ops; reads:',sum(1 for t in table if t[0]=='r'))
 *
 * ---- gen2.py ----
 * #!/usr/bin/env python3
 * """Per-shift guest placing SP804 accesses exactly at deadline instructions and
 * at instants where ptimer's rounded-up 64.32 divisor matters."""
 * import json, sys
 * S=int(sys.argv[1])
 * T0=0x101e2000; T1=0x101e2020; T2=0x101e3000; T3=0x101e3020; VIC=0x10140000
 * NSI=1<<S
 * lines=['.syntax unified','.arm','.global _start','_start:','    ldr r9, =buf']
 * k=1; table=[]; lab=0; since_pool=0
 * def pool():
 *     global lab,k,since_pool
 *     lab+=1; lines.append(f'    b .Lp{lab}'); k+=1
 *     lines.append('    .ltorg'); lines.append(f'.Lp{lab}:'); since_pool=0
 * def pad(p):
 *     """exactly p instructions of padding"""
 *     global k
 *     assert p>=0, p
 *     if p>=7:
 *         pool()
 *         p-=1
 *         n=(p-1)//2
 *         lines.append(f'    ldr r5, ={n}'); lines.append(f'1:  subs r5, r5, #1'); lines.append('    bne 1b')
 *         k+=1+2*n; p-=1+2*n
 *     for _ in range(p):
 *         lines.append('    nop'); k+=1
 * def w(a,v,at=None):
 *     global k,since_pool
 *     if at is not None: pad(at-(k+3))
 *     lines.append(f'    ldr r3, =0x{a:08x}'); lines.append(f'    ldr r2, =0x{v:08x}'); lines.append('    str r2, [r3]')
 *     k+=3; table.append(('w',k,a,v)); since_pool+=1
 *     if since_pool>=8: pool()
 *     return k
 * def r(a,at=None):
 *     global k,since_pool
 *     if at is not None: pad(at-(k+2))
 *     lines.append(f'    ldr r3, =0x{a:08x}'); lines.append('    ldr r2, [r3]'); k+=2
 *     table.append(('r',k,a,0)); ac=k
 *     lines.append('    str r2, [r9], #4'); k+=1; since_pool+=1
 *     if since_pool>=8: pool()
 *     return ac
 * def ceil_insn(ns): return -(-ns//NSI)
 *
 * # --- (a) periodic /1, L=100: period 100us
 * L=100
 * ks=w(T0,L); ks=w(T0+8,0xE2)
 * nxt=(ks<<S)+L*1000
 * j=ceil_insn(nxt)
 * r(T0+4,at=j-1) if (j-1)>k+2 else None
 * r(T0+4,at=j+L*1000//NSI) if False else None
 * # value exactly at the first deadline instruction
 * nxt1=nxt; j1=ceil_insn(nxt1)
 * if j1>k+2: r(T0+4,at=j1)
 * nxt2=nxt1+L*1000; j2=ceil_insn(nxt2); r(T0+0x10,at=j2-0 if j2>k+2 else None); r(T0+0x10)
 * w(T0+0xc,1)
 * nxt3=nxt2+L*1000; j3=ceil_insn(nxt3); r(VIC+8,at=j3); r(VIC+8)
 * nxt4=nxt3+L*1000; j4=ceil_insn(nxt4); r(T0+4,at=j4-1); r(T0+4,at=j4+2)
 * # BGLoad mid period; the next reload takes it
 * w(T0+0x18,50)
 * nxt5=nxt4+L*1000; j5=ceil_insn(nxt5); r(T0+4,at=j5); r(T0+4,at=j5+3)
 * nxt6=nxt5+50*1000; j6=ceil_insn(nxt6); r(T0+4,at=j6-1); r(T0+4,at=j6+2)
 * w(T0+8,0x62)
 * # --- (b) /256 periodic L=3 ; period 256016 + frac
 * P=1000000000//3906; FR=((1000000000<<32)//3906)&0xffffffff
 * def nxt_of(start,d): return start+d*P+((FR*d)>>32)
 * def qemu_count(rem):
 *     div=P; c1=64-rem.bit_length(); c2=64-div.bit_length(); sh=min(c1,c2)
 *     rem<<=sh; div<<=sh
 *     if sh>=32: div|=FR<<(sh-32)
 *     else:
 *         if sh: div|=FR>>(32-sh)
 *         if (FR<<sh)&0xffffffff: div+=1
 *     return rem//div
 * def naive(rem):
 *     return rem*(1<<32)//(P*(1<<32)+FR)
 * ks=w(T1,3); ks=w(T1+8,0xEA)
 * st=ks<<S; nx=nxt_of(st,3)
 * # find instructions in this period where qemu's count differs from naive,
 * # or sits right at a multiple-of-period boundary
 * cands=[]
 * for kk in range(k+3, ceil_insn(nx)):
 *     rem=nx-(kk<<S)
 *     if rem<=0: break
 *     if qemu_count(rem)!=naive(rem): cands.append(kk)
 * sel=[]
 * for kk in cands:
 *     if not sel or kk>=sel[-1]+3: sel.append(kk)
 *     if len(sel)>=6: break
 * # plus instants 1 insn either side of each period crossing
 * for m in (1,2):
 *     b=nx-m*P
 *     kk=b>>S
 *     sel += [kk-1, kk, kk+1]
 * sel=sorted(set(x for x in sel if x>k+2))
 * last=k
 * for kk in sel:
 *     if kk>=last+3:
 *         r(T1+4,at=kk); last=kk
 * j=ceil_insn(nx);
 * if j>k+2: r(T1+4,at=j)
 * r(T1+0x10)
 * w(T1+8,0x6A)
 * # --- (c) oneshot /16 L=10 ; deadline read of value and RIS
 * ks=w(T2,10); ks=w(T2+8,0xA7)
 * nx=(ks<<S)+10*16000; j=ceil_insn(nx)
 * r(T2+0x10,at=j-1); r(T2+4,at=j+0 if j>k+2 else None); r(T2+0x10); r(T2+4)
 * # --- (d) control rewrite while running loses time
 * ks=w(T3,1000); ks=w(T3+8,0xE2)
 * kk=ks+ (123456//NSI) + 1
 * w(T3+8,0xE2,at=kk)
 * st=kk<<S
 * r(T3+4,at=kk+7)
 * r(T3+4,at=kk+(500000//NSI)+5)
 * # --- (e) free-running 32-bit /256: huge remaining time, where the
 * # rounded-up 64.32 divisor makes the count differ from exact division
 * ks=w(T2+8,0x8A)
 * LL=0xffffffff; tot=LL*P+((FR*LL)>>32)
 * def naive2(rem): return rem*(1<<32)//(P*(1<<32)+FR)
 * picked=[]; i=1
 * while len(picked)<8 and i<4000000:
 *     rem=tot-(i<<S)
 *     if qemu_count(rem)!=naive2(rem) and (not picked or i>=picked[-1]+8):
 *         picked.append(i)
 *     i+=1
 * for i in picked:
 *     r(T2+4,at=ks+i)
 *     r(T2+4)
 * print(f'{len(table)} ops, {sum(1 for t in table if t[0]=="r")} reads, last insn {k}, boundary-rounding candidates {len(cands)}', file=sys.stderr)
 * lines += ['    ldr r10, =buf','    ldr r4, =0x101f1000','print_loop:','    cmp r10, r9','    beq done',
 *  '    ldr r5, [r10], #4','    mov r6, #28','hex:','    mov r7, r5, lsr r6','    and r7, r7, #15','    cmp r7, #10',
 *  '    addlt r7, r7, #48','    addge r7, r7, #87','    str r7, [r4]','    subs r6, r6, #4','    bge hex',
 *  '    mov r7, #10','    str r7, [r4]','    b print_loop','done:','    mov r0, #0x18','    ldr r1, =0x20026',
 *  '    svc 0x123456','1:  b 1b','    .ltorg','.bss','.align 4','buf: .space 8192']
 * open(sys.argv[2],'w').write('\n'.join(lines)+'\n')
 * json.dump(table, open(sys.argv[3],'w'))
 */
