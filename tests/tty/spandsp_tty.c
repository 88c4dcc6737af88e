/*
 * A TTY (Baudot, 45.45 baud) peer made of spandsp's V.18 parts, for the interoperability tests.
 * Built by tests/tty/peers.py at test time against Debian's libspandsp-dev; nothing here is shipped.
 *
 *   spandsp_tty tx        text on stdin  -> 16-bit 8 kHz PCM on stdout (spandsp's own V.18 character
 *                         table and shift rules, v18_encode_baudot, then its FSK modulator)
 *   spandsp_tty tx-codes  5-bit codes on stdin, one a byte -> PCM (spandsp's modulator, our codes)
 *   spandsp_tty rx        PCM on stdin -> the text spandsp's V.18 receiver (v18_rx) prints
 *
 * The modulator is the one V.18 uses for Baudot: FSK_WEITBRECHT tones, 5 data bits, no parity, 2 stop
 * bits, no lead-in. Audio is read and written in 20 ms blocks, as a Media Stream carries it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>
#include <spandsp.h>

#define BLOCK 160
#define MAX_CODES 65536

static uint8_t codes[MAX_CODES];
static int n_codes;
static int next_code;

static int ended;

static int next_byte(void *user_data)
{
    (void) user_data;
    if (next_code < n_codes)
        return codes[next_code++];
    ended = 1; /* asked for the character after the last: the last one's stop bits have gone out */
    return -1;
}

static void add_code(int code)
{
    if (n_codes < MAX_CODES)
        codes[n_codes++] = (uint8_t) (code & 0x1F);
}

static int modulate(void)
{
    fsk_tx_state_t *fsk;
    async_tx_state_t *async;
    int16_t amp[BLOCK];
    int len;
    int blocks;

    async = async_tx_init(NULL, 5, ASYNC_PARITY_NONE, 2, 0, next_byte, NULL);
    fsk = fsk_tx_init(NULL, &preset_fsk_specs[FSK_WEITBRECHT], async_tx_get_bit, async);
    if (async == NULL || fsk == NULL)
        return 1;
    for (blocks = 0; blocks < 100000; blocks++)
    {
        len = fsk_tx(fsk, amp, BLOCK);
        if (len <= 0)
            break;
        fwrite(amp, sizeof(int16_t), (size_t) len, stdout);
        if (len < BLOCK || ended)
            break;
    }
    return 0;
}

static void put_text(void *user_data, const uint8_t *msg, int len)
{
    (void) user_data;
    fwrite(msg, 1, (size_t) len, stdout);
}

static int receive(void)
{
    v18_state_t *v18;
    int16_t amp[BLOCK];
    size_t got;

    v18 = v18_init(NULL, 0, V18_MODE_5BIT_45, put_text, NULL);
    if (v18 == NULL)
        return 1;
    while ((got = fread(amp, sizeof(int16_t), BLOCK, stdin)) > 0)
        v18_rx(v18, amp, (int) got);
    /* A second of silence drops the carrier, which hands over the last text. */
    memset(amp, 0, sizeof(amp));
    for (got = 0; got < 50; got++)
        v18_rx(v18, amp, BLOCK);
    return 0;
}

int main(int argc, char *argv[])
{
    v18_state_t *v18;
    int ch;
    int x;

    if (argc != 2)
    {
        fprintf(stderr, "usage: %s tx|tx-codes|rx\n", argv[0]);
        return 2;
    }
    if (strcmp(argv[1], "rx") == 0)
        return receive();
    if (strcmp(argv[1], "tx-codes") == 0)
    {
        while ((ch = getchar()) != EOF)
            add_code(ch);
        return modulate();
    }
    if (strcmp(argv[1], "tx") == 0)
    {
        v18 = v18_init(NULL, 1, V18_MODE_5BIT_45, put_text, NULL);
        if (v18 == NULL)
            return 1;
        while ((ch = getchar()) != EOF)
        {
            x = v18_encode_baudot(v18, (uint8_t) (ch & 0x7F));
            if (x == 0)
                continue;
            if (x & 0x3E0)
                add_code(x >> 5);
            add_code(x);
        }
        return modulate();
    }
    fprintf(stderr, "unknown mode %s\n", argv[1]);
    return 2;
}
