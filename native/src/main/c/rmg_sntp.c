/*
 * reactor-mongoose: SNTP on a connected UDP connection of rmg_udp.c (Java peer:
 * internal/jni/SntpNative). The request is Mongoose's (mg_sntp_request's bytes, with random
 * low bits in its transmit time, see rmg_sntp_request) and so is the time (mg_sntp_parse,
 * which corrects the server's transmit time by half the round trip). We do
 * not use mg_sntp_connect: its sntp_cb keeps a deadline in c->data[0..7], where the glue
 * keeps its flags, has a fixed 3 s timeout, closes the connection after any first datagram,
 * and goes through mg_connect's unconnected socket. Before mg_sntp_parse, rmg_sntp_answer
 * checks what Mongoose does not (RFC 4330 section 5), so that a bad answer gets a reason.
 * SPDX-License-Identifier: GPL-2.0-only
 */
#define _DEFAULT_SOURCE 1 /* clock_gettime under -std=c11 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "rmg_jni.h"

#define RMG_NTP_UNIX_OFFSET 2208988800U /* seconds from 1900 to 1970 */
#define RMG_SNTP_LEN 48

static void rmg_sntp_bad(struct rmg_loop *loop, unsigned long id, const char *msg) {
  rmg_record_bytes(&loop->ev, RMG_EV_SNTP_BAD, id, 0, msg, strlen(msg));
}

void rmg_sntp_answer(struct rmg_loop *loop, struct mg_connection *c, const unsigned char *buf, size_t len) {
  char msg[96];
  unsigned long id = c->id;
  int li, version, mode, stratum;
  int64_t t;
  unsigned char *p;
  struct timespec ts;
  if (len < RMG_SNTP_LEN) {
    snprintf(msg, sizeof(msg), "short answer: %zu bytes, at least %d expected", len, RMG_SNTP_LEN);
    rmg_sntp_bad(loop, id, msg);
    return;
  }
  /* the origin timestamp must be our request's transmit timestamp, all 64 bits (RFC 4330 5;
   * its random low bits make an off-path forgery a guess of 20 bits more than the send time).
   * Checked first (RFC 5905 8): what does not echo the request is not from the server, so a
   * forged kiss-o'-death, leap indicator 3 or zero transmit time is not believed (CVE-2015-7704) */
  if (MG_LOAD_BE32(c->data + RMG_SNTP_SENT) == 0 || memcmp(buf + 24, c->data + RMG_SNTP_SENT, 8) != 0) {
    rmg_sntp_bad(loop, id, "answer does not match the request (origin timestamp)");
    return;
  }
  memset(c->data + RMG_SNTP_SENT, 0, 8); /* one answer per request: a repeated one is refused */
  li = buf[0] >> 6;
  version = (buf[0] >> 3) & 7;
  mode = buf[0] & 7;
  stratum = buf[1];
  if (mode != 4 && mode != 5) {
    snprintf(msg, sizeof(msg), "not a server answer (mode %d)", mode);
  } else if (version != 3 && version != 4) {
    snprintf(msg, sizeof(msg), "unsupported NTP version %d", version);
  } else if (stratum == 0) {
    /* kiss-o'-death: the reference id holds a 4-letter code */
    char code[5];
    int i;
    for (i = 0; i < 4; i++) code[i] = (buf[12 + i] >= 0x20 && buf[12 + i] < 0x7f) ? (char) buf[12 + i] : '?';
    code[4] = '\0';
    snprintf(msg, sizeof(msg), "kiss-o'-death from the server (code %s)", code);
  } else if (stratum > 15) {
    snprintf(msg, sizeof(msg), "invalid stratum %d", stratum);
  } else if (li == 3) {
    snprintf(msg, sizeof(msg), "server clock not synchronized (leap indicator 3)");
  } else if (MG_LOAD_BE32(buf + 40) == 0 && MG_LOAD_BE32(buf + 44) == 0) {
    snprintf(msg, sizeof(msg), "zero transmit timestamp");
  } else {
    msg[0] = '\0';
  }
  if (msg[0] != '\0') {
    rmg_sntp_bad(loop, id, msg);
    return;
  }
  {
    /* mg_sntp_parse also sets Mongoose's wall clock (mg_boot_timestamp_ms, mg_now), process-wide.
     * The TLS stack checks certificate validity with it (rmg_tls.c sets it from CLOCK_REALTIME):
     * an answer from a wrong or hostile server must not move it, so it is put back. */
    uint64_t mg_clock = mg_boot_timestamp_ms;
    t = mg_sntp_parse(buf, len);
    mg_boot_timestamp_ms = mg_clock;
  }
  clock_gettime(CLOCK_REALTIME, &ts);
  if (t <= 0) {
    rmg_sntp_bad(loop, id, "unusable server time");
    return;
  }
  p = rmg_record(&loop->ev, RMG_EV_SNTP_TIME, id, t, 8);
  if (p != NULL) {
    int64_t local = (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    memcpy(p, &local, 8);
  }
}

/* Mongoose's request (mg_sntp_request: version 4, mode 3, the transmit time from mg_millis(),
 * which mg_sntp_parse reads back from the answer's origin to measure the round trip), with
 * the 20 low bits of the fraction random (below a millisecond: mg_sntp_parse's arithmetic is
 * unchanged), kept to check the answer's origin against. */
jlong rmg_sntp_request(struct rmg_loop *loop, jlong id) {
  struct mg_connection *c = rmg_conn(loop, id);
  uint8_t buf[RMG_SNTP_LEN] = {0};
  uint64_t now = mg_millis();
  uint32_t sec, frac, noise = 0;
  if (c == NULL) return RMG_ERR_NO_CONN;
  if (c->is_closing) return RMG_ERR_CLOSING;
  if (!c->is_udp || !(c->data[1] & RMG_CF2_SNTP)) return RMG_ERR_BAD_ARG;
  mg_random(&noise, sizeof(noise));
  sec = (uint32_t) (now / 1000) + RMG_NTP_UNIX_OFFSET;
  frac = (uint32_t) ((double) (now % 1000) / 1000.0 * 4294967295.0);
  frac = (frac & ~(uint32_t) 0xfffff) | (noise & 0xfffff);
  buf[0] = (0 << 6) | (4 << 3) | 3;
  buf[40] = (uint8_t) (sec >> 24), buf[41] = (uint8_t) (sec >> 16), buf[42] = (uint8_t) (sec >> 8), buf[43] = (uint8_t) sec;
  buf[44] = (uint8_t) (frac >> 24), buf[45] = (uint8_t) (frac >> 16), buf[46] = (uint8_t) (frac >> 8), buf[47] = (uint8_t) frac;
  memcpy(c->data + RMG_SNTP_SENT, buf + 40, 8);
  errno = 0;
  mg_send(c, buf, sizeof(buf)); /* sendto the connected peer (c->rem) at once */
  return errno != 0 ? -(RMG_ERR_ERRNO_BASE + (jlong) errno) : 0;
}

/* ---- natives: thin JNI wrappers ---- */

static jlong JNICALL rmg_sntp_request_native(JNIEnv *env, jclass cls, jlong h, jlong id) {
  (void) env, (void) cls;
  return rmg_sntp_request(rmg_loop_of(h), id);
}

static const JNINativeMethod s_methods[] = {
    {"request", "(JJ)J", (void *) rmg_sntp_request_native},
};

const struct rmg_natives rmg_sntp_natives = RMG_NATIVES("SntpNative", s_methods);
