/*
 * reactor-mongoose: what Java does to one connection: append to its send buffer, apply
 * RMG_OP_* (pause, resume, drain, close, end of an HTTP response, writable notification, the
 * request for our FIN, which rmg_tcp.c sends),
 * send a file region, read its addresses (peer: internal/jni/ConnNative). How bytes reach the
 * socket (write-through, the queue, sendfile) is rmg_send.c's business.
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "rmg_jni.h"

/* Receive buffers larger than this are released when their exchange ends. */
#define RMG_RECV_KEEP (256 * 1024)

/* Reading resumes unless it is still paused for another reason, or the peer's FIN ended it on
 * a half-closing connection (rmg_tcp_eof): a read would find the end again. */
static void rmg_read_again(struct mg_connection *c) {
  if (!(c->data[0] & (RMG_CF_PAUSED | RMG_CF_PIPELINE_PAUSED)) && !(c->data[RMG_HALF_CLOSE] & RMG_HC_EOF)) {
    c->is_full = 0;
  }
}

void rmg_resume_pipeline(struct mg_connection *c) {
  if (c->data[0] & RMG_CF_PIPELINE_PAUSED) {
    c->data[0] &= (uint8_t) ~RMG_CF_PIPELINE_PAUSED;
    rmg_read_again(c);
  }
}

/* How long a lingering connection waits for its peer to close once its output is all out
 * (rmg_linger): a peer that reads slowly is not cut off; one that stopped reading is the write
 * timeout's. */
#define RMG_LINGER_MS 2000

/* The deadline of the waits for the peer's close (the linger, the close wait), uint64 ms of
 * mg_millis in c->data[8..15]: set to ms from now. */
static void rmg_deadline_in(struct mg_connection *c, uint64_t ms) {
  uint64_t deadline = mg_millis() + ms;
  memcpy(c->data + 8, &deadline, sizeof(deadline));
}

/* From now on the connection only lingers (rmg_linger): input is discarded, writes are shut
 * down once all output is out (send, the queue), and it closes when the peer does or at the deadline. */
void rmg_linger_start(struct mg_connection *c) {
  c->data[0] |= RMG_CF_REJECTED | RMG_CF_OUR_DRAIN;
  c->data[2] = RMG_BODY_NONE;
  c->recv.len = 0;
  c->is_resp = 0;
  c->is_full = 0;
  c->is_draining = 0; /* linger instead: see rmg_linger */
  rmg_deadline_in(c, RMG_LINGER_MS);
}

/* The rule of both waits for the peer's close, the server's linger (rmg_linger) and the
 * WebSocket client's close wait (rmg_close_wait): whether wait_ms have passed since the
 * connection's output was all out (the send buffer, the queue and, on TLS, the stack's pending
 * record), the deadline in data[8..15]. While output waits the deadline moves on: a close
 * queued behind megabytes must not cut them off (the peer would get part of them and no close
 * frame). A peer that stopped reading is the write timeout's (rmg_send_stall). */
static int rmg_linger_due(struct mg_connection *c, uint64_t wait_ms) {
  uint64_t deadline;
  if (rmg_send_pending(c) > 0 || c->is_tls_throttled) {
    rmg_deadline_in(c, wait_ms);
    return 0;
  }
  memcpy(&deadline, c->data + 8, sizeof(deadline));
  return mg_millis() > deadline;
}

/* MG_EV_POLL of a rejected HTTP connection, or of a WebSocket after our close frame. */
void rmg_linger(struct mg_connection *c) {
  if (c->send.len == 0 && rmg_tls_closing(c)) rmg_tls_close_notify(c); /* before the FIN */
  if (rmg_send_pending(c) == 0 && !c->is_tls_throttled && !(c->data[0] & RMG_CF_LINGER_SHUT)) {
    shutdown((int) (size_t) c->fd, SHUT_WR);
    c->data[0] |= RMG_CF_LINGER_SHUT;
  }
  c->recv.len = 0;
  if (rmg_linger_due(c, RMG_LINGER_MS)) c->is_closing = 1;
}

