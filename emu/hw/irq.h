/* An interrupt line: a device drives it, the receiver's handler sees levels. */
#ifndef EMU_HW_IRQ_H
#define EMU_HW_IRQ_H

typedef void IrqHandler(void *opaque, int n, int level);

typedef struct IrqLine {
    IrqHandler *handler;
    void *opaque;
    int n;
} IrqLine;

static inline IrqLine irq_line(IrqHandler *h, void *opaque, int n)
{
    IrqLine l = { h, opaque, n };
    return l;
}

static inline void irq_set(const IrqLine *l, int level)
{
    if (l->handler)
        l->handler(l->opaque, l->n, level);
}
#endif
