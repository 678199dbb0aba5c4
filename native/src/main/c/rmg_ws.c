/*
 * reactor-mongoose: WebSocket connections (upgraded from the HTTP kind). The upgrade and
 * frame sending natives, the size guard that runs in front of Mongoose's frame parser
 * (close 1009 before a too-large message is buffered or delivered), and the WS_MSG/WS_CTL
 * records (peer: internal/jni/WsNative).
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include <string.h>
#include "rmg_jni.h"

/* Mongoose's WebSocket protocol handler (mg_ws_cb, static in mongoose.c), taken from c->pfn
 * after an upgrade; rmg_ws_guard runs in front of it. Every loop thread stores the same
 * value: atomic so that this is not a data race. */
static mg_event_handler_t s_ws_cb;

/* Fails the session: sends a CLOSE with code (1002 protocol error, 1007 invalid UTF-8,
 * 1009 too big) and its reason, stops parsing (pfn = NULL) and lingers (rmg_linger_start:
 * whatever else arrives is discarded until the peer closes). Java hears RMG_EV_REJECTED with
 * the code. */
static void rmg_ws_fail(struct rmg_loop *loop, struct mg_connection *c, int code, const char *why) {
  char frame[2 + 64];
  size_t n = strlen(why);
  if (c->data[0] & RMG_CF_REJECTED) return;
  if (n > sizeof(frame) - 2) n = sizeof(frame) - 2;
  frame[0] = (char) (code >> 8);
  frame[1] = (char) (code & 255);
  memcpy(frame + 2, why, n);
  c->data[0] |= RMG_CF_REJECTED | RMG_CF_OUR_DRAIN;
  mg_ws_send(c, frame, 2 + n, WEBSOCKET_OP_CLOSE);
  c->recv.len = 0;
  c->pfn = NULL;
  c->pfn_data = NULL;
  rmg_linger_start(c);
  loop->poll_now = 1;
  rmg_record(&loop->ev, RMG_EV_REJECTED, c->id, code, 0);
}

/* One byte through a UTF-8 validator (RFC 3629: no overlongs, no surrogates, nothing above
 * U+10FFFF). The state byte holds the continuation bytes still expected (bits 0-1) and the
 * range the next one must be in (bits 2-4: 0 = 80..BF, 1 = A0..BF, 2 = 80..9F, 3 = 90..BF,
 * 4 = 80..8F); 0 between characters. Returns 0, or -1 for an invalid byte. */
static int rmg_utf8_step(uint8_t *st, uint8_t b) {
  static const uint8_t lo[5] = {0x80, 0xa0, 0x80, 0x90, 0x80}, hi[5] = {0xbf, 0xbf, 0x9f, 0xbf, 0x8f};
  unsigned rem = *st & 3, k = (*st >> 2) & 7;
  if (rem > 0) {
    if (k > 4 || b < lo[k] || b > hi[k]) return -1;
    *st = (uint8_t) (rem - 1);
    return 0;
  }
  if (b < 0x80) return 0;
  if (b >= 0xc2 && b <= 0xdf) *st = 1;
  else if (b == 0xe0) *st = 2 | (1 << 2);
  else if (b == 0xed) *st = 2 | (2 << 2);
  else if (b >= 0xe1 && b <= 0xef) *st = 2;
  else if (b == 0xf0) *st = 3 | (3 << 2);
  else if (b >= 0xf1 && b <= 0xf3) *st = 3;
  else if (b == 0xf4) *st = 3 | (4 << 2);
  else return -1;
  return 0;
}

/* Whether a close code may be sent by a peer (RFC 6455 §7.4, IANA registry). */
static int rmg_ws_close_code_ok(unsigned code) {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
         (code >= 3000 && code <= 4999);
}

/* Checks every complete frame buffered in recv (from the end of the fragments reassembled
 * so far) against RFC 6455 §5.1-5.6 and §7.4 before Mongoose parses them, and the size of
 * every frame header against max (complete or not). Returns 0, or the close code to fail
 * with; *bad is then the offset of the first offending frame. Frames are checked once:
 * Mongoose consumes every complete frame right after this. A valid close frame ends the
 * check: *end is then the offset just after it (whatever follows is never parsed). *need is
 * the offset just after the incomplete frame whose header is in (0: none), *room what the
 * message may still grow by after that frame (0 when it is the message's last). */
