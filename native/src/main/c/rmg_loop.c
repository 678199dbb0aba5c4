/*
 * reactor-mongoose: one mg_mgr per loop, the poll, the doorbell, listeners and outbound
 * connections, and the one Mongoose event handler, which does the part common to every
 * connection and hands the rest to the connection's kind (struct rmg_kind). This file
 * knows no protocol (peer: internal/jni/LoopNative).
 * SPDX-License-Identifier: GPL-2.0-only
 */
#define _DEFAULT_SOURCE 1 /* sigaction, SOCK_NONBLOCK under -std=c11 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include "rmg_jni.h"

#define RMG_TABLE_INITIAL 1024

/* Set by JNI_OnLoad before any loop exists; read-only afterwards. */
static const struct rmg_kind *s_kinds[RMG_KIND_COUNT];

void rmg_loop_set_kind(int kind, const struct rmg_kind *k) {
  if (kind >= 0 && kind < RMG_KIND_COUNT) s_kinds[kind] = k;
}

/* The RMG_EV_WRITABLE record Java asked for (RMG_OP_NOTIFY_WRITABLE), once what is pending
 * fell to the low-water mark. */
static void rmg_writable(struct rmg_loop *loop, struct mg_connection *c) {
  size_t pending;
  if (!(c->data[0] & RMG_CF_NOTIFY_WRITABLE)) return;
  pending = rmg_send_pending(c);
  if (pending <= loop->low_water) {
    c->data[0] &= (uint8_t) ~RMG_CF_NOTIFY_WRITABLE;
    rmg_record(&loop->ev, RMG_EV_WRITABLE, c->id, (int64_t) pending, 0);
  }
}

/* How long a listener stops accepting when the process is out of descriptors. */
#define RMG_ACCEPT_PAUSE_MS 250

/* Whether the process cannot open one more descriptor (EMFILE, ENFILE). */
static int rmg_out_of_fds(int fd) {
  int probe = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (probe >= 0) {
    close(probe);
    return 0;
  }
  return errno == EMFILE || errno == ENFILE;
}

/* MG_EV_POLL of a TCP listener. An accept that fails is only logged by Mongoose, and the
 * listener stays readable: out of descriptors, every poll would return at once and fail
 * again, the loop spinning at 100 % CPU until something closes. So a listener that was
 * readable at the last poll, with no accept since, while the process cannot open a descriptor,
 * is left out of the poll (is_full) for RMG_ACCEPT_PAUSE_MS, then tried again; the pending
 * clients wait in the kernel's backlog meanwhile (Netty stops accepting for 1 s). */
static void rmg_accept_guard(struct rmg_loop *loop, struct mg_connection *c, uint64_t now) {
  uint64_t resume, seen;
  memcpy(&resume, c->data + 16, sizeof(resume));
  if (resume != 0) {
    if (now < resume) return;
    resume = 0;
    memcpy(c->data + 16, &resume, sizeof(resume));
    c->is_full = 0;
    c->data[2] = 0;
    return;
  }
  memcpy(&seen, c->data + 8, sizeof(seen));
  if (c->is_readable && c->data[2] && seen == loop->accepts && rmg_out_of_fds((int) (size_t) c->fd)) {
    resume = now + RMG_ACCEPT_PAUSE_MS;
    memcpy(c->data + 16, &resume, sizeof(resume));
    c->is_full = 1;
    c->is_readable = 0; /* no accept_conn in this poll either */
    return;
  }
  c->data[2] = c->is_readable ? 1 : 0;
  memcpy(c->data + 8, &loop->accepts, sizeof(loop->accepts));
}

/* Whether o is a listener's options (in loop->opts), not one of the loop's own for outbound
 * connections (client_opts), which live as long as the loop. */
static int rmg_listener_opts(const struct rmg_loop *loop, const struct rmg_opts *o) {
  return o < loop->client_opts || o >= loop->client_opts + RMG_KIND_COUNT;
}

/* Takes a listener's options out of loop->opts and frees them: its listener and the last
 * connection it accepted have closed (or the listener never opened). Without this a server
 * bound and disposed on a loop that lives on left them behind until the loop's end. */
static void rmg_opts_free(struct rmg_loop *loop, struct rmg_opts *o) {
  struct rmg_opts **p;
  for (p = &loop->opts; *p != NULL; p = &(*p)->next) {
    if (*p == o) {
      *p = o->next;
      break;
    }
  }
  rmg_tls_release(o->tls);
  rmg_free(o);
}