/* c->data[RMG_CLOSE_WAIT..+3] of a connection of the TCP kind in its close wait: uint32, ms
 * (rmg_conn_close_wait). The TCP kind uses no other byte of data[2..15]. */
#define RMG_CLOSE_WAIT 4

void rmg_close_wait(struct mg_connection *c) {
  uint32_t wait;
  memcpy(&wait, c->data + RMG_CLOSE_WAIT, sizeof(wait));
  if (rmg_linger_due(c, wait)) c->is_closing = 1;
}

/* Keep-alive is Java's decision: RMG_OP_HTTP_END never closes by itself; Java adds
 * RMG_OP_DRAIN when the connection must not be reused: HTTP/1.0, Connection: close, a refused body... */
jlong rmg_apply(struct rmg_loop *loop, struct mg_connection *c, jint ops) {
  if (ops & RMG_OP_SHUT_WR) {
    /* only a plain raw TCP connection: a FIN in the middle of a TLS stream is a truncation to
     * the peer, and TLS half-close (a close_notify, then reading on) is not offered */
    if (c->is_listening || c->is_udp || c->is_tls || c->data[RMG_TLS_PENDING] || c->fn_data == NULL ||
        ((struct rmg_opts *) c->fn_data)->kind != RMG_KIND_TCP) {
      return RMG_ERR_UNSUPPORTED;
    }
    c->data[RMG_HALF_CLOSE] |= RMG_HC_SHUT; /* rmg_tcp.c shuts it down once the output is out */
    loop->poll_now = 1;
  }
  /* what was gathered goes first, as if it had been written at once, also when the
   * connection is being closed (a broken Content-Length: the bytes before the cut are sent) */
  if (ops & (RMG_OP_UNCORK | RMG_OP_CLOSE | RMG_OP_DRAIN)) rmg_send_uncork(c);
  if (ops & RMG_OP_CORK) rmg_send_cork(c);
  if (ops & RMG_OP_HTTP_END) {
    c->is_resp = 0; /* http_cb parses a pipelined request on its next MG_EV_POLL */
    /* ... which must come at once: the request is in recv already, so no I/O would end the
     * poll's wait (pipelined requests were answered one per poll timeout, 1 s) */
    if (c->recv.len > 0) loop->poll_now = 1;
    if (c->recv.len == 0 && c->recv.size > RMG_RECV_KEEP) {
      /* a large upload is done: give its buffer back (free directly: mg_iobuf_free
       * would zero it byte by byte first, and it holds nothing) */
      mg_free(c->recv.buf);
      c->recv.buf = NULL;
      c->recv.size = 0;
    }
    rmg_resume_pipeline(c);
  }
  if (ops & RMG_OP_PAUSE) {
    c->data[0] |= RMG_CF_PAUSED;
    c->is_full = 1;
  }
  if (ops & RMG_OP_RESUME) {
    c->data[0] &= (uint8_t) ~RMG_CF_PAUSED;
    rmg_read_again(c);
  }
  if ((ops & RMG_OP_HALF_CLOSE) && !c->is_listening && !c->is_udp) c->data[RMG_HALF_CLOSE] |= RMG_HC_ON;
  /* Commands run outside mg_mgr_poll and must not write records: when the
   * buffer is already low, Java sees it from the returned send.len. */
  if ((ops & RMG_OP_NOTIFY_WRITABLE) && rmg_send_pending(c) > loop->low_water) {
    c->data[0] |= RMG_CF_NOTIFY_WRITABLE;
  }
  if (ops & RMG_OP_DRAIN) {
    c->data[0] |= RMG_CF_OUR_DRAIN;
    c->is_draining = 1;
    loop->poll_now = 1;
  }
  if ((ops & RMG_OP_TLS_ALERT) && !c->is_closing && !(c->is_tls && (c->data[RMG_TLS_FLAGS] & RMG_TLS_F_ABORTED))) {
    /* Java refused the peer's certificate chain (a server its client's, a client its server's):
     * the alert says why, then the connection lingers and closes (a connection the stack failed
     * sent its own); without an alert (not TLS) it closes at once */
    if (rmg_tls_abort(c, (ops >> RMG_OP_ALERT_SHIFT) & 0xff) == 0) c->is_closing = 1;
  }
  if (ops & RMG_OP_CLOSE) c->is_closing = 1;
  if ((ops & RMG_OP_CLOSE_IDLE) && c->recv.len == 0) {
    if (rmg_tls_closing(c)) rmg_tls_close_notify(c); /* a graceful close: best effort, it closes at the next poll */
    c->is_closing = 1;
  }
  if (ops & RMG_OP_WIRETAP) c->is_hexdumping = 1; /* Mongoose's accept copies it to new connections */
  return (jlong) rmg_send_pending(c);
}