static int rmg_ws_check(struct mg_connection *c, size_t max, size_t *bad, const char **why,
                        size_t *end, size_t *need, size_t *room) {
  size_t ofs = (size_t) c->pfn_data; /* fragments reassembled so far: flags byte + data */
  const unsigned char *b = c->recv.buf;
  size_t n = c->recv.len, p = ofs;
  uint64_t acc = ofs > 0 ? ofs - 1 : 0;
  int frag = ofs > 0;
  int text = frag ? (c->data[1] & RMG_CF2_WS_TEXT) != 0 : 0;
  uint8_t utf8 = frag ? (uint8_t) c->data[RMG_WS_UTF8] : 0;
  int must_mask = !c->is_client;
  int deflate = (c->data[RMG_WS_FLAGS] & RMG_WS_F_DEFLATE) != 0;
  int inflate = frag ? (c->data[RMG_WS_FLAGS] & RMG_WS_F_INFLATE) != 0 : 0;
  while (p + 2 <= n) {
    uint64_t pl = b[p + 1] & 127;
    size_t hl = 2, i;
    int op = b[p] & 15, fin = (b[p] & 128) != 0, masked = (b[p + 1] & 128) != 0;
    int rsv1 = (b[p] & RMG_WS_RSV1) != 0;
    const unsigned char *mask, *data;
    *bad = p;
    /* RSV1 only with permessage-deflate, and there only on a message's first frame */
    if ((b[p] & 0x30) || (rsv1 && !(deflate && (op == 1 || op == 2)))) return *why = "reserved bits set", 1002;
    if ((op > 2 && op < 8) || op > 10) return *why = "reserved opcode", 1002;
    if (masked != must_mask) return *why = must_mask ? "unmasked frame" : "masked frame", 1002;
    if (op >= 8 && (!fin || pl > 125)) return *why = "bad control frame", 1002;
    if (op == 0 && !frag) return *why = "continuation without a message", 1002;
    if ((op == 1 || op == 2) && frag) return *why = "new message inside a fragmented one", 1002;
    if (pl == 126) {
      if (p + 4 > n) break;
      pl = ((uint64_t) b[p + 2] << 8) | b[p + 3];
      hl = 4;
      if (pl < 126) return *why = "frame length not in its shortest form", 1002; /* §5.2 */
    } else if (pl == 127) {
      if (p + 10 > n) break;
      if (b[p + 2] & 128) return *why = "frame length with the top bit set", 1002;
      for (pl = 0, i = 0; i < 8; i++) pl = (pl << 8) | b[p + 2 + i];
      hl = 10;
      if (pl < 65536) return *why = "frame length not in its shortest form", 1002; /* §5.2 */
    }
    if (op < 8 && (pl > max || acc + pl > max)) return *why = "message too big", 1009;
    if (masked) hl += 4;
    if ((uint64_t) (n - p) < hl + pl) { /* incomplete: checked when it is complete */
      *need = p + hl + (size_t) pl;
      *room = op < 8 && !fin ? max - (size_t) (acc + pl) : 0;
      break;
    }
    mask = b + p + hl - 4;
    data = b + p + hl;
    if (op == 1 || op == 2) inflate = rsv1;
    if ((op == 1 && !rsv1) || (op == 0 && text && !inflate)) { /* compressed text: Java checks it */
      if (op == 1) text = 1, utf8 = 0;
      for (i = 0; i < (size_t) pl; i++) {
        if (rmg_utf8_step(&utf8, (uint8_t) (masked ? data[i] ^ mask[i & 3] : data[i])) != 0) {
          return *why = "invalid UTF-8 in a text message", 1007;
        }
      }
      if (fin && utf8 != 0) return *why = "text message ends inside a character", 1007;
    } else if (op == 8 && pl > 0) {
      uint8_t st = 0;
      unsigned code;
      if (pl == 1) return *why = "close frame of one byte", 1002;
      code = (unsigned) ((masked ? data[0] ^ mask[0] : data[0]) << 8) | (masked ? data[1] ^ mask[1] : data[1]);
      if (!rmg_ws_close_code_ok(code)) return *why = "invalid close code", 1002;
      for (i = 2; i < (size_t) pl; i++) {
        if (rmg_utf8_step(&st, (uint8_t) (masked ? data[i] ^ mask[i & 3] : data[i])) != 0) break;
      }
      if (i < (size_t) pl || st != 0) return *why = "invalid UTF-8 in the close reason", 1007;
    }
    if (op == 8) {
      *end = p + hl + (size_t) pl;
      return 0;
    }
    if (op < 8) {
      acc = fin ? 0 : acc + pl;
      frag = !fin;
      if (!fin) {
        c->data[1] = (char) (text ? (c->data[1] | RMG_CF2_WS_TEXT) : (c->data[1] & ~RMG_CF2_WS_TEXT));
        c->data[RMG_WS_UTF8] = (char) utf8;
        c->data[RMG_WS_FLAGS] = (char) (inflate ? (c->data[RMG_WS_FLAGS] | RMG_WS_F_INFLATE)
                                                : (c->data[RMG_WS_FLAGS] & ~RMG_WS_F_INFLATE));
      } else {
        text = 0;
        utf8 = 0;
        inflate = 0;
      }
    }
    p += hl + (size_t) pl;
  }
  return 0;
}

