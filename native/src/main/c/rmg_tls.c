/*
 * reactor-mongoose: TLS with Mongoose's built-in stack (MG_TLS_BUILTIN). A TLS context
 * (struct rmg_tls) holds what Java prepared once per server or client: the certificate
 * chain, the private key in the form the built-in stack parses, the CA that verifies
 * client certificates, and the handshake timeout. Listeners hold a reference and start
 * TLS on every accepted connection; an outbound connection takes one reference until it
 * is connected. The key bytes are wiped when the last reference goes (peer:
 * internal/jni/TlsNative).
 * SPDX-License-Identifier: GPL-2.0-only
 */
#define _DEFAULT_SOURCE 1 /* explicit_bzero, clock_gettime under -std=c11 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include "rmg_jni.h"

struct rmg_tls {
  int refs; /* atomic: listeners of several loops share one context */
  int is_client;
  uint64_t handshake_ms; /* 0: no handshake timeout */
  struct mg_str cert;    /* DER (one certificate) or PEM (a chain) */
  struct mg_str key;     /* PEM: EC PRIVATE KEY (SEC1, P-256) or RSA PRIVATE KEY (PKCS#1) */
  struct mg_str ca;      /* DER of the one CA that verifies client certificates */
  struct mg_str name;    /* client: SNI and Mongoose's host name check (Java checks too) */
  int cert_optional;     /* server with ca: a client without a certificate is taken too */
};

/* c->data[16..23]: an outbound connection's pending context until it is connected
 * (c->data[RMG_TLS_PENDING] set), then, on every TLS connection, the handshake deadline (mg_millis;
 * 0: none), read only while the handshake runs. rmg_http.c uses data[8..15] and data[24..31],
 * rmg_ws.c data[3]; data[0..1] are flag bytes. */
#define RMG_TLS_AT 16