static struct mg_connection *rmg_writable_conn(struct rmg_loop *loop, jlong id, jlong *err) {
  struct mg_connection *c = rmg_conn(loop, id);
  if (c == NULL) {
    *err = RMG_ERR_NO_CONN;
  } else if (c->is_closing) {
    *err = RMG_ERR_CLOSING;
    c = NULL;
  } else if (c->data[RMG_HALF_CLOSE] & RMG_HC_SHUT) {
    *err = RMG_ERR_OUTPUT_SHUT; /* our sending side is (being) shut down: nothing may follow the FIN */
    c = NULL;
  }
  return c;
}

/* ---- the non-JNI core of the natives (also driven by native/fuzz without a JVM) ---- */

jlong rmg_conn_write(struct rmg_loop *loop, jlong id, const void *buf, size_t len, jint ops) {
  jlong err = 0;
  struct mg_connection *c = rmg_writable_conn(loop, id, &err);
  if (c == NULL) return err;
  if (len > 0 && !rmg_send_bytes(c, buf, len, (ops & RMG_OP_MORE) != 0)) return RMG_ERR_OOM;
  if (len > 0 && !(ops & RMG_OP_INTERIM)) c->data[1] |= RMG_CF2_WROTE; /* a response has started (rmg_http.c) */
  return rmg_apply(loop, c, ops);
}

/* The checks of a static file, on the file opened (what Java looked at, by name, may have been
 * swapped since): with size >= 0, its size and modification time (ms) are those its headers
 * were made from (else -ESTALE); with root, its real path, as the kernel has it, lies under
 * root (else -EACCES: a symbolic link put in on the way). Without /proc the second is skipped. */
static int rmg_file_checks(int fd, const char *root, int64_t size, int64_t mtime_ms) {
  struct stat st;
  if (size >= 0) {
    if (fstat(fd, &st) != 0) return -errno;
    if ((int64_t) st.st_size != size ||
        (int64_t) st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000 != mtime_ms) {
      return -ESTALE;
    }
  }
  if (root != NULL) {
    char link[32], real[PATH_MAX];
    size_t rl = strlen(root);
    ssize_t n;
    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    n = readlink(link, real, sizeof(real) - 1);
    if (n < 0) return errno == ENOENT && access("/proc/self/fd", F_OK) != 0 ? 0 : -EACCES;
    real[n] = '\0';
    if (strncmp(real, root, rl) != 0 || (real[rl] != '/' && real[rl] != '\0' && !(rl > 0 && root[rl - 1] == '/'))) {
      return -EACCES;
    }
  }
  return 0;
}

/* Opens the file at path (checked with rmg_file_checks: root may be NULL, size -1), then
 * appends head (may be empty) and queues count bytes of the file from pos (sent with
 * sendfile(2) when possible), then applies ops. Returns the pending length or a negative
 * code: -(RMG_ERR_ERRNO_BASE + errno) when the file cannot be opened, is not a regular file
 * or fails a check, and then nothing was written. */
