/*
 * National LM4549 AC'97 codec, as QEMU 7.2's hw/audio/lm4549.c: its
 * register file (vendor ID "NSC1", 48 kHz DAC/ADC rates, power-down status
 * bits that cannot be written) and a 1024-sample output buffer of 16-bit
 * stereo.
 *
 * QEMU hands the full buffer to its audio layer, which drains it at the
 * host's pace and calls back for more data (lm4549_audio_out_callback ->
 * the PL041 moving FIFO samples). emu-arm has no audio back end: a full
 * buffer is discarded at once, as if the host sound card took it all, and
 * there is no periodic data request. Only a guest that streams more than a
 * buffer of audio could tell the difference (its FIFO would drain in bursts
 * as the guest writes instead of at the host audio rate); the Linux AACI
 * driver is a module nobody loads here, and QEMU's drain timing depends on
 * the host audio back end, so it is not reproducible on QEMU either.
 */
#ifndef EMU_HW_LM4549_H
#define EMU_HW_LM4549_H
#include <stdint.h>

#define LM4549_BUFFER_SIZE (512 * 2)    /* 512 stereo 16-bit samples */

typedef struct Lm4549 {
    uint16_t regfile[128];              /* indexed by register address */
    uint16_t buffer[LM4549_BUFFER_SIZE];
    uint32_t buffer_level;
    uint64_t samples_discarded;         /* what emu-arm dropped instead of playing */
} Lm4549;

/* Power-on register values and an empty buffer (QEMU's lm4549_init). */
void lm4549_init(Lm4549 *s);
/* Codec register access through AC-link slots 1/2; offset 0..127. */
uint32_t lm4549_read(Lm4549 *s, uint32_t offset);
void lm4549_write(Lm4549 *s, uint32_t offset, uint32_t value);
/* Two 20-bit samples for the DAC; 0 when the buffer had no room. */
uint32_t lm4549_write_samples(Lm4549 *s, uint32_t left, uint32_t right);
#endif