/* The handler of every connection (fn; fn_data is the connection's struct rmg_opts).
 * Mongoose calls it after the protocol handler (pfn), if any, has seen the event. */
static void rmg_ev_fn(struct mg_connection *c, int ev, void *ev_data) {
  struct rmg_loop *loop = (struct rmg_loop *) c->mgr;
  struct rmg_opts *o = (struct rmg_opts *) c->fn_data;
  const struct rmg_kind *k = s_kinds[o->kind];
  if (c->data[RMG_PROXY_STATE] == RMG_PROXY_PENDING && (ev == MG_EV_READ || ev == MG_EV_POLL)) {
    /* still the PROXY header's (rmg_proxy.c): nobody else looks at it, a late one is closed */
    if (ev == MG_EV_POLL && rmg_proxy_pending(c, *(uint64_t *) ev_data) < 0) c->is_closing = 1;
    return;
  }
  switch (ev) {
    case MG_EV_OPEN:
      if (rmg_listener_opts(loop, o)) o->refs++;
      if (rmg_table_put(&loop->conns, c->id, c) == 0) {
        c->data[0] |= RMG_CF_TRACKED;
      } else {
        mg_error(c, "OOM");
      }
      break;
    case MG_EV_ACCEPT:
      loop->accepts++;
      if (o->proxy != 0) {
        rmg_proxy_accept(c, o); /* Java hears of it once its PROXY header is in */
        break;
      }
      rmg_record_addrs(&loop->ev, RMG_EV_ACCEPT, c, (int64_t) o->listener_id);
      if (o->tls != NULL) rmg_tls_accept(c, o->tls);
      break;
    case MG_EV_CONNECT:
      rmg_record_addrs(&loop->ev, RMG_EV_CONNECT, c, 0);
      rmg_tls_connected(c, 1);
      break;
    case MG_EV_TLS_HS:
      rmg_record(&loop->ev, RMG_EV_TLS_DONE, c->id, 0, 0);
      break;
    case MG_EV_READ:
      rmg_send_touch(c);
      break;
    case MG_EV_POLL:
      if (c->is_listening && !c->is_udp) rmg_accept_guard(loop, c, *(uint64_t *) ev_data);
      if (c->is_tls_hs || (c->is_tls && (c->data[RMG_TLS_FLAGS] & RMG_TLS_F_ABORTED))) rmg_tls_poll(c);
      rmg_send_pump(c); /* the send side: rmg_send.c */
      rmg_send_idle(c, *(uint64_t *) ev_data);
      rmg_writable(loop, c);
      break;
    case MG_EV_WRITE:
      rmg_send_wrote(c, ev_data == NULL ? 0 : *(long *) ev_data);
      rmg_send_pump(c);
      rmg_writable(loop, c);
      break;
    case MG_EV_ERROR: {
      /* Mongoose's own errors; the glue's write timeout writes its record itself (rmg_send.c) */
      const char *msg = ev_data == NULL ? "error" : (const char *) ev_data;
      int err = 0, kind = RMG_ERROR_OTHER, alert;
      char why[128];
      socklen_t len = sizeof(err);
      /* the socket's pending error says why Mongoose's "socket error" happened (a UDP socket's
       * is read by rmg_udp.c, for its own record) */
      if (!c->is_udp && getsockopt((int) (size_t) c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) {
        err = 0; /* no socket (yet): a resolver's error, say */
      }
      /* a connect that failed at once, inside connect(2) (no route, a multicast or broadcast
       * address, no free local port) or socket(2) (no descriptor left), left no pending error:
       * Mongoose's message has the errno */
      if (err == 0 && sscanf(msg, "connect: %d", &err) != 1 && sscanf(msg, "socket(): %d", &err) != 1) err = 0;
      if (c->is_tls_hs) {
        kind = RMG_ERROR_TLS;
        /* a handshake step that failed with an alert (hooks 52-64; a server's or a client's)
         * sends it before the close, and the log line names it */
        alert = rmg_tls_abort(c, -1);
        if (alert > 0) {
          snprintf(why, sizeof(why), "%s (sent the alert %s)", msg, rmg_tls_alert_name(alert));
          msg = why;
        }
      } else if (err != 0 || strcmp(msg, "socket error") == 0) {
        kind = RMG_ERROR_SOCKET;
      }
      /* such a failure is reported inside the connect command, outside the poll: a record
       * written to ev now would be lost at the next poll's reset, which moves wire's to its
       * front instead (as rmg_wire's), before the CLOSE record */
      rmg_record_error(loop->in_poll ? &loop->ev : &loop->wire, c, kind, err, msg);
      if (!loop->in_poll) loop->poll_now = 1;
      break;
    }
    case MG_EV_CLOSE: {
      int64_t unsent;
      if (k != NULL && k->event != NULL) k->event(loop, c, ev, ev_data);
      if (c->is_listening) {
        o->closed = 1;
        rmg_tls_release(o->tls);
        o->tls = NULL;
      } else if (c->is_accepted) {
        rmg_proxy_close(c);
      } else if (c->is_client) {
        rmg_tls_connected(c, 0);
      }
      unsent = (int64_t) rmg_send_pending(c); /* before rmg_send_close drops it */
      rmg_send_close(c);
      if (c->data[0] & RMG_CF_TRACKED) {
        rmg_table_del(&loop->conns, c->id);
        c->data[0] &= (uint8_t) ~RMG_CF_TRACKED;
      }
      rmg_record(&loop->ev, RMG_EV_CLOSE, c->id, unsent, 0);
      if (rmg_listener_opts(loop, o) && --o->refs == 0) rmg_opts_free(loop, o); /* o is not used after */
      return;
    }
    default:
      break;
  }
  if (k != NULL && k->event != NULL) k->event(loop, c, ev, ev_data);
}

/* ---- the non-JNI core of the natives (also driven by native/fuzz without a JVM) ---- */

/* Loops made so far in the process: the start of each one's connection ids (rmg_loop_new). */
static unsigned long s_loop_serial;

struct rmg_loop *rmg_loop_new(int low_water) {
  struct rmg_loop *loop;
  struct sigaction old_pipe;
  int i;
  loop = (struct rmg_loop *) rmg_alloc(sizeof(*loop));
  if (loop == NULL) return NULL;
  /* mg_mgr_init sets SIGPIPE to SIG_IGN; the JVM owns signal dispositions, and
   * every send uses MSG_NOSIGNAL, so put the JVM's disposition back. */
  sigaction(SIGPIPE, NULL, &old_pipe);
  mg_mgr_init(&loop->mgr);
  sigaction(SIGPIPE, &old_pipe, NULL);
  /* Connection ids unique in the process, not per loop: each loop's start 2^40 apart (Mongoose
   * counts from nextid). A request id (<connection id>-<n>), Spring's log prefix, a Context
   * keyed by Connection.id() would otherwise repeat across the loops of one server. */
  loop->mgr.nextid = (unsigned long) __atomic_fetch_add(&s_loop_serial, 1, __ATOMIC_RELAXED) << 40;
  loop->low_water = low_water > 0 ? (size_t) low_water : 0;
  if (rmg_arena_init(&loop->ev) != 0 || rmg_table_init(&loop->conns, RMG_TABLE_INITIAL) != 0 ||
      rmg_table_init(&loop->outs, 64) != 0 ||
      !mg_wakeup_init(&loop->mgr)) {
    mg_mgr_free(&loop->mgr);
    rmg_arena_free(&loop->ev);
    rmg_table_free(&loop->conns);
    rmg_table_free(&loop->outs);
    rmg_free(loop);
    return NULL;
  }
  loop->wakeup_id = loop->mgr.conns->id; /* mg_wakeup_init puts the pipe at the head */
  for (i = 0; i < RMG_KIND_COUNT; i++) {
    loop->client_opts[i].kind = i;
    loop->client_opts[i].max_body = 1024 * 1024;
    loop->client_opts[i].max_head = 16 * 1024;
    loop->client_opts[i].max_ws_frame = 64 * 1024;
    loop->client_opts[i].pipeline_limit = 64 * 1024;
  }
  rmg_loops_changed(1);
  return loop;
}

void rmg_loop_free(struct rmg_loop *loop) {
  struct rmg_opts *o, *next;
  if (loop == NULL) return;
  rmg_arena_reset(&loop->ev); /* room for the CLOSE records nobody reads */
  mg_mgr_free(&loop->mgr);    /* fires MG_EV_CLOSE for every connection */
  for (o = loop->opts; o != NULL; o = next) {
    next = o->next;
    rmg_tls_release(o->tls);
    rmg_free(o);
  }
  rmg_arena_free(&loop->ev);
  rmg_arena_free(&loop->wire);
  rmg_table_free(&loop->conns);
  rmg_table_free(&loop->outs);
  rmg_free(loop->gather);
  rmg_free(loop->udp_buf);
  rmg_free(loop);
  rmg_loops_changed(-1);
}

/* Returns the bytes of records written plus RMG_POLL_* flags (rmg_arena_result). */
int64_t rmg_loop_poll_once(struct rmg_loop *loop, int ms) {
  rmg_arena_reset(&loop->ev);
  if (loop->wire.len > 0) (void) rmg_arena_take(&loop->ev, &loop->wire); /* bytes sent since */
  if (loop->poll_now) {
    loop->poll_now = 0;
    ms = 0;
  }
  loop->in_poll = 1;
  mg_mgr_poll(&loop->mgr, ms < 0 ? 0 : ms);
  loop->in_poll = 0;
  return rmg_arena_result(&loop->ev);
}

static jobject JNICALL rmg_loop_eventBuffer(JNIEnv *env, jclass cls, jlong h) {
  struct rmg_loop *loop = rmg_loop_of(h);
  (void) cls;
  return (*env)->NewDirectByteBuffer(env, loop->ev.buf, (jlong) loop->ev.cap);
}

/* The only native any thread may call. Java guarantees the loop is alive. */
static jboolean JNICALL rmg_loop_wakeup(JNIEnv *env, jclass cls, jlong h) {
  struct rmg_loop *loop = rmg_loop_of(h);
  (void) env, (void) cls;
  return mg_wakeup(&loop->mgr, loop->wakeup_id, "", 0) ? JNI_TRUE : JNI_FALSE;
}

static struct rmg_opts *rmg_new_opts(struct rmg_loop *loop, jint kind, jlong max_body,
                                     jint max_head, jint max_ws_frame, jint pipeline_limit) {
  struct rmg_opts *o = (struct rmg_opts *) rmg_alloc(sizeof(*o));
  if (o == NULL) return NULL;
  o->kind = kind;
  o->max_body = (size_t) max_body;
  o->max_head = (size_t) max_head;
  o->max_ws_frame = (size_t) max_ws_frame;
  o->pipeline_limit = (size_t) pipeline_limit;
  o->head_timeout_ms = 0;
  o->max_line = 0;
  o->max_headers = 0;
  o->proxy = 0;
  o->accept_pfn = NULL;
  o->proxy_pending = 0;
  o->proxy_max_pending = 0;
  o->closed = 0;
  o->tls = NULL;
  o->refs = 0;
  o->next = loop->opts;
  loop->opts = o;
  return o;
}

/* Whether a listener has another connection queued (hook 5 of hook-mongoose.sh): a readable
 * listener then accepts up to 64 connections per poll instead of Mongoose's one. */
int rmg_listener_ready(const struct mg_connection *c) {
  struct pollfd p;
  p.fd = (int) (size_t) c->fd;
  p.events = POLLIN;
  p.revents = 0;
  return poll(&p, 1, 0) == 1 && (p.revents & POLLIN) != 0;
}

/* The bytes waiting in a connection's receive buffer (hook 45 of hook-mongoose.sh). A peer that
 * answers and then resets the connection (SO_LINGER 0, or a close with our unread bytes in its
 * buffer: Python's http.server after every error answer) makes epoll report an error with the
 * answer still unread; Mongoose closed at once and the answer was lost. While bytes wait and
 * reading is not paused, the connection is read first; the error comes at the poll after.
 * FIONREAD leaves the socket's pending error in place (a peek would take it). */
int rmg_unread(const struct mg_connection *c) {
  int n = 0;
  if (ioctl((int) (size_t) c->fd, FIONREAD, &n) != 0) return 0;
  return n;
}

/* A listener on its own socket with SO_REUSEPORT, so that the listeners of several loops share
 * one host:port and the kernel spreads new connections between them. Mongoose has no option
 * for it, and Linux wants the option on every sharing socket before bind(), so the glue opens
 * the socket, wraps it (mg_wrapfd) and marks it listening; accepted connections then inherit
 * fn, fn_data and pfn as usual (see docs/mongoose-internals.md). NULL with errno set. */
static struct mg_connection *rmg_listen_shared(struct rmg_loop *loop, const char *url, jint share,
                                               struct rmg_opts *o, const struct rmg_kind *k) {
  union {
    struct sockaddr sa;
    struct sockaddr_in sin;
    struct sockaddr_in6 sin6;
  } u;
  struct mg_addr a;
  struct mg_connection *c;
  socklen_t len;
  int fd, on = 1, e;
  memset(&a, 0, sizeof(a));
  memset(&u, 0, sizeof(u));
  if (!mg_aton(mg_url_host(url), &a)) {
    errno = EINVAL;
    return NULL;
  }
  if (a.is_ip6) {
    u.sin6.sin6_family = AF_INET6;
    u.sin6.sin6_port = mg_htons(mg_url_port(url));
    memcpy(&u.sin6.sin6_addr, a.addr.ip, 16);
    len = sizeof(u.sin6);
  } else {
    u.sin.sin_family = AF_INET;
    u.sin.sin_port = mg_htons(mg_url_port(url));
    memcpy(&u.sin.sin_addr, a.addr.ip, 4);
    len = sizeof(u.sin);
  }
  if (share == RMG_LISTEN_SHARE_FIRST) {
    /* The first listener of a group must not join a port someone else already shares, and
     * a port-0 bind with SO_REUSEPORT may be handed such a port: a probe bound without
     * SO_REUSEPORT fails on any listening socket there, or (port 0) finds a free port. */
    fd = socket(u.sa.sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return NULL;
    len = a.is_ip6 ? sizeof(u.sin6) : sizeof(u.sin);
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0 || bind(fd, &u.sa, len) != 0 ||
        getsockname(fd, &u.sa, &len) != 0) {
      e = errno;
      close(fd);
      errno = e;
      return NULL;
    }
    close(fd); /* u now holds the probed port */
  }
  fd = socket(u.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return NULL;
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0 ||
      setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) != 0 || bind(fd, &u.sa, len) != 0 ||
      listen(fd, MG_SOCK_LISTEN_BACKLOG_SIZE) != 0) {
    e = errno;
    close(fd);
    errno = e;
    return NULL;
  }
  c = mg_wrapfd(&loop->mgr, fd, rmg_ev_fn, o); /* MG_EV_OPEN: tracked like any connection */
  if (c == NULL) {
    close(fd);
    errno = ENOMEM;
    return NULL;
  }
  c->is_listening = 1;
  len = sizeof(u);
  if (getsockname(fd, &u.sa, &len) == 0) {
    c->loc.is_ip6 = u.sa.sa_family == AF_INET6;
    c->loc.port = c->loc.is_ip6 ? u.sin6.sin6_port : u.sin.sin_port;
    memcpy(c->loc.addr.ip, c->loc.is_ip6 ? (void *) &u.sin6.sin6_addr : (void *) &u.sin.sin_addr,
           c->loc.is_ip6 ? 16 : 4);
  }
  if (k->adopt != NULL && k->adopt(c) != 0) {
    e = errno;
    c->is_closing = 1; /* freed (and its fd closed) by the next poll */
    errno = e != 0 ? e : EADDRNOTAVAIL;
    return NULL;
  }
  return c;
}

