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

/* Closes with 1009, stops parsing (pfn = NULL) and discards whatever else arrives. */
static void rmg_ws_reject(struct rmg_loop *loop, struct mg_connection *c) {
  static const char close_too_big[] = {0x03, (char) 0xf1, 'm', 'e', 's', 's', 'a', 'g', 'e',
                                       ' ', 't', 'o', 'o', ' ', 'b', 'i', 'g'};
  if (c->data[0] & RMG_CF_REJECTED) return;
  c->data[0] |= RMG_CF_REJECTED | RMG_CF_OUR_DRAIN;
  mg_ws_send(c, close_too_big, sizeof(close_too_big), WEBSOCKET_OP_CLOSE);
  c->recv.len = 0;
  c->pfn = NULL;
  c->pfn_data = NULL;
  c->is_draining = 1;
  rmg_record(&loop->ev, RMG_EV_REJECTED, c->id, 1009, 0);
}

/* Whether the frames buffered in recv announce a message larger than max: looks at every
 * frame header, complete or not, before Mongoose parses (and would deliver) them. */
static int rmg_ws_too_big(const struct mg_connection *c, size_t max) {
  size_t ofs = (size_t) c->pfn_data; /* fragments reassembled so far: flags byte + data */
  const unsigned char *b = c->recv.buf;
  size_t n = c->recv.len, p = ofs;
  uint64_t acc = ofs > 0 ? ofs - 1 : 0;
  while (p + 2 <= n) {
    uint64_t pl = b[p + 1] & 127;
    size_t hl = 2, i;
    int op = b[p] & 15, fin = (b[p] & 128) != 0;
    if (pl == 126) {
      if (p + 4 > n) break;
      pl = ((uint64_t) b[p + 2] << 8) | b[p + 3];
      hl = 4;
    } else if (pl == 127) {
      if (p + 10 > n) break;
      for (pl = 0, i = 0; i < 8; i++) pl = (pl << 8) | b[p + 2 + i];
      hl = 10;
    }
    if (b[p + 1] & 128) hl += 4;
    if (op < 8) { /* data or continuation: counts towards the message */
      if (pl > max || acc + pl > max) return 1;
      acc = fin ? 0 : acc + pl;
    } else if (pl > 125) {
      return 1; /* control frames are at most 125 bytes */
    }
    if ((uint64_t) (n - p) < hl + pl) break;
    p += hl + (size_t) pl;
  }
  return 0;
}

/* c->pfn of every WebSocket connection: checks sizes, then lets Mongoose parse. */
static void rmg_ws_guard(struct mg_connection *c, int ev, void *ev_data) {
  if (ev == MG_EV_READ && !(c->data[0] & RMG_CF_REJECTED)) {
    struct rmg_opts *o = (struct rmg_opts *) c->fn_data;
    if (rmg_ws_too_big(c, o->max_ws_frame)) {
      rmg_ws_reject((struct rmg_loop *) c->mgr, c);
      return;
    }
  }
  {
    mg_event_handler_t cb = __atomic_load_n(&s_ws_cb, __ATOMIC_RELAXED);
    if (cb != NULL) cb(c, ev, ev_data);
  }
}

/* Events of a WebSocket connection, after Mongoose parsed the frames. */
void rmg_ws_event(struct rmg_loop *loop, struct mg_connection *c, int ev, void *ev_data) {
  switch (ev) {
    case MG_EV_READ:
      if (c->data[0] & RMG_CF_REJECTED) c->recv.len = 0; /* closing with 1009: discard */
      break;
    case MG_EV_WS_MSG: {
      struct mg_ws_message *wm = (struct mg_ws_message *) ev_data;
      rmg_record_bytes(&loop->ev, RMG_EV_WS_MSG, c->id, wm->flags & 15, wm->data.buf, wm->data.len);
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
 * required; protocol and extra (header lines) may be NULL. */
jint rmg_ws_upgrade_conn(struct rmg_loop *loop, jlong id, const char *key, const char *protocol,
                         const char *extra) {
  struct mg_connection *c = rmg_conn(loop, id);
  struct mg_http_message hm;
  if (c == NULL) return RMG_ERR_NO_CONN;
  /* Only a connection of the HTTP kind may become a WebSocket: the TCP kind empties recv
   * on every read (READ records) behind mg_ws_cb's back, which then parses from an offset
   * past the end of recv and never finishes (found by native/fuzz fuzz_cmd). */
  if (key == NULL || c->is_websocket || !c->is_accepted || c->is_listening ||
      ((struct rmg_opts *) c->fn_data)->kind != RMG_KIND_HTTP) {
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
  return 0;
}

/* One WebSocket frame; ops as in ConnNative (drain/close/notify only). */
jlong rmg_ws_send_frame(struct rmg_loop *loop, jlong id, const void *buf, size_t len, jint op,
                        jint ops) {
  struct mg_connection *c = rmg_conn(loop, id);
  size_t before;
  if (c == NULL) return RMG_ERR_NO_CONN;
  if (c->is_closing) return RMG_ERR_CLOSING;
  if (!c->is_websocket) return RMG_ERR_BAD_ARG;
  before = c->send.len;
  mg_ws_send(c, buf == NULL ? "" : (const char *) buf, len, op);
  if (c->send.len < before + len) return RMG_ERR_OOM;
  return rmg_apply(loop, c, ops & (RMG_OP_DRAIN | RMG_OP_CLOSE | RMG_OP_NOTIFY_WRITABLE));
}

/* ---- natives: thin JNI wrappers ---- */

static jint JNICALL rmg_ws_upgrade(JNIEnv *env, jclass cls, jlong h, jlong id, jstring key,
                                   jstring protocol, jstring extra) {
  struct rmg_loop *loop = rmg_loop_of(h);
  struct mg_connection *c = rmg_conn(loop, id);
  const char *k = NULL, *p = NULL, *x = NULL;
  jint rc;
  (void) cls;
  if (c == NULL) return RMG_ERR_NO_CONN;
  if (key == NULL) return RMG_ERR_BAD_ARG; /* the other checks: rmg_ws_upgrade_conn */
  k = (*env)->GetStringUTFChars(env, key, NULL);
  if (protocol != NULL) p = (*env)->GetStringUTFChars(env, protocol, NULL);
  if (extra != NULL) x = (*env)->GetStringUTFChars(env, extra, NULL);
  if (k == NULL || (protocol != NULL && p == NULL) || (extra != NULL && x == NULL)) {
    rc = RMG_ERR_OOM;
  } else {
    rc = rmg_ws_upgrade_conn(loop, id, k, p, x);
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
  if (c->is_closing) return RMG_ERR_CLOSING;
  if (!c->is_websocket) return RMG_ERR_BAD_ARG;
  if (len < 0 || off < 0 || (len > 0 && (arr == NULL || off + len > (*env)->GetArrayLength(env, arr)))) {
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
    {"upgrade", "(JJLjava/lang/String;Ljava/lang/String;Ljava/lang/String;)I", (void *) rmg_ws_upgrade},
    {"sendArray", "(JJ[BIIII)J", (void *) rmg_ws_sendArray},
};

const struct rmg_natives rmg_ws_natives = RMG_NATIVES("WsNative", s_methods);