jlong rmg_conn_file(struct rmg_loop *loop, jlong id, const void *head, size_t head_len,
                    const char *path, const char *root, int64_t size, int64_t mtime_ms,
                    int64_t pos, int64_t count, jint ops) {
  jlong err = 0;
  struct mg_connection *c = rmg_writable_conn(loop, id, &err);
  int fd, bad;
  if (c == NULL) return err;
  if (path == NULL || pos < 0 || count < 0) return RMG_ERR_BAD_ARG;
  fd = rmg_send_open(path);
  if (fd < 0) return -(RMG_ERR_ERRNO_BASE + (jlong) -fd);
  bad = rmg_file_checks(fd, root, size, mtime_ms);
  if (bad != 0) {
    close(fd);
    return -(RMG_ERR_ERRNO_BASE + (jlong) -bad);
  }
  if (head_len > 0 && !rmg_send_bytes(c, head, head_len, count > 0)) {
    close(fd);
    return RMG_ERR_OOM;
  }
  if (rmg_send_file(c, fd, pos, count) != 0) return RMG_ERR_OOM;
  c->data[1] |= RMG_CF2_WROTE; /* a response has started (rmg_http.c) */
  return rmg_apply(loop, c, ops);
}

jlong rmg_conn_close_wait(struct rmg_loop *loop, jlong id, int64_t wait_ms, int64_t stall_ms) {
  jlong err = 0;
  struct mg_connection *c = rmg_writable_conn(loop, id, &err);
  uint32_t wait32;
  if (c == NULL) return err;
  if (wait_ms < 0 || wait_ms > (int64_t) UINT32_MAX || stall_ms < 0 || c->is_listening || c->is_udp ||
      c->fn_data == NULL || ((struct rmg_opts *) c->fn_data)->kind != RMG_KIND_TCP) {
    return RMG_ERR_BAD_ARG;
  }
  if (stall_ms > 0 && !rmg_send_timeout(c, (uint64_t) stall_ms)) return RMG_ERR_OOM;
  wait32 = (uint32_t) wait_ms;
  memcpy(c->data + RMG_CLOSE_WAIT, &wait32, sizeof(wait32));
  rmg_deadline_in(c, wait32);
  c->data[0] |= RMG_CF_REJECTED;
  return (jlong) rmg_send_pending(c);
}

jlong rmg_conn_control_ops(struct rmg_loop *loop, jlong id, jint ops) {
  struct mg_connection *c = rmg_conn(loop, id);
  if (c == NULL) {
    if (ops & RMG_OP_UNCORK) rmg_send_uncork_gone(loop, (unsigned long) id);
    return RMG_ERR_NO_CONN;
  }
  /* Java waits for the output to fall to the low-water mark (Channel.awaitWritable) on a
   * connection that is closing: it is not writable, it closes at the next poll, and that close
   * (after the records of what made it close, a file cut short's error) runs Java's waiters.
   * Answering with what is pending let a send that a file cut ended inside its own first pump
   * complete as if the file had been sent. */
  if (ops == RMG_OP_NOTIFY_WRITABLE && c->is_closing) return RMG_ERR_CLOSING;
  return rmg_apply(loop, c, ops);
}

/* ---- natives: thin JNI wrappers (the connection is looked up first, so that a gone
 * connection answers RMG_ERR_NO_CONN/CLOSING before the arguments are checked) ---- */

/* Appends bytes from a direct buffer, then applies ops. Returns send.len or a negative code. */
static jlong JNICALL rmg_conn_send(JNIEnv *env, jclass cls, jlong h, jlong id, jobject buf,
                                   jint off, jint len, jint ops) {
  struct rmg_loop *loop = rmg_loop_of(h);
  jlong err = 0;
  unsigned char *p = NULL;
  (void) cls;
  if (rmg_writable_conn(loop, id, &err) == NULL) return err;
  if (len > 0) {
    jlong cap;
    p = buf == NULL ? NULL : (unsigned char *) (*env)->GetDirectBufferAddress(env, buf);
    cap = buf == NULL ? -1 : (*env)->GetDirectBufferCapacity(env, buf);
    if (p == NULL || off < 0 || (jlong) off + len > cap) return RMG_ERR_BAD_ARG;
    p += off;
  }
  return rmg_conn_write(loop, id, p, len > 0 ? (size_t) len : 0, ops);
}