/* c->pfn of every WebSocket connection: checks the frames, then lets Mongoose parse. A
 * violation lets Mongoose handle the valid frames before it, then fails the session. */
static void rmg_ws_guard(struct mg_connection *c, int ev, void *ev_data) {
  mg_event_handler_t cb = __atomic_load_n(&s_ws_cb, __ATOMIC_RELAXED);
  if (ev == MG_EV_READ) {
    struct rmg_opts *o = (struct rmg_opts *) c->fn_data;
    size_t bad = 0;
    const char *why = "";
    int code;
    size_t end = 0, need = 0, room = 0;
    uint32_t max;
    if ((c->data[0] & RMG_CF_REJECTED) || (c->data[1] & RMG_CF2_WS_CLOSED)) {
      c->recv.len = 0;
      return;
    }
    memcpy(&max, c->data + RMG_WS_MAX, sizeof(max));
    code = rmg_ws_check(c, max != 0 ? (size_t) max : o->max_ws_frame, &bad, &why, &end, &need, &room);
    if (code != 0) {
      if (bad > (size_t) c->pfn_data && cb != NULL) {
        c->recv.len = bad; /* the frames before the bad one are valid */
        cb(c, ev, ev_data);
      }
      rmg_ws_fail((struct rmg_loop *) c->mgr, c, code, why);
      return;
    }
    if (end > 0) {
      /* RFC 6455 §5.5.1: nothing after a close frame is processed (no echo, no pong, no
       * second close); Mongoose answers the close and drains */
      c->recv.len = end;
      c->data[1] |= RMG_CF2_WS_CLOSED;
    } else if (need > c->recv.size && c->recv.size - c->recv.len < MG_IO_SIZE) {
      /* Mongoose grows recv by MG_IO_SIZE per read, copying all of it each time: quadratic
       * in a large frame's size (16 MiB took 10 s). While an incomplete frame (or a message
       * still growing: room) wants more than recv holds, a recv about to be full is doubled
       * instead, within what the limit leaves: linear, and never more than about twice what
       * the peer has sent (a header alone announcing the limit allocates nothing ahead).
       * Before cb: nothing points into recv yet. */
      size_t want = c->recv.size * 2;
      if (want > need + room) want = need + room;
      if (want > c->recv.size) mg_iobuf_resize(&c->recv, want);
    }
  }
  if (cb != NULL) cb(c, ev, ev_data);
}

/* Mongoose answers every PING with a PONG by itself. A peer that sends PINGs and reads
 * nothing would make those answers pile up in send without bound (memory of the server), so
 * above RMG_OUT_BACKLOG of pending output a WebSocket stops reading until its output is down
 * to the low-water mark; TCP then slows the peer down. (The flag is the HTTP pipelining
 * pause's: a WebSocket pipelines no requests.) */
static void rmg_ws_backlog(struct rmg_loop *loop, struct mg_connection *c) {
  size_t pending = rmg_send_pending(c);
  if (!(c->data[0] & RMG_CF_PIPELINE_PAUSED)) {
    if (pending > RMG_OUT_BACKLOG) {
      c->data[0] |= RMG_CF_PIPELINE_PAUSED;
      c->is_full = 1;
    }
  } else if (pending <= loop->low_water) {
    rmg_resume_pipeline(c);
  }
}

/* Events of a WebSocket connection, after Mongoose parsed the frames. */
void rmg_ws_event(struct rmg_loop *loop, struct mg_connection *c, int ev, void *ev_data) {
  switch (ev) {
    case MG_EV_READ:
      if (c->data[0] & RMG_CF_REJECTED) {
        c->recv.len = 0; /* a failed session (rmg_ws_fail): discard */
      } else {
        rmg_ws_backlog(loop, c);
      }
      break;
    case MG_EV_WRITE:
    case MG_EV_POLL:
      if (c->data[0] & RMG_CF_REJECTED) {
        rmg_linger(c); /* our close frame went out: see rmg_ws_send_frame */
      } else {
        rmg_ws_backlog(loop, c);
      }
      break;
    case MG_EV_WS_MSG: {
      /* the opcode, and RSV1 of the first frame for a compressed message (the guard lets it
       * through only where permessage-deflate was negotiated) */
      struct mg_ws_message *wm = (struct mg_ws_message *) ev_data;
      rmg_record_bytes(&loop->ev, RMG_EV_WS_MSG, c->id, wm->flags & (15 | RMG_WS_RSV1), wm->data.buf,
                       wm->data.len);
      break;
    }
    case MG_EV_WS_CTL: {
      struct mg_ws_message *wm = (struct mg_ws_message *) ev_data;
      int op = wm->flags & 15;
      /* fragments (continuation frames) are reassembled by Mongoose and arrive as WS_MSG */
      if (op != WEBSOCKET_OP_CONTINUE) {
        rmg_record_bytes(&loop->ev, RMG_EV_WS_CTL, c->id, op, wm->data.buf, wm->data.len);
      }
      break;
    }
    default:
      break;
  }
}

