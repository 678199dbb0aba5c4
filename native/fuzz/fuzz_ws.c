/*
 * Fuzz target (b): WebSocket frames after an upgrade, through rmg_ws.c's RFC 6455 checks
 * (rmg_ws_guard / rmg_ws_check: close 1002, 1007 or 1009) in front of Mongoose's mg_ws_cb,
 * and the WS_MSG/WS_CTL records.
 *
 * Input: byte 0 picks the listener's max_ws_frame limit, whether a subprotocol is negotiated
 * and whether the upgrade sets a limit of its own (WebsocketServerSpec.maxFramePayloadLength), byte 1
 * how the rest is cut into writes, the rest is what the client sends after the 101 (frames,
 * masked or not, fragmented or not). Acting as Java, the driver echoes every message with
 * its opcode (rmg_ws_send_frame) and answers a close frame with a close + DRAIN.
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "fz.h"

static const char s_upgrade[] =
    "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

/* Echoes every message with its opcode; answers a close frame with a close + DRAIN. */
static void fz_ws_answer(struct rmg_loop *loop, long id, const struct fz_rec *r, int poll, void *ctx) {
  (void) poll, (void) ctx;
  if (r->type == RMG_EV_WS_MSG) {
    static const char echo[] = "echo";
    jlong rc = rmg_ws_send_frame(loop, id, echo, sizeof(echo) - 1, (jint) r->arg, 0);
    FZ_ASSERT(rc >= 0 || rc == RMG_ERR_CLOSING || (rc == RMG_ERR_NO_CONN && !fz_alive(loop, id)),
              "echo failed: %lld", (long long) rc);
  } else if (r->type == RMG_EV_WS_CTL && r->arg == WEBSOCKET_OP_CLOSE) {
    rmg_ws_send_frame(loop, id, "\x03\xe8", 2, WEBSOCKET_OP_CLOSE, RMG_OP_DRAIN);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const int frames[4] = {16, 125, 1000, 64 * 1024};
  static const int own[4] = {125, 200, 4096, 64 * 1024}; /* the upgrade's own (>= 125) */
  struct rmg_loop *loop;
  struct fz_polled pr;
  size_t seg;
  long lsn, id;
  int peer = -1, i, j, upgraded = 0;
  if (size < 2) return 0;
  loop = fz_loop();
  lsn = fz_listen(loop, RMG_KIND_HTTP, 1024 * 1024, 16 * 1024, frames[data[0] & 3], 64 * 1024);
  id = fz_accept(loop, lsn, &peer);
  FZ_ASSERT(id > 0, "accept failed");
  FZ_ASSERT(fz_write(peer, (const uint8_t *) s_upgrade, sizeof(s_upgrade) - 1) == sizeof(s_upgrade) - 1,
            "upgrade request not written");
  for (i = 0; i < 20 && !upgraded; i++) {
    fz_poll(loop, &pr);
    for (j = 0; j < pr.n; j++) {
      if (pr.recs[j].type == RMG_EV_HTTP_MSG && (long) pr.recs[j].id == id) {
        jint rc = rmg_ws_upgrade_conn(loop, id, "dGhlIHNhbXBsZSBub25jZQ==", (data[0] & 4) ? "chat" : NULL,
                                      (data[0] & 8) ? "X-Extra: 1\r\n" : NULL,
                                      ((data[0] & 16) ? RMG_WS_F_DEFLATE : 0) | ((data[1] & 1) ? RMG_WS_F_OWN_PING : 0),
                                      (data[0] & 32) ? (size_t) own[(data[0] >> 6) & 3] : 0);
        FZ_ASSERT(rc == 0, "upgrade failed: %d", rc);
        upgraded = 1;
      }
    }
  }
  FZ_ASSERT(upgraded, "the upgrade request was not recorded");
  seg = data[1] == 0 ? (size_t) -1 : (size_t) data[1] * 3 + 1;
  fz_drive(loop, id, peer, data + 2, size - 2, seg, fz_ws_answer, NULL);
  fz_loop_free(loop);
  return 0;
}