/* Returns the listener's id, or a negative code: RMG_ERR_* or -(1000 + errno). share is
 * RMG_LISTEN_EXCLUSIVE (Mongoose's own listener), or RMG_LISTEN_SHARE_FIRST / _JOIN: the first
 * and the other listeners of a group of loops on one port (SO_REUSEPORT). */
int64_t rmg_loop_listen_url(struct rmg_loop *loop, const char *url, int kind, int64_t max_body,
                            int max_head, int max_ws_frame, int pipeline_limit, int share) {
  struct rmg_opts *o;
  struct mg_connection *c;
  if (url == NULL || kind < 0 || kind >= RMG_KIND_COUNT || s_kinds[kind] == NULL ||
      max_body < 0 || max_head <= 0 || max_ws_frame <= 0 || pipeline_limit <= 0 ||
      share < RMG_LISTEN_EXCLUSIVE || share > RMG_LISTEN_SHARE_JOIN ||
      (share != RMG_LISTEN_EXCLUSIVE && kind == RMG_KIND_UDP)) {
    return RMG_ERR_BAD_ARG;
  }
  o = rmg_new_opts(loop, kind, max_body, max_head, max_ws_frame, pipeline_limit);
  if (o == NULL) return RMG_ERR_OOM;
  errno = 0;
  if (share != RMG_LISTEN_EXCLUSIVE) {
    c = rmg_listen_shared(loop, url, share, o, s_kinds[kind]);
  } else {
    c = s_kinds[kind]->listen != NULL ? s_kinds[kind]->listen(&loop->mgr, url, rmg_ev_fn, o)
                                      : mg_listen(&loop->mgr, url, rmg_ev_fn, o);
  }
  if (c == NULL) {
    int64_t rc = errno != 0 ? -(RMG_ERR_ERRNO_BASE + (int64_t) errno) : RMG_ERR_LISTEN;
    if (o->refs == 0) rmg_opts_free(loop, o); /* no connection holds it */
    return rc;
  }
  o->listener_id = c->id;
  return (int64_t) c->id;
}