void rmg_tls_clock_init(void) {
  /* Mongoose's mg_now() is mg_millis() (CLOCK_MONOTONIC_RAW on Linux: time since boot)
   * plus mg_boot_timestamp_ms, which only its SNTP client sets. Left at 0, every
   * certificate looks "not yet valid", and mg_tls_init with a CA would start an SNTP
   * query to a public time server on each connection. */
  struct timespec ts;
  if (mg_boot_timestamp_ms == 0 && clock_gettime(CLOCK_REALTIME, &ts) == 0) {
    uint64_t now = (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
    mg_boot_timestamp_ms = now - mg_millis();
  }
}

static int rmg_tls_copy(struct mg_str *dst, const void *src, size_t len) {
  if (src == NULL || len == 0) return 0;
  dst->buf = (char *) rmg_alloc(len + 1); /* NUL for PEM text */
  if (dst->buf == NULL) return -1;
  memcpy(dst->buf, src, len);
  dst->len = len;
  return 0;
}

static void rmg_tls_free_str(struct mg_str *s, int wipe) {
  if (s->buf != NULL) {
    if (wipe) explicit_bzero(s->buf, s->len);
    rmg_free(s->buf);
  }
  s->buf = NULL;
  s->len = 0;
}

struct rmg_tls *rmg_tls_new(int is_client, const void *cert, size_t cert_len, const void *key,
                            size_t key_len, const void *ca, size_t ca_len, const char *name,
                            int64_t handshake_ms, int cert_optional) {
  struct rmg_tls *t = (struct rmg_tls *) rmg_alloc(sizeof(*t));
  size_t i;
  if (t == NULL) return NULL;
  t->refs = 1;
  t->is_client = is_client;
  t->cert_optional = !is_client && ca_len > 0 && cert_optional;
  t->handshake_ms = handshake_ms > 0 ? (uint64_t) handshake_ms : 0;
  if (rmg_tls_copy(&t->cert, cert, cert_len) != 0 || rmg_tls_copy(&t->key, key, key_len) != 0 ||
      rmg_tls_copy(&t->ca, ca, ca_len) != 0 ||
      rmg_tls_copy(&t->name, name, name == NULL ? 0 : strlen(name)) != 0) {
    rmg_tls_free_str(&t->cert, 0);
    rmg_tls_free_str(&t->key, 1);
    rmg_tls_free_str(&t->ca, 0);
    rmg_tls_free_str(&t->name, 0);
    rmg_free(t);
    return NULL;
  }
  /* DNS names compare without case (RFC 6125 6.4.1), Mongoose's SAN match (mg_match) with it:
   * the name in lower case, as certificates carry theirs, so https://LocalHost/ verifies */
  for (i = 0; i < t->name.len; i++) {
    if (t->name.buf[i] >= 'A' && t->name.buf[i] <= 'Z') t->name.buf[i] = (char) (t->name.buf[i] - 'A' + 'a');
  }
  rmg_tls_clock_init();
  return t;
}

void rmg_tls_retain(struct rmg_tls *t) {
  __atomic_add_fetch(&t->refs, 1, __ATOMIC_RELAXED);
}

void rmg_tls_release(struct rmg_tls *t) {
  if (t == NULL || __atomic_sub_fetch(&t->refs, 1, __ATOMIC_ACQ_REL) != 0) return;
  rmg_tls_free_str(&t->cert, 0);
  rmg_tls_free_str(&t->key, 1);
  rmg_tls_free_str(&t->ca, 0);
  rmg_tls_free_str(&t->name, 0);
  rmg_free(t);
}

/* Starts the handshake on c: mg_tls_init copies what it needs (Mongoose's allocations are
 * wiped when freed, see rmg_alloc.c), and the deadline arms the handshake timeout. */
static void rmg_tls_start(struct mg_connection *c, const struct rmg_tls *t) {
  struct mg_tls_opts opts;
  uint64_t deadline = t->handshake_ms > 0 ? mg_millis() + t->handshake_ms : 0;
  memset(&opts, 0, sizeof(opts));
  opts.cert = t->cert;
  opts.key = t->key;
  opts.ca = t->ca;
  opts.name = t->name;
  memcpy(c->data + RMG_TLS_AT, &deadline, sizeof(deadline));
  c->data[RMG_TLS_FLAGS] = (char) (t->cert_optional ? RMG_TLS_F_CERT_OPTIONAL : 0);
  mg_tls_init(c, &opts);
}

int rmg_tls_cert_optional(const struct mg_connection *c) {
  return !c->is_client && (c->data[RMG_TLS_FLAGS] & RMG_TLS_F_CERT_OPTIONAL) != 0;
}

/* Whether c, closing gracefully, is yet to send its close_notify (hooks 31 and 32 of
 * hook-mongoose.sh): true once, for a TLS connection whose handshake is done. */
int rmg_tls_closing(struct mg_connection *c) {
  if (!c->is_tls || c->is_tls_hs || c->tls == NULL || (c->data[RMG_TLS_FLAGS] & RMG_TLS_F_CLOSE_NOTIFIED)) return 0;
  c->data[RMG_TLS_FLAGS] |= RMG_TLS_F_CLOSE_NOTIFIED;
  return 1;
}

const char *rmg_tls_alert_name(int desc) {
  switch (desc) {
    case 10: return "unexpected_message";
    case 20: return "bad_record_mac";
    case 40: return "handshake_failure";
    case 42: return "bad_certificate";
    case 43: return "unsupported_certificate";
    case 44: return "certificate_revoked";
    case 45: return "certificate_expired";
    case 46: return "certificate_unknown";
    case 47: return "illegal_parameter";
    case 48: return "unknown_ca";
    case 50: return "decode_error";
    case 51: return "decrypt_error";
    case 80: return "internal_error";
    case 116: return "certificate_required";
    default: return "alert";
  }
}

/* How long a side that sent a fatal alert keeps the connection open before it closes it
 * (rmg_tls_abort): the rest of the peer's flight (a client's CertificateVerify, its Finished, its
 * first request; a server's NewSessionTicket) is on its way, and a closed socket would answer it
 * with a reset, which fails the peer's write ("Broken pipe", "Connection reset") before it reads
 * the alert. */
#define RMG_TLS_ABORT_LINGER_MS 1000

int rmg_tls_abort(struct mg_connection *c, int desc) {
  uint64_t deadline;
  int sent = rmg_tls_alert(c, desc);
  if (sent <= 0) return 0;
  c->is_closing = 0; /* mg_error's close (MG_EV_ERROR lets the handler take it back): later */
  c->is_draining = 0;
  c->is_full = 1; /* nothing more is read (hook 11 takes EPOLLIN out); what came is dropped */
  c->recv.len = 0;
  (void) shutdown((int) (size_t) c->fd, SHUT_WR); /* the FIN after the alert */
  deadline = mg_millis() + RMG_TLS_ABORT_LINGER_MS;
  memcpy(c->data + RMG_TLS_AT, &deadline, sizeof(deadline));
  c->data[RMG_TLS_FLAGS] |= RMG_TLS_F_ABORTED;
  return sent;
}

/* Hook 38 (mg_tls_recv): a decrypted record after the handshake that is not application data
 * (the stack handles alerts itself). Only handshake messages may come (RFC 8446 5.1): a
 * KeyUpdate (4.6.3) renews the peer's keys (bit 1) and, when it asks, ours after a KeyUpdate
 * of our own (bit 2; not after our close_notify), and must end its record; a client skips a
 * NewSessionTicket (the stack resumes no session), also one split over records (*skip: its
 * bytes still to come). Anything else ends the connection (unexpected_message): the bits, or
 * -1 after mg_error. */
int rmg_tls_post_handshake(struct mg_connection *c, unsigned type, const unsigned char *m, size_t len,
                           uint32_t *skip) {
  int r = 0;
  if (type != 22) {
    mg_error(c, "TLS record of unexpected type %u after the handshake", type);
    return -1;
  }
  if (*skip > 0) {
    size_t n = *skip < len ? *skip : len;
    *skip -= (uint32_t) n;
    m += n;
    len -= n;
  }
  while (len > 0) {
    size_t n;
    if (r != 0) {
      mg_error(c, "TLS KeyUpdate not at the end of its record");
      return -1;
    }
    if (len < 4) {
      mg_error(c, "TLS handshake message header split over records");
      return -1;
    }
    n = 4 + (size_t) MG_LOAD_BE24(m + 1);
    if (m[0] == 24) { /* key_update */
      if (n != 5 || len < 5 || m[4] > 1) {
        mg_error(c, "malformed TLS KeyUpdate");
        return -1;
      }
      r = 1;
      if (m[4] == 1 && !(c->data[RMG_TLS_FLAGS] & RMG_TLS_F_CLOSE_NOTIFIED)) r |= 2;
    } else if (m[0] == 4 && c->is_client) { /* new_session_ticket */
      if (n > len) {
        *skip = (uint32_t) (n - len);
        n = len;
      }
    } else {
      mg_error(c, "unexpected TLS handshake message %u after the handshake", m[0]);
      return -1;
    }
    m += n;
    len -= n;
  }
  return r;
}

/* Handshake messages split over records (RFC 8446 5.1: a message may span several records of
 * its type; one over 2^14 bytes, a long certificate chain, must). The built-in stack parses
 * each record on its own, so a split message failed the handshake ("invalid certificate chain
 * length", "bad client hello"): OpenSSL's -max_send_frag, a ClientHello cut up by a middlebox.
 * Messages are put together up to this many bytes (the record header's 16-bit length). */
#define RMG_TLS_HS_MAX 65000

/* Whether m holds whole handshake messages only. */
static int rmg_tls_whole(const unsigned char *m, size_t len) {
  while (len >= 4) {
    size_t n = 4 + (size_t) MG_LOAD_BE24(m + 1);
    if (n > len) return 0;
    m += n;
    len -= n;
  }
  return len == 0;
}

/* Hooks 42, 43: c->rtls starts with a whole plaintext record (a ClientHello or ServerHello
 * comes next). When the record holds only the start of the message, the records that hold its
 * rest are joined to it once they are all there (their headers removed), so that the stack
 * reads one record: 1 to go on, 0 to wait for more, -1 after mg_error. */
int rmg_tls_join_hello(struct mg_connection *c) {
  struct mg_iobuf *rio = &c->rtls;
  unsigned char head[4];
  size_t at = 0, have = 0, need = 4, records = 0, total, i;
  if (rio->buf[0] != 22) return 1; /* the stack says what it is */
  for (;;) {
    size_t rl;
    if (rio->len < at + 5) return 0;
    rl = MG_LOAD_BE16(rio->buf + at + 3);
    if (rio->buf[at] != 22 || rl == 0) {
      mg_error(c, "TLS handshake message cut by an empty record or one of type %u", rio->buf[at]);
      return -1;
    }
    if (rio->len < at + 5 + rl) return 0;
    for (i = 0; i < rl && have + i < 4; i++) head[have + i] = rio->buf[at + 5 + i];
    have += rl;
    records++;
    if (have >= 4) need = 4 + (size_t) MG_LOAD_BE24(head + 1);
    if (have >= need) break;
    if (need > RMG_TLS_HS_MAX) {
      mg_error(c, "TLS handshake message of %lu bytes (at most %d)", (unsigned long) need, RMG_TLS_HS_MAX);
      return -1;
    }
    at += 5 + rl;
  }
  if (records == 1) return 1;
  if (have > 0xffff) {
    mg_error(c, "TLS handshake records of %lu bytes (at most 65535)", (unsigned long) have);
    return -1;
  }
  total = MG_LOAD_BE16(rio->buf + 3);
  for (at = 5 + total; --records > 0; at += total) {
    total = MG_LOAD_BE16(rio->buf + at + 3);
    mg_iobuf_del(rio, at, 5);
  }
  rio->buf[3] = (unsigned char) (have >> 8);
  rio->buf[4] = (unsigned char) have;
  return 1;
}

/* Hook 41 (mg_tls_recv_record, during the handshake): the decrypted record at the front of
 * c->rtls (content type, its plaintext m). A record that ends inside a handshake message is
 * kept in hs and dropped; once hs holds whole messages, they replace the record in front of
 * c->rtls as one decrypted record (header, plaintext, content type, 16 bytes for the tag) that
 * the stack reads as it reads any. 1: the record is whole, read it; 2: read the record put
 * together; 0: the record was kept, read the next one; -1 after mg_error. */
int rmg_tls_gather(struct mg_connection *c, struct mg_iobuf *hs, unsigned type, const unsigned char *m,
                   size_t len) {
  struct mg_iobuf *rio = &c->rtls;
  size_t n;
  if (type != 22) {
    if (hs->len == 0) return 1;
    mg_error(c, "TLS record of type %u inside a split handshake message", type);
    return -1;
  }
  if (len == 0) {
    mg_error(c, "empty TLS handshake record");
    return -1;
  }
  if (hs->len == 0 && rmg_tls_whole(m, len)) return 1;
  if (hs->len + len > RMG_TLS_HS_MAX) {
    mg_error(c, "TLS handshake message over %d bytes", RMG_TLS_HS_MAX);
    return -1;
  }
  if (mg_iobuf_add(hs, hs->len, m, len) != len) {
    mg_error(c, "TLS OOM");
    return -1;
  }
  mg_iobuf_del(rio, 0, 5 + MG_LOAD_BE16(rio->buf + 3));
  if (!rmg_tls_whole(hs->buf, hs->len)) return 0;
  n = hs->len;
  if (mg_iobuf_add(rio, 0, NULL, 5 + n + 17) != 5 + n + 17) {
    mg_error(c, "TLS OOM");
    return -1;
  }
  rio->buf[0] = 23;
  rio->buf[1] = 3;
  rio->buf[2] = 3;
  rio->buf[3] = (unsigned char) ((n + 17) >> 8);
  rio->buf[4] = (unsigned char) (n + 17);
  memcpy(rio->buf + 5, hs->buf, n);
  rio->buf[5 + n] = 22;
  memset(rio->buf + 5 + n + 1, 0, 16);
  mg_iobuf_free(hs);
  return 2;
}

void rmg_tls_accept(struct mg_connection *c, const struct rmg_tls *t) {
  rmg_tls_start(c, t);
}

/* Called by the built-in stack (a line the build adds to mg_tls_recv_cert, see the Makefile)
 * with each decrypted Certificate message, before Mongoose checks it, and recorded for Java.
 * A client's: Java verifies the server's chain and host name with the JDK when the handshake
 * is done (RMG_EV_TLS_DONE), before any application data is delivered. A server's (only when
 * it asked for a client certificate): Mongoose verifies the chain against the one CA; if it
 * refuses, the connection closes before any request, else Java keeps the chain as the
 * connection's peer certificates (HttpServerRequest.peerCertificates()). */
void rmg_tls_peer_certificates(struct mg_connection *c, const unsigned char *msg, size_t len) {
  struct rmg_loop *loop = (struct rmg_loop *) c->mgr;
  rmg_record_bytes(&loop->ev, RMG_EV_TLS_PEER, c->id, 0, msg, len);
}

/* MG_EV_POLL of a connection still in its handshake, or of one that sent a fatal alert
 * (rmg_tls_abort; its linger ends at the deadline): the timeout, and input that cannot be
 * TLS. The built-in stack waits for a whole record before it looks at one, so a plain-HTTP
 * request ("GET /", read as a 12 KiB record) would sit there, polled every millisecond,
 * until the timeout. */
void rmg_tls_poll(struct mg_connection *c) {
  uint64_t deadline;
  const unsigned char *b = c->rtls.buf;
  if (c->is_closing) return;
  if (c->data[RMG_TLS_FLAGS] & RMG_TLS_F_ABORTED) { /* its alert is out: it closes at the deadline */
    memcpy(&deadline, c->data + RMG_TLS_AT, sizeof(deadline));
    if (mg_millis() > deadline) c->is_closing = 1;
    return;
  }
  if (c->rtls.len >= 3 && (b[0] < 20 || b[0] > 23 || b[1] != 3)) {
    mg_error(c, "not a TLS record (plain text on a TLS port?)");
    return;
  }
  /* a record is at most 2^14 + 256 bytes (RFC 8446 5.2): a longer one would be waited for */
  if (c->rtls.len >= 5 && MG_LOAD_BE16(b + 3) > 16384 + 256) {
    mg_error(c, "not a TLS record (its length is over 16,640 bytes)");
    return;
  }
  if (c->is_accepted && c->is_readable) {
    /* A server acknowledges what the client sends during the handshake at once. Having sent its
     * flight just after the ClientHello, the kernel took the connection for an interactive one and
     * delayed its ACKs (up to 40 ms), and nothing of ours followed to carry them (the stack sends
     * no NewSessionTicket, which OpenSSL's and the JDK's servers send): a client without
     * TCP_NODELAY (the JDK's SSLSocket, Python's http.client over ssl) that writes its
     * ChangeCipherSpec, its Finished and its request one after another held each behind the
     * unacknowledged one before it (Nagle), and waited 40 ms for its first answer (48-53 ms per
     * connection against 7-9 with TCP_NODELAY, measured with the JDK's client). TCP_QUICKACK
     * sends the ACK now, and is set again at each read of the handshake (it does not last). */
    int on = 1;
    (void) setsockopt((int) (size_t) c->fd, IPPROTO_TCP, TCP_QUICKACK, &on, sizeof(on));
  }
  memcpy(&deadline, c->data + RMG_TLS_AT, sizeof(deadline));
  if (deadline != 0 && mg_millis() > deadline) {
    mg_error(c, "TLS handshake timed out");
  }
}

/* MG_EV_CONNECT / MG_EV_CLOSE of an outbound connection: starts or drops its pending TLS. */
void rmg_tls_connected(struct mg_connection *c, int start) {
  struct rmg_tls *t;
  if (!c->data[RMG_TLS_PENDING]) return;
  c->data[RMG_TLS_PENDING] = 0;
  memcpy(&t, c->data + RMG_TLS_AT, sizeof(t));
  memset(c->data + RMG_TLS_AT, 0, sizeof(t));
  if (start) rmg_tls_start(c, t);
  rmg_tls_release(t);
}

/* Secures an outbound connection: at once if it is connected already, else at
 * MG_EV_CONNECT. 0 or RMG_ERR_*. */
int rmg_tls_client(struct rmg_loop *loop, int64_t id, struct rmg_tls *t) {
  struct mg_connection *c = rmg_conn(loop, id);
  if (c == NULL || c->is_closing) return RMG_ERR_NO_CONN;
  if (!t->is_client || c->is_tls || c->is_listening || c->is_accepted ||
      c->data[RMG_TLS_PENDING]) {
    return RMG_ERR_BAD_ARG;
  }
  rmg_tls_retain(t);
  memcpy(c->data + RMG_TLS_AT, &t, sizeof(t));
  c->data[RMG_TLS_PENDING] = 1;
  if (!c->is_connecting && !c->is_resolving) {
    rmg_tls_connected(c, 1);
    mg_tls_handshake(c); /* sends the ClientHello */
  }
  return 0;
}

/* Listener with TLS: its accepted connections start TLS (rmg_ev_fn). 0 or RMG_ERR_*. */
int rmg_tls_listener(struct rmg_loop *loop, int64_t id, struct rmg_tls *t) {
  struct mg_connection *c = rmg_conn(loop, id);
  struct rmg_opts *o;
  if (c == NULL || c->is_closing) return RMG_ERR_NO_CONN;
  o = (struct rmg_opts *) c->fn_data;
  if (t->is_client || !c->is_listening || o == NULL || o->tls != NULL) return RMG_ERR_BAD_ARG;
  rmg_tls_retain(t);
  o->tls = t;
  return 0;
}

/* A TLS listener's new context (a running server's renewed certificate): connections it accepts
 * from now on start TLS with t; those accepted before keep what mg_tls_init copied for them. The
 * listener holds a reference to t and drops the one to its old context. 0 or RMG_ERR_*. */
int rmg_tls_listener_update(struct rmg_loop *loop, int64_t id, struct rmg_tls *t) {
  struct mg_connection *c = rmg_conn(loop, id);
  struct rmg_opts *o;
  if (c == NULL || c->is_closing) return RMG_ERR_NO_CONN;
  o = (struct rmg_opts *) c->fn_data;
  if (t->is_client || !c->is_listening || o == NULL || o->tls == NULL) return RMG_ERR_BAD_ARG;
  rmg_tls_retain(t);
  rmg_tls_release(o->tls);
  o->tls = t;
  return 0;
}

/* ---- natives: thin JNI wrappers ---- */

/* Copies a Java byte array into a temporary native buffer; the caller wipes and frees it. */
static int rmg_tls_array(JNIEnv *env, jbyteArray a, void **out, size_t *len) {
  *out = NULL;
  *len = 0;
  if (a == NULL) return 0;
  *len = (size_t) (*env)->GetArrayLength(env, a);
  if (*len == 0) return 0;
  *out = rmg_alloc(*len);
  if (*out == NULL) return -1;
  (*env)->GetByteArrayRegion(env, a, 0, (jsize) *len, (jbyte *) *out);
  return 0;
}

static jlong JNICALL rmg_tls_create(JNIEnv *env, jclass cls, jboolean client, jbyteArray cert,
                                    jbyteArray key, jbyteArray ca, jstring name,
                                    jlong handshake_ms, jboolean cert_optional) {
  void *cb = NULL, *kb = NULL, *ab = NULL;
  size_t cl, kl, al;
  const char *n = NULL;
  struct rmg_tls *t = NULL;
  (void) cls;
  if (name != NULL && (n = (*env)->GetStringUTFChars(env, name, NULL)) == NULL) return RMG_ERR_OOM;
  if (rmg_tls_array(env, cert, &cb, &cl) == 0 && rmg_tls_array(env, key, &kb, &kl) == 0 &&
      rmg_tls_array(env, ca, &ab, &al) == 0) {
    t = rmg_tls_new(client == JNI_TRUE, cb, cl, kb, kl, ab, al, n, (int64_t) handshake_ms,
                    cert_optional == JNI_TRUE);
  }
  if (n != NULL) (*env)->ReleaseStringUTFChars(env, name, n);
  if (cb != NULL) rmg_free(cb);
  if (kb != NULL) {
    explicit_bzero(kb, kl);
    rmg_free(kb);
  }
  if (ab != NULL) rmg_free(ab);
  return t == NULL ? RMG_ERR_OOM : (jlong) (intptr_t) t;
}

static void JNICALL rmg_tls_release_native(JNIEnv *env, jclass cls, jlong ctx) {
  (void) env, (void) cls;
  rmg_tls_release((struct rmg_tls *) (intptr_t) ctx);
}

static jint JNICALL rmg_tls_listener_native(JNIEnv *env, jclass cls, jlong h, jlong id, jlong ctx) {
  (void) env, (void) cls;
  return rmg_tls_listener(rmg_loop_of(h), id, (struct rmg_tls *) (intptr_t) ctx);
}

static jint JNICALL rmg_tls_update_native(JNIEnv *env, jclass cls, jlong h, jlong id, jlong ctx) {
  (void) env, (void) cls;
  return rmg_tls_listener_update(rmg_loop_of(h), id, (struct rmg_tls *) (intptr_t) ctx);
}

static jint JNICALL rmg_tls_client_native(JNIEnv *env, jclass cls, jlong h, jlong id, jlong ctx) {
  (void) env, (void) cls;
  return rmg_tls_client(rmg_loop_of(h), id, (struct rmg_tls *) (intptr_t) ctx);
}

static jlong JNICALL rmg_tls_mongoose_allocations(JNIEnv *env, jclass cls) {
  (void) env, (void) cls;
  return (jlong) rmg_mg_live_allocations();
}

static const JNINativeMethod s_methods[] = {
    {"create", "(Z[B[B[BLjava/lang/String;JZ)J", (void *) rmg_tls_create},
    {"release", "(J)V", (void *) rmg_tls_release_native},
    {"listener", "(JJJ)I", (void *) rmg_tls_listener_native},
    {"update", "(JJJ)I", (void *) rmg_tls_update_native},
    {"client", "(JJJ)I", (void *) rmg_tls_client_native},
    {"mongooseAllocations", "()J", (void *) rmg_tls_mongoose_allocations},
};

const struct rmg_natives rmg_tls_natives = RMG_NATIVES("TlsNative", s_methods);