/* ---- the non-JNI core of the natives (also driven by native/fuzz without a JVM) ---- */

/* Answers the upgrade request (101) and turns the connection into a WebSocket. key is
 * required; protocol and extra (header lines) may be NULL. flags: RMG_WS_F_DEFLATE when
 * permessage-deflate was negotiated (Java wrote its Sec-WebSocket-Extensions line in extra),
 * so compressed messages (RSV1) are let through; RMG_WS_F_OWN_PING when PINGs are left to the
 * application to answer. max_frame: the endpoint's message limit in bytes (at most
 * MG_MAX_RECV_SIZE / 2, as the listener's), 0 for the listener's max_ws_frame. */
jint rmg_ws_upgrade_conn(struct rmg_loop *loop, jlong id, const char *key, const char *protocol,
                         const char *extra, int flags, size_t max_frame) {
  uint32_t max32 = (uint32_t) max_frame;
  struct mg_connection *c = rmg_conn(loop, id);
  struct mg_http_message hm;
  if (c == NULL) return RMG_ERR_NO_CONN;
  /* Only a connection of the HTTP kind may become a WebSocket: the TCP kind empties recv
   * on every read (READ records) behind mg_ws_cb's back, which then parses from an offset
   * past the end of recv and never finishes (found by native/fuzz fuzz_cmd). */
  if (key == NULL || c->is_websocket || !c->is_accepted || c->is_listening ||
      ((struct rmg_opts *) c->fn_data)->kind != RMG_KIND_HTTP ||
      (flags & ~(RMG_WS_F_DEFLATE | RMG_WS_F_OWN_PING)) != 0 ||
      (max_frame != 0 && (max_frame < 125 || max_frame > MG_MAX_RECV_SIZE / 2))) {
    return RMG_ERR_BAD_ARG;
  }
  memset(&hm, 0, sizeof(hm));
  hm.headers[0].name = mg_str("Sec-WebSocket-Key");
  hm.headers[0].value = mg_str(key);
  if (protocol != NULL) {
    hm.headers[1].name = mg_str("Sec-WebSocket-Protocol");
    hm.headers[1].value = mg_str(protocol);
  }
  rmg_resume_pipeline(c);
  rmg_send_flush(c); /* a previous response still queued goes before the 101 */
  /* extra header lines go through "%s", never as a format */
  if (extra != NULL) {
    mg_ws_upgrade(c, &hm, "%s", extra);
  } else {
    mg_ws_upgrade(c, &hm, NULL);
  }
  if (c->is_websocket && c->pfn != rmg_ws_guard) {
    __atomic_store_n(&s_ws_cb, c->pfn, __ATOMIC_RELAXED);
    c->pfn = rmg_ws_guard;
  }
  c->data[RMG_WS_FLAGS] = (char) flags;
  memcpy(c->data + RMG_WS_MAX, &max32, sizeof(max32));
  return 0;
}

int rmg_ws_auto_pong(const struct mg_connection *c) {
  return (c->data[RMG_WS_FLAGS] & RMG_WS_F_OWN_PING) == 0;
}

/* Whether no frame may be sent any more: a close frame went out (ours, Mongoose's echo or a
 * failed session's), after which RFC 6455 §5.5.1 allows none, or the connection closes. */
static int rmg_ws_done(const struct mg_connection *c) {
  return c->is_closing || c->is_draining || (c->data[0] & RMG_CF_REJECTED);
}

/* One WebSocket frame; ops as in ConnNative (drain/close/notify only). A CLOSE frame sent with
 * RMG_OP_DRAIN (ours: the handler's end, sendClose, the server's shutdown) lingers instead of
 * draining (RFC 6455 §7.1.1: the peer's close is awaited): a peer still sending when it
 * comes would otherwise get a reset, which drops the frame before the peer reads it. */