struct mg_connection *rmg_loop_wrap(struct rmg_loop *loop, int fd, int kind) {
  if (kind < 0 || kind >= RMG_KIND_COUNT || s_kinds[kind] == NULL) return NULL;
  return mg_wrapfd(&loop->mgr, fd, rmg_ev_fn, &loop->client_opts[kind]);
}

/* An HTTP listener's rules for request heads: the head timeout (ms, 0: none), the longest
 * request line (0: max_head) and the most header lines (0: as many as the build parses). */
int rmg_loop_listener_rules(struct rmg_loop *loop, int64_t listener_id, int64_t head_ms, int max_line,
                            int64_t write_ms, int max_headers) {
  struct rmg_opts *o;
  if (head_ms < 0 || max_line < 0 || write_ms < 0 || max_headers < 0 || max_headers >= MG_MAX_HTTP_HEADERS) {
    return RMG_ERR_BAD_ARG;
  }
  for (o = loop->opts; o != NULL; o = o->next) {
    if ((int64_t) o->listener_id == listener_id) {
      o->head_timeout_ms = (uint64_t) head_ms;
      o->max_line = (size_t) max_line;
      o->write_timeout_ms = (uint64_t) write_ms;
      o->max_headers = (size_t) max_headers;
      return 0;
    }
  }
  return RMG_ERR_NO_CONN;
}