/* Writes arr[off, off + len), a range the caller checked, from the pinned array. */
static jlong rmg_conn_write_array(JNIEnv *env, struct rmg_loop *loop, jlong id, jbyteArray arr,
                                  jint off, jint len, jint ops) {
  jbyte *p = (jbyte *) (*env)->GetPrimitiveArrayCritical(env, arr, NULL);
  jlong rc;
  if (p == NULL) return RMG_ERR_OOM;
  rc = rmg_conn_write(loop, id, p + off, (size_t) len, ops);
  (*env)->ReleasePrimitiveArrayCritical(env, arr, p, JNI_ABORT);
  return rc;
}

/* Same for a heap array: one copy straight into c->send. */
static jlong JNICALL rmg_conn_sendArray(JNIEnv *env, jclass cls, jlong h, jlong id,
                                        jbyteArray arr, jint off, jint len, jint ops) {
  struct rmg_loop *loop = rmg_loop_of(h);
  jlong err = 0;
  (void) cls;
  if (rmg_writable_conn(loop, id, &err) == NULL) return err;
  if (len <= 0) return rmg_conn_write(loop, id, NULL, 0, ops);
  if (!rmg_array_range_ok(env, arr, off, len)) return RMG_ERR_BAD_ARG;
  return rmg_conn_write_array(env, loop, id, arr, off, len, ops);
}

/* java.nio.ByteBuffer's backing array and its offset. A read-only heap buffer (the request
 * body's pieces, Spring's readable views) hides its array from Java (array() throws), but JNI
 * reads fields without access checks, so such a buffer is sent from its array as a writable
 * one is, instead of being copied into a new array first. Looked up once at load; NULL where a
 * JDK names them differently (then Java copies, see rmg_conn_heapViews). */
static jfieldID s_hb, s_hb_offset;

void rmg_conn_init(JNIEnv *env) {
  jclass bb = (*env)->FindClass(env, "java/nio/ByteBuffer");
  if (bb == NULL) {
    (*env)->ExceptionClear(env);
    return;
  }
  s_hb = (*env)->GetFieldID(env, bb, "hb", "[B");
  if (s_hb != NULL) s_hb_offset = (*env)->GetFieldID(env, bb, "offset", "I");
  if (s_hb == NULL || s_hb_offset == NULL) { /* NoSuchFieldError: Java copies instead */
    (*env)->ExceptionClear(env);
    s_hb = s_hb_offset = NULL;
  }
  (*env)->DeleteLocalRef(env, bb);
}

static jboolean JNICALL rmg_conn_heapViews(JNIEnv *env, jclass cls) {
  (void) env, (void) cls;
  return s_hb != NULL ? JNI_TRUE : JNI_FALSE;
}

/* Appends length bytes of a heap buffer from its index pos (read-only or not), straight from
 * its backing array (NULL for a direct buffer: refused); every bound is checked against the
 * array itself. */
static jlong JNICALL rmg_conn_sendHeap(JNIEnv *env, jclass cls, jlong h, jlong id, jobject buf,
                                       jint pos, jint len, jint ops) {
  struct rmg_loop *loop = rmg_loop_of(h);
  jlong err = 0, rc;
  jbyteArray arr;
  jint base;
  (void) cls;
  if (rmg_writable_conn(loop, id, &err) == NULL) return err;
  if (len <= 0) return rmg_conn_write(loop, id, NULL, 0, ops);
  if (buf == NULL || s_hb == NULL || pos < 0) return RMG_ERR_BAD_ARG;
  arr = (jbyteArray) (*env)->GetObjectField(env, buf, s_hb);
  base = (*env)->GetIntField(env, buf, s_hb_offset);
  rc = base < 0 || !rmg_array_range_ok(env, arr, (jlong) base + pos, len)
           ? RMG_ERR_BAD_ARG
           : rmg_conn_write_array(env, loop, id, arr, base + pos, len, ops);
  if (arr != NULL) (*env)->DeleteLocalRef(env, arr);
  return rc;
}

static jlong JNICALL rmg_conn_control(JNIEnv *env, jclass cls, jlong h, jlong id, jint ops) {
  (void) env, (void) cls;
  return rmg_conn_control_ops(rmg_loop_of(h), id, ops);
}