jlong rmg_ws_send_frame(struct rmg_loop *loop, jlong id, const void *buf, size_t len, jint op,
                        jint ops) {
  struct mg_connection *c = rmg_conn(loop, id);
  size_t before;
  jlong rc;
  if (c == NULL) return RMG_ERR_NO_CONN;
  if (rmg_ws_done(c)) return RMG_ERR_CLOSING;
  if (!c->is_websocket) return RMG_ERR_BAD_ARG;
  before = c->send.len;
  mg_ws_send(c, buf == NULL ? "" : (const char *) buf, len, op);
  if (c->send.len < before + len) return RMG_ERR_OOM;
  if ((op & 15) == WEBSOCKET_OP_CLOSE && (ops & RMG_OP_DRAIN) && !(ops & RMG_OP_CLOSE)) {
    rc = rmg_apply(loop, c, RMG_OP_UNCORK | (ops & RMG_OP_NOTIFY_WRITABLE));
    rmg_linger_start(c);
    loop->poll_now = 1;
    return rc;
  }
  return rmg_apply(loop, c, ops & (RMG_OP_DRAIN | RMG_OP_CLOSE | RMG_OP_NOTIFY_WRITABLE));
}

/* ---- natives: thin JNI wrappers ---- */

static jint JNICALL rmg_ws_upgrade(JNIEnv *env, jclass cls, jlong h, jlong id, jstring key,
                                   jstring protocol, jstring extra, jint flags,
                                   jint max_frame) {
  struct rmg_loop *loop = rmg_loop_of(h);
  struct mg_connection *c = rmg_conn(loop, id);
  const char *k = NULL, *p = NULL, *x = NULL;
  jint rc;
  (void) cls;
  if (c == NULL) return RMG_ERR_NO_CONN;
  if (key == NULL || max_frame < 0) return RMG_ERR_BAD_ARG; /* others: rmg_ws_upgrade_conn */
  /* each call only while none failed: a failed one leaves an OutOfMemoryError pending, and
   * JNI allows no further GetStringUTFChars with an exception pending */
  k = (*env)->GetStringUTFChars(env, key, NULL);
  if (k != NULL && protocol != NULL) p = (*env)->GetStringUTFChars(env, protocol, NULL);
  if (k != NULL && (protocol == NULL || p != NULL) && extra != NULL) x = (*env)->GetStringUTFChars(env, extra, NULL);
  if (k == NULL || (protocol != NULL && p == NULL) || (extra != NULL && x == NULL)) {
    rc = RMG_ERR_OOM;
  } else {
    rc = rmg_ws_upgrade_conn(loop, id, k, p, x, flags, (size_t) max_frame);
  }
  if (k != NULL) (*env)->ReleaseStringUTFChars(env, key, k);
  if (p != NULL) (*env)->ReleaseStringUTFChars(env, protocol, p);
  if (x != NULL) (*env)->ReleaseStringUTFChars(env, extra, x);
  return rc;
}

static jlong JNICALL rmg_ws_sendArray(JNIEnv *env, jclass cls, jlong h, jlong id,
                                      jbyteArray arr, jint off, jint len, jint op, jint ops) {
  struct rmg_loop *loop = rmg_loop_of(h);
  struct mg_connection *c = rmg_conn(loop, id);
  jbyte *p = NULL;
  jlong rc;
  (void) cls;
  /* same order of checks as the core, before touching the array */
  if (c == NULL) return RMG_ERR_NO_CONN;
  if (rmg_ws_done(c)) return RMG_ERR_CLOSING;
  if (!c->is_websocket) return RMG_ERR_BAD_ARG;
  if (len < 0 || off < 0 || (len > 0 && !rmg_array_range_ok(env, arr, off, len))) {
    return RMG_ERR_BAD_ARG;
  }
  if (len > 0) {
    p = (jbyte *) (*env)->GetPrimitiveArrayCritical(env, arr, NULL);
    if (p == NULL) return RMG_ERR_OOM;
  }
  rc = rmg_ws_send_frame(loop, id, p == NULL ? NULL : p + off, (size_t) len, op, ops);
  if (p != NULL) (*env)->ReleasePrimitiveArrayCritical(env, arr, p, JNI_ABORT);
  return rc;
}

static const JNINativeMethod s_methods[] = {
    {"upgrade", "(JJLjava/lang/String;Ljava/lang/String;Ljava/lang/String;II)I", (void *) rmg_ws_upgrade},
    {"sendArray", "(JJ[BIIII)J", (void *) rmg_ws_sendArray},
};

const struct rmg_natives rmg_ws_natives = RMG_NATIVES("WsNative", s_methods);
