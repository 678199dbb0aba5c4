/*
 * Fuzz target (d): datagrams into a UDP connection of rmg_udp.c (its own read path in place of
 * Mongoose's read_conn, the DATAGRAM records) and, in SNTP mode, the answer path of
 * rmg_sntp.c (the RFC 4330 checks, then Mongoose's mg_sntp_parse, SNTP_TIME/SNTP_BAD).
 *
 * Input: byte 0 picks SNTP mode (bit 0) and whether the driver, acting as Java, answers each
 * datagram (bit 1) or pauses and resumes reading (bit 2), and whether it stores a request's
 * transmit time and writes it into each 48-byte answer's origin field (bit 3; otherwise the
 * origin check refuses every answer and mg_sntp_parse is never reached); byte 1 how the rest is cut into
 * datagrams (each write on the SOCK_DGRAM socketpair is one datagram, empty ones included).
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "fz.h"

struct fz_udp_ctx {
  int flags;
  int datagrams;
};

static void fz_udp_answer(struct rmg_loop *loop, long id, const struct fz_rec *r, int poll, void *ctx) {
  struct fz_udp_ctx *x = (struct fz_udp_ctx *) ctx;
  if (r->type == RMG_EV_DATAGRAM || r->type == RMG_EV_SNTP_TIME || r->type == RMG_EV_SNTP_BAD) {
    x->datagrams++;
  }
  if (r->type == RMG_EV_DATAGRAM && (x->flags & 2)) {
    static const char pong[] = "pong";
    jlong rc = rmg_udp_send(loop, id, NULL, 0, 0, pong, sizeof(pong) - 1);
    FZ_ASSERT(rc == 0 || rc == RMG_ERR_CLOSING || rc <= -RMG_ERR_ERRNO_BASE, "send failed: %lld", (long long) rc);
  }
  if (x->flags & 4) {
    rmg_conn_control_ops(loop, id, (poll & 1) ? RMG_OP_PAUSE : RMG_OP_RESUME);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct rmg_loop *loop;
  struct fz_polled pr;
  struct fz_udp_ctx ctx;
  int sv[2], i;
  int64_t id;
  size_t seg;
  uint8_t *payload;
  if (size < 2) return 0;
  loop = fz_loop();
  FZ_ASSERT(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) == 0, "socketpair");
  id = rmg_udp_adopt(loop, sv[0], (data[0] & 1) ? RMG_CF2_SNTP : 0);
  FZ_ASSERT(id > 0, "adopt failed: %lld", (long long) id);
  ctx.flags = data[0];
  ctx.datagrams = 0;
  /* Java sends Mongoose's SNTP request first (rmg_sntp_request). Not here: mg_send passes c->rem,
   * an IP address, to sendto, which a socketpair refuses, and a failed UDP mg_send closes the
   * connection (iolog sets is_closing); only the answer path depends on the input anyway. */
  seg = data[1] == 0 ? 48 : (size_t) data[1];
  payload = (uint8_t *) malloc(size - 2 + 1);
  FZ_ASSERT(payload != NULL, "malloc");
  memcpy(payload, data + 2, size - 2);
  if ((data[0] & 8) && seg >= 32) {
    /* as rmg_sntp_request keeps it: seconds of mg_millis() since 1900, then a fraction */
    uint32_t sec = (uint32_t) (mg_millis() / 1000) + 2208988800U;
    uint8_t sent[8] = {(uint8_t) (sec >> 24), (uint8_t) (sec >> 16), (uint8_t) (sec >> 8), (uint8_t) sec, 0x12, 0x34, 0x56, 0x78};
    size_t at;
    memcpy(rmg_conn(loop, id)->data + RMG_SNTP_SENT, sent, sizeof(sent));
    for (at = 0; at + 32 <= size - 2; at += seg) memcpy(payload + at + 24, sent, sizeof(sent));
  }
  fz_drive(loop, (long) id, sv[1], payload, size - 2, seg, fz_udp_answer, &ctx);
  free(payload);
  /* a datagram socket does not end with its peer: close it as Java's dispose does */
  if (fz_alive(loop, (long) id)) rmg_conn_control_ops(loop, id, RMG_OP_CLOSE);
  for (i = 0; i < 5 && fz_alive(loop, (long) id); i++) fz_poll(loop, &pr);
  FZ_ASSERT(!fz_alive(loop, (long) id), "the UDP connection did not close");
  fz_loop_free(loop);
  return 0;
}