int rmg_loop_proxy_protocol(struct rmg_loop *loop, int64_t listener_id, int mode, int max_pending) {
  struct rmg_opts *o;
  if ((mode != 0 && mode != RMG_PROXY_ON && mode != RMG_PROXY_AUTO) || max_pending < 0) return RMG_ERR_BAD_ARG;
  for (o = loop->opts; o != NULL; o = o->next) {
    if ((int64_t) o->listener_id == listener_id) {
      if (o->kind != RMG_KIND_HTTP && o->kind != RMG_KIND_TCP) return RMG_ERR_BAD_ARG;
      o->proxy = mode;
      o->proxy_max_pending = (unsigned) max_pending;
      return 0;
    }
  }
  return RMG_ERR_NO_CONN;
}

/* ---- natives: thin JNI wrappers ---- */

static jlong JNICALL rmg_loop_create(JNIEnv *env, jclass cls, jint low_water) {
  (void) env, (void) cls;
  return (jlong) (intptr_t) rmg_loop_new(low_water);
}

static void JNICALL rmg_loop_destroy(JNIEnv *env, jclass cls, jlong h) {
  struct rmg_loop *loop = rmg_loop_of(h);
  (void) env, (void) cls;
  if (loop != NULL) rmg_loop_free(loop);
}

