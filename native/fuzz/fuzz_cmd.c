/*
 * Fuzz target (c): the command path. Random sequences of what Java's commands do to a live
 * manager, ConnNative.send/control/closeWait (rmg_conn.c; control also turns the wiretap on, whose
 * records of sends made between polls wait for the next poll) and WsNative.upgrade/sendArray (rmg_ws.c),
 * with live, stale (closed), listener and made-up connection ids, interleaved with polls and
 * with peers that write (requests, frames, garbage), read or hang up.
 *
 * Input: a sequence of operations, each an opcode byte followed by its operand bytes.
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include <string.h>
#include <unistd.h>
#include "fz.h"

#define MAX_CONNS 8
#define MAX_IDS 32

struct cursor {
  const uint8_t *p;
  size_t n;
};

static uint8_t take(struct cursor *c) {
  uint8_t b;
  if (c->n == 0) return 0;
  b = *c->p++;
  c->n--;
  return b;
}

static const uint8_t *take_n(struct cursor *c, size_t *len) {
  const uint8_t *p = c->p;
  if (*len > c->n) *len = c->n;
  c->p += *len;
  c->n -= *len;
  return p;
}

static const char s_get[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
static const char s_upgrade[] =
    "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct cursor cur = {data, size};
  struct rmg_loop *loop;
  struct fz_polled pr;
  long lsn_http, lsn_tcp, ids[MAX_IDS];
  int peers[MAX_CONNS], npeers = 0, nids = 0, steps = 0, i;
  long peer_ids[MAX_CONNS];
  loop = fz_loop();
  lsn_http = fz_listen(loop, RMG_KIND_HTTP, 4096, 1024, 256, 1024);
  lsn_tcp = fz_listen(loop, RMG_KIND_TCP, 4096, 1024, 256, 1024);
  ids[nids++] = lsn_http;
  ids[nids++] = lsn_tcp;
  while (cur.n > 0 && steps++ < 512) {
    uint8_t op = take(&cur);
    uint8_t sel = take(&cur);
    jlong id;
    /* the connection id an operation targets: a known one (live or stale), or made up */
    if (sel < 200 && nids > 0) {
      id = ids[sel % nids];
    } else if (sel < 230) {
      id = (jlong) (sel - 200); /* 0 .. 29: small ids, maybe the wakeup pipe's */
    } else {
      uint64_t v = 0;
      for (i = 0; i < 8; i++) v = (v << 8) | take(&cur);
      id = (jlong) v;
    }
    switch (op % 12) {
      case 0: /* poll */
        fz_poll(loop, &pr);
        break;
      case 1: { /* ConnNative.send: bytes + ops */
        size_t len = take(&cur);
        jint ops = take(&cur) & 63;
        const uint8_t *b = take_n(&cur, &len);
        jlong rc = rmg_conn_write(loop, id, b, len, ops);
        FZ_ASSERT(rc >= 0 || rc == RMG_ERR_NO_CONN || rc == RMG_ERR_CLOSING || rc == RMG_ERR_OUTPUT_SHUT, "send: %lld", (long long) rc);
        break;
      }
      case 2: { /* ConnNative.control, or with bit 7 ConnNative.closeWait */
        uint8_t o = take(&cur); /* bit 6: tap the connection (or the listener's next ones); bits 4
                                 * and 5 (HTTP_END with NOTIFY_WRITABLE) also ask for half-close, bits 3
                                 * and 4 (RESUME with NOTIFY_WRITABLE) to shut down its writes */
        jlong rc;
        if (o & 128) { /* a wait of 0..63 ms, a write timeout of none or 1 ms */
          rc = rmg_conn_close_wait(loop, id, o & 63, (o & 64) ? 1 : 0);
          FZ_ASSERT(rc >= 0 || rc == RMG_ERR_NO_CONN || rc == RMG_ERR_CLOSING || rc == RMG_ERR_BAD_ARG || rc == RMG_ERR_OUTPUT_SHUT,
                    "closeWait: %lld", (long long) rc);
          break;
        }
        {
          jint ops = (o & 63) | (o & 64 ? RMG_OP_WIRETAP : 0) | ((o & 48) == 48 ? RMG_OP_HALF_CLOSE : 0) |
                     ((o & 24) == 24 ? RMG_OP_SHUT_WR : 0);
          rc = rmg_conn_control_ops(loop, id, ops);
          /* a wait for the low-water mark alone on a closing connection: RMG_ERR_CLOSING (its close runs Java's waiters) */
          FZ_ASSERT(rc >= 0 || rc == RMG_ERR_NO_CONN || ((o & 24) == 24 && rc == RMG_ERR_UNSUPPORTED) ||
                        (ops == RMG_OP_NOTIFY_WRITABLE && rc == RMG_ERR_CLOSING),
                    "control: %lld", (long long) rc);
        }
        break;
      }
      case 3: { /* WsNative.upgrade */
        uint8_t f = take(&cur);
        jint rc = rmg_ws_upgrade_conn(loop, id, (f & 1) ? "" : "dGhlIHNhbXBsZSBub25jZQ==",
                                      (f & 2) ? "chat" : NULL, (f & 4) ? "X-A: b\r\n" : NULL, ((f & 8) ? RMG_WS_F_DEFLATE : 0) | ((f & 64) ? RMG_WS_F_OWN_PING : 0) | ((f & 128) ? 64 : 0),
                                      (f & 16) ? ((f & 32) ? 100 : 4096) : 0);
        FZ_ASSERT(rc == 0 || rc == RMG_ERR_NO_CONN || rc == RMG_ERR_BAD_ARG, "upgrade: %d", rc);
        break;
      }
      case 4: { /* WsNative.sendArray: opcode 0..15 as Java could pass it, ops */
        size_t len = take(&cur);
        jint wop = take(&cur) & 15, ops = take(&cur) & 63;
        const uint8_t *b = take_n(&cur, &len);
        jlong rc = rmg_ws_send_frame(loop, id, b, len, wop, ops);
        FZ_ASSERT(rc >= 0 || rc == RMG_ERR_NO_CONN || rc == RMG_ERR_CLOSING || rc == RMG_ERR_BAD_ARG,
                  "ws send: %lld", (long long) rc);
        break;
      }
      case 5: /* a new client on the HTTP or the TCP listener */
      case 6:
        if (npeers < MAX_CONNS) {
          int peer;
          long cid = fz_accept(loop, (op % 12) == 5 ? lsn_http : lsn_tcp, &peer);
          if (cid > 0) {
            peers[npeers] = peer;
            peer_ids[npeers++] = cid;
            if (nids < MAX_IDS) ids[nids++] = cid;
          }
        }
        break;
      case 7: { /* a peer writes raw bytes */
        size_t len = take(&cur);
        const uint8_t *b = take_n(&cur, &len);
        if (npeers > 0) fz_write(peers[sel % npeers], b, len);
        break;
      }
      case 8: /* a peer writes a request or an upgrade */
        if (npeers > 0) {
          const char *r = (take(&cur) & 1) ? s_upgrade : s_get;
          fz_write(peers[sel % npeers], (const uint8_t *) r, strlen(r));
        }
        break;
      case 9: /* a peer reads what was sent to it */
        if (npeers > 0) fz_drain(peers[sel % npeers]);
        break;
      case 10: /* a peer hangs up */
        if (npeers > 0) {
          int k = sel % npeers;
          close(peers[k]);
          peers[k] = peers[npeers - 1];
          peer_ids[k] = peer_ids[npeers - 1];
          npeers--;
        }
        break;
      case 11: /* a peer shuts down its writing side (half close) */
        if (npeers > 0) shutdown(peers[sel % npeers], SHUT_WR);
        break;
    }
  }
  /* everything settles: peers read, then hang up; every connection must close */
  for (i = 0; i < 4; i++) {
    int k;
    fz_poll(loop, &pr);
    for (k = 0; k < npeers; k++) fz_drain(peers[k]);
  }
  for (i = 0; i < npeers; i++) close(peers[i]);
  for (i = 0; i < 20; i++) fz_poll(loop, &pr);
  for (i = 0; i < npeers; i++) {
    /* a peer that hung up is seen as closed by the next polls (or lingers at most 2 s
     * after a reject, which this loop does not wait for) */
    (void) peer_ids[i];
  }
  fz_loop_free(loop);
  return 0;
}