static jlong JNICALL rmg_conn_closeWait(JNIEnv *env, jclass cls, jlong h, jlong id, jlong wait_ms,
                                       jlong stall_ms) {
  (void) env, (void) cls;
  return rmg_conn_close_wait(rmg_loop_of(h), id, wait_ms, stall_ms);
}

/* A file region; path and root (may be null) are in the platform's file-name encoding,
 * without a NUL; size -1: no size and time check (rmg_file_checks). */
static jlong JNICALL rmg_conn_sendFile(JNIEnv *env, jclass cls, jlong h, jlong id, jbyteArray head,
                                       jbyteArray path, jbyteArray root, jlong size, jlong mtime_ms,
                                       jlong pos, jlong count, jint ops) {
  struct rmg_loop *loop = rmg_loop_of(h);
  jlong err = 0, rc;
  jsize n, rn, hn;
  char *p;
  (void) cls;
  if (rmg_writable_conn(loop, id, &err) == NULL) return err;
  if (path == NULL) return RMG_ERR_BAD_ARG;
  n = (*env)->GetArrayLength(env, path);
  rn = root == NULL ? 0 : (*env)->GetArrayLength(env, root);
  hn = head == NULL ? 0 : (*env)->GetArrayLength(env, head);
  /* one block: the path and the root (NUL-terminated), then the head */
  p = (char *) rmg_alloc((size_t) n + 1 + (size_t) rn + 1 + (size_t) hn);
  if (p == NULL) return RMG_ERR_OOM;
  (*env)->GetByteArrayRegion(env, path, 0, n, (jbyte *) p);
  p[n] = '\0';
  if (rn > 0) (*env)->GetByteArrayRegion(env, root, 0, rn, (jbyte *) (p + n + 1));
  p[n + 1 + rn] = '\0';
  if (hn > 0) (*env)->GetByteArrayRegion(env, head, 0, hn, (jbyte *) (p + n + 1 + rn + 1));
  rc = memchr(p, '\0', (size_t) n) != NULL || memchr(p + n + 1, '\0', (size_t) rn) != NULL
           ? RMG_ERR_BAD_ARG
           : rmg_conn_file(loop, id, p + n + 1 + rn + 1, (size_t) hn, p, root == NULL ? NULL : p + n + 1, size,
                           mtime_ms, pos, count, ops);
  rmg_free(p);
  return rc;
}

/* Writes one encoded address (RMG_ADDR_SIZE bytes, rmg_records.h) into out. */
static jint JNICALL rmg_conn_address(JNIEnv *env, jclass cls, jlong h, jlong id, jboolean local,
                                     jbyteArray out) {
  struct rmg_loop *loop = rmg_loop_of(h);
  struct mg_connection *c = rmg_conn(loop, id);
  unsigned char tmp[RMG_ADDR_SIZE];
  (void) cls;
  if (c == NULL) return RMG_ERR_NO_CONN;
  if (out == NULL || (*env)->GetArrayLength(env, out) < RMG_ADDR_SIZE) return RMG_ERR_BAD_ARG;
  rmg_put_addr(tmp, local ? &c->loc : &c->rem);
  (*env)->SetByteArrayRegion(env, out, 0, RMG_ADDR_SIZE, (const jbyte *) tmp);
  return 0;
}

static const JNINativeMethod s_methods[] = {
    {"send", "(JJLjava/nio/ByteBuffer;III)J", (void *) rmg_conn_send},
    {"sendArray", "(JJ[BIII)J", (void *) rmg_conn_sendArray},
    {"sendHeap", "(JJLjava/nio/ByteBuffer;III)J", (void *) rmg_conn_sendHeap},
    {"heapViews", "()Z", (void *) rmg_conn_heapViews},
    {"control", "(JJI)J", (void *) rmg_conn_control},
    {"closeWait", "(JJJJ)J", (void *) rmg_conn_closeWait},
    {"sendFile", "(JJ[B[B[BJJJJI)J", (void *) rmg_conn_sendFile},
    {"address", "(JJZ[B)I", (void *) rmg_conn_address},
};

const struct rmg_natives rmg_conn_natives = RMG_NATIVES("ConnNative", s_methods);