static jlong JNICALL rmg_loop_poll(JNIEnv *env, jclass cls, jlong h, jint ms, jbyteArray stage) {
  struct rmg_loop *loop = rmg_loop_of(h);
  jlong r;
  (void) cls;
  if (stage != NULL) {
    loop->env = env;
    loop->stage = stage;
    loop->stage_cap = (size_t) (*env)->GetArrayLength(env, stage);
    loop->stage_used = 0;
  }
  r = (jlong) rmg_loop_poll_once(loop, ms);
  loop->env = NULL;
  loop->stage = NULL;
  loop->stage_cap = loop->stage_used = 0;
  return r;
}

static jlong JNICALL rmg_loop_listen(JNIEnv *env, jclass cls, jlong h, jstring url, jint kind,
                                     jlong max_body, jint max_head, jint max_ws_frame,
                                     jint pipeline_limit, jint share) {
  const char *s;
  jlong rc;
  (void) cls;
  if (url == NULL) return RMG_ERR_BAD_ARG;
  s = (*env)->GetStringUTFChars(env, url, NULL);
  if (s == NULL) return RMG_ERR_OOM;
  rc = (jlong) rmg_loop_listen_url(rmg_loop_of(h), s, kind, max_body, max_head, max_ws_frame,
                                   pipeline_limit, share);
  (*env)->ReleaseStringUTFChars(env, url, s);
  return rc;
}

/* Outbound connection to an IP-literal URL (Java resolves names). */
static jlong JNICALL rmg_loop_connect(JNIEnv *env, jclass cls, jlong h, jstring url, jint kind) {
  struct rmg_loop *loop = rmg_loop_of(h);
  struct mg_connection *c;
  const char *s;
  (void) cls;
  if (url == NULL || kind < 0 || kind >= RMG_KIND_COUNT || s_kinds[kind] == NULL) {
    return RMG_ERR_BAD_ARG;
  }
  s = (*env)->GetStringUTFChars(env, url, NULL);
  if (s == NULL) return RMG_ERR_OOM;
  errno = 0;
  c = mg_connect(&loop->mgr, s, rmg_ev_fn, &loop->client_opts[kind]);
  (*env)->ReleaseStringUTFChars(env, url, s);
  if (c == NULL) return errno != 0 ? -(RMG_ERR_ERRNO_BASE + (jlong) errno) : RMG_ERR_CONNECT;
  return (jlong) c->id;
}

static jint JNICALL rmg_loop_listenerRules(JNIEnv *env, jclass cls, jlong h, jlong listener, jlong head_ms,
                                           jint max_line, jlong write_ms, jint max_headers) {
  (void) env, (void) cls;
  return (jint) rmg_loop_listener_rules(rmg_loop_of(h), listener, head_ms, max_line, write_ms, max_headers);
}

static jint JNICALL rmg_loop_proxyProtocol(JNIEnv *env, jclass cls, jlong h, jlong listener, jint mode,
                                           jint max_pending) {
  (void) env, (void) cls;
  return (jint) rmg_loop_proxy_protocol(rmg_loop_of(h), listener, mode, max_pending);
}

static jint JNICALL rmg_loop_connectionCount(JNIEnv *env, jclass cls, jlong h) {
  struct rmg_loop *loop = rmg_loop_of(h);
  (void) env, (void) cls;
  return (jint) loop->conns.len;
}

/* Bytes of I/O buffers the loop's connections hold (receive, send, output queue): what an idle
 * connection should not keep (rmg_send_idle). */
static jlong JNICALL rmg_loop_bufferBytes(JNIEnv *env, jclass cls, jlong h) {
  struct rmg_loop *loop = rmg_loop_of(h);
  struct mg_connection *c;
  jlong n = 0;
  (void) env, (void) cls;
  for (c = loop->mgr.conns; c != NULL; c = c->next) {
    if (c->fn == rmg_ev_fn) n += (jlong) rmg_send_held(c);
  }
  return n;
}

static const JNINativeMethod s_methods[] = {
    {"create", "(I)J", (void *) rmg_loop_create},
    {"destroy", "(J)V", (void *) rmg_loop_destroy},
    {"poll", "(JI[B)J", (void *) rmg_loop_poll},
    {"eventBuffer", "(J)Ljava/nio/ByteBuffer;", (void *) rmg_loop_eventBuffer},
    {"wakeup", "(J)Z", (void *) rmg_loop_wakeup},
    {"listen", "(JLjava/lang/String;IJIIII)J", (void *) rmg_loop_listen},
    {"connect", "(JLjava/lang/String;I)J", (void *) rmg_loop_connect},
    {"connectionCount", "(J)I", (void *) rmg_loop_connectionCount},
    {"bufferBytes", "(J)J", (void *) rmg_loop_bufferBytes},
    {"listenerRules", "(JJJIJI)I", (void *) rmg_loop_listenerRules},
    {"proxyProtocol", "(JJII)I", (void *) rmg_loop_proxyProtocol},
};

const struct rmg_natives rmg_loop_natives = RMG_NATIVES("LoopNative", s_methods);
