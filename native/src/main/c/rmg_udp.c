/*
 * reactor-mongoose: the UDP kind. The glue opens the socket (bound, and connected for a client),
 * wraps it with mg_wrapfd so that Mongoose polls it, and reads the datagrams itself: one
 * DATAGRAM record per datagram, with its sender (Java peer: internal/jni/UdpNative, records
 * decoded by internal/udp). Mongoose's own UDP read path does not fit (docs/udp-dns-sntp.md):
 *   - read_conn reads into c->recv at most its free space (MG_IO_SIZE, 16 KiB, for a fresh
 *     buffer), and recvfrom cuts a longer datagram there without a word;
 *   - a zero-length datagram makes recv_raw return MG_IO_ERR: the socket is closed, so one
 *     empty datagram from anyone would end a server;
 *   - recvfrom overwrites c->rem with every sender, and mg_send sends to c->rem: on an
 *     unconnected client socket a stranger's datagram redirects the next send;
 *   - one datagram per connection per mg_mgr_poll, and mg_send drops a datagram on EAGAIN.
 * So on MG_EV_POLL, which mg_mgr_poll fires after mg_iotest and before read_conn, the kind
 * reads up to RMG_UDP_BUDGET datagrams into a 64 KiB buffer (larger than any UDP payload;
 * the loop's, shared by its sockets, so that a socket costs no 64 KiB of its own: a
 * DnsResolver opens one per lookup) and clears c->is_readable, so that read_conn never runs
 * for the socket. Paused reading is
 * c->is_full, as for TCP: mg_iotest then leaves the socket out of poll(2) and the kernel's
 * receive buffer holds (and, when full, drops) what arrives.
 * SPDX-License-Identifier: GPL-2.0-only
 */
#define _DEFAULT_SOURCE 1 /* SOCK_NONBLOCK, MSG_DONTWAIT under -std=c11 */
#include <errno.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "rmg_jni.h"

#ifndef SO_MEMINFO
#define SO_MEMINFO 55
#endif

/* Receive buffer: larger than any UDP payload (65507 bytes over IPv4, 65527 over IPv6). */
#define RMG_UDP_BUF 65536
/* No UDP payload is longer (the length field of the UDP header is 16 bits); the kernel refuses
 * longer ones, and any over 65507 bytes on IPv4 or 65527 on IPv6, with EMSGSIZE. */
#define RMG_UDP_MAX 65535
/* Datagrams read per connection per poll before the other connections get their turn. */
#define RMG_UDP_BUDGET 64
/* c->data[16..23]: datagrams the glue could not hand to Java (no memory for the record). */
#define RMG_UDP_LOST_AT 16

union rmg_sa {
  struct sockaddr sa;
  struct sockaddr_in sin;
  struct sockaddr_in6 sin6;
  struct sockaddr_storage ss;
};

static void rmg_sa_to_mg(const union rmg_sa *u, struct mg_addr *a) {
  memset(a, 0, sizeof(*a));
  if (u->sa.sa_family == AF_INET6) {
    a->is_ip6 = 1;
    a->port = u->sin6.sin6_port;
    memcpy(a->addr.ip, &u->sin6.sin6_addr, 16);
  } else if (u->sa.sa_family == AF_INET) {
    a->port = u->sin.sin_port;
    memcpy(a->addr.ip, &u->sin.sin_addr, 4);
  }
}

/* Builds a socket address of family af (IPv4 addresses become v4-mapped on an IPv6 socket);
 * returns its length, or 0 when the address does not fit the family. */
static socklen_t rmg_sa_make(union rmg_sa *u, int af, const uint8_t *ip, size_t ip_len, int port) {
  memset(u, 0, sizeof(*u));
  if (port < 0 || port > 65535 || (ip_len != 4 && ip_len != 16)) return 0;
  if (af == AF_INET) {
    if (ip_len != 4) return 0;
    u->sin.sin_family = AF_INET;
    u->sin.sin_port = mg_htons((uint16_t) port);
    memcpy(&u->sin.sin_addr, ip, 4);
    return sizeof(u->sin);
  }
  u->sin6.sin6_family = AF_INET6;
  u->sin6.sin6_port = mg_htons((uint16_t) port);
  if (ip_len == 4) {
    u->sin6.sin6_addr.s6_addr[10] = 0xff;
    u->sin6.sin6_addr.s6_addr[11] = 0xff;
    memcpy(&u->sin6.sin6_addr.s6_addr[12], ip, 4);
  } else {
    memcpy(&u->sin6.sin6_addr, ip, 16);
  }
  return sizeof(u->sin6);
}

static void rmg_udp_count_lost(struct mg_connection *c) {
  uint64_t n;
  memcpy(&n, c->data + RMG_UDP_LOST_AT, sizeof(n));
  n++;
  memcpy(c->data + RMG_UDP_LOST_AT, &n, sizeof(n));
}

/* Reads what the socket holds, up to the budget, while Java has not paused reading. */
static void rmg_udp_read(struct rmg_loop *loop, struct mg_connection *c) {
  int i, fd = (int) (size_t) c->fd;
  for (i = 0; i < RMG_UDP_BUDGET && !c->is_full && !c->is_closing; i++) {
    union rmg_sa u;
    socklen_t sl = sizeof(u);
    struct mg_addr from;
    unsigned char *p;
    ssize_t n;
    memset(&u, 0, sizeof(u));
    n = recvfrom(fd, loop->udp_buf, RMG_UDP_BUF, MSG_DONTWAIT | MSG_TRUNC, &u.sa, &sl);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        /* an ICMP error queued on a connected socket (ECONNREFUSED ...): tell Java */
        rmg_record(&loop->ev, RMG_EV_UDP_ERROR, c->id, errno, 0);
      }
      break;
    }
    if ((size_t) n > RMG_UDP_BUF) n = (ssize_t) RMG_UDP_BUF; /* cannot happen: buffer > 64 KiB */
    if (u.sa.sa_family == AF_INET || u.sa.sa_family == AF_INET6) {
      rmg_sa_to_mg(&u, &from);
    } else {
      from = c->rem; /* no IP sender (a socketpair in the fuzz driver): the connected peer */
    }
    if (c->data[1] & RMG_CF2_SNTP) {
      rmg_sntp_answer(loop, c, loop->udp_buf, (size_t) n);
      continue;
    }
    p = rmg_record(&loop->ev, RMG_EV_DATAGRAM, c->id, 0, RMG_ADDR_SIZE + (size_t) n);
    if (p == NULL) {
      rmg_udp_count_lost(c); /* out of memory: counted, and the poll reports a lost record */
      continue;
    }
    rmg_put_addr(p, &from);
    if (n > 0) memcpy(p + RMG_ADDR_SIZE, loop->udp_buf, (size_t) n);
  }
}

static void rmg_udp_event(struct rmg_loop *loop, struct mg_connection *c, int ev, void *ev_data) {
  (void) ev_data;
  if (ev == MG_EV_POLL && c->is_readable) {
    rmg_udp_read(loop, c);
    c->is_readable = 0; /* read_conn must not read this socket (see the top of the file) */
  } else if (ev == MG_EV_ERROR) {
    /* mg_iotest saw POLLERR (an ICMP error on a connected socket) and closes the socket:
     * say which error, before the CLOSE record */
    int err = 0;
    socklen_t len = sizeof(err);
    if (getsockopt((int) (size_t) c->fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err != 0) {
      rmg_record(&loop->ev, RMG_EV_UDP_ERROR, c->id, err, 0);
    }
  }
}

const struct rmg_kind rmg_udp_kind = {rmg_udp_event, NULL, NULL};

/* ---- the non-JNI cores ---- */

int64_t rmg_udp_adopt(struct rmg_loop *loop, int fd, int flags) {
  union rmg_sa u;
  socklen_t sl = sizeof(u);
  struct mg_connection *c = rmg_loop_wrap(loop, fd, RMG_KIND_UDP);
  if (c == NULL) {
    close(fd);
    return RMG_ERR_OOM;
  }
  c->is_udp = 1;
  c->data[1] |= (uint8_t) (flags & RMG_CF2_SNTP);
  if (getsockname(fd, &u.sa, &sl) == 0) rmg_sa_to_mg(&u, &c->loc);
  sl = sizeof(u);
  if (getpeername(fd, &u.sa, &sl) == 0) rmg_sa_to_mg(&u, &c->rem);
  if (loop->udp_buf == NULL) loop->udp_buf = (unsigned char *) rmg_alloc(RMG_UDP_BUF);
  if (!(c->data[0] & RMG_CF_TRACKED) || loop->udp_buf == NULL) {
    c->is_closing = 1; /* freed (and its fd closed) by the next poll */
    return RMG_ERR_OOM;
  }
  return (int64_t) c->id;
}

/* Opens a datagram socket bound to lip:lport (family of lip, or of rip when lip is NULL),
 * connected to rip:rport when rip is given. */
static int64_t rmg_udp_open(struct rmg_loop *loop, const uint8_t *lip, size_t lip_len, int lport,
                            const uint8_t *rip, size_t rip_len, int rport, int rcvbuf, int sndbuf,
                            int flags) {
  static const uint8_t any4[4] = {0, 0, 0, 0}, any6[16] = {0};
  union rmg_sa u;
  socklen_t sl;
  int fd, af, e;
  if (lip == NULL) {
    int v6 = rip != NULL && rip_len == 16;
    lip = v6 ? any6 : any4;
    lip_len = v6 ? 16 : 4;
  }
  af = lip_len == 16 ? AF_INET6 : AF_INET;
  if ((rip != NULL && rip_len == 16 && af == AF_INET) || rcvbuf < 0 || sndbuf < 0) {
    return RMG_ERR_BAD_ARG;
  }
  if ((sl = rmg_sa_make(&u, af, lip, lip_len, lport)) == 0) return RMG_ERR_BAD_ARG;
  fd = socket(af, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
  if (fd < 0) return -(RMG_ERR_ERRNO_BASE + (int64_t) errno);
  if ((rcvbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)) != 0) ||
      (sndbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)) != 0) ||
      bind(fd, &u.sa, sl) != 0) {
    goto fail;
  }
  if (rip != NULL) {
    if ((sl = rmg_sa_make(&u, af, rip, rip_len, rport)) == 0) {
      errno = EINVAL;
      goto fail;
    }
    if (connect(fd, &u.sa, sl) != 0) goto fail;
  }
  return rmg_udp_adopt(loop, fd, flags);
fail:
  e = errno;
  close(fd);
  return -(RMG_ERR_ERRNO_BASE + (int64_t) e);
}

jlong rmg_udp_send(struct rmg_loop *loop, jlong id, const uint8_t *ip, size_t ip_len, int port,
                   const void *buf, size_t len) {
  struct mg_connection *c = rmg_conn(loop, id);
  union rmg_sa u, self;
  socklen_t sl = 0, ssl = sizeof(self);
  ssize_t n;
  int fd;
  if (c == NULL) return RMG_ERR_NO_CONN;
  if (c->is_closing) return RMG_ERR_CLOSING;
  if (!c->is_udp) return RMG_ERR_BAD_ARG;
  /* refused as the kernel refuses a datagram too long for its family: EMSGSIZE, so that every
   * size over the limit fails the same way (the application's datagram, not a bad argument) */
  if (len > RMG_UDP_MAX) return -(RMG_ERR_ERRNO_BASE + (jlong) EMSGSIZE);
  fd = (int) (size_t) c->fd;
  if (ip != NULL) {
    if (getsockname(fd, &self.sa, &ssl) != 0) return -(RMG_ERR_ERRNO_BASE + (jlong) errno);
    if ((sl = rmg_sa_make(&u, self.sa.sa_family, ip, ip_len, port)) == 0) {
      return -(RMG_ERR_ERRNO_BASE + (jlong) EAFNOSUPPORT);
    }
  }
  n = sendto(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL, ip != NULL ? &u.sa : NULL, sl);
  if (n < 0) return -(RMG_ERR_ERRNO_BASE + (jlong) errno);
  if (c->loc.port == 0) { /* an unbound socket got its port with this send */
    ssl = sizeof(self);
    if (getsockname(fd, &self.sa, &ssl) == 0) rmg_sa_to_mg(&self, &c->loc);
  }
  return 0;
}

/* ---- natives: thin JNI wrappers ---- */

/* Copies an IP address array (4 or 16 bytes) into out; returns its length, 0 for NULL, -1 if bad. */
static int rmg_ip_arg(JNIEnv *env, jbyteArray ip, uint8_t out[16]) {
  jsize n;
  if (ip == NULL) return 0;
  n = (*env)->GetArrayLength(env, ip);
  if (n != 4 && n != 16) return -1;
  (*env)->GetByteArrayRegion(env, ip, 0, n, (jbyte *) out);
  return (int) n;
}

static jlong JNICALL rmg_udp_open_native(JNIEnv *env, jclass cls, jlong h, jbyteArray lip, jint lport,
                                         jbyteArray rip, jint rport, jint rcvbuf, jint sndbuf,
                                         jboolean sntp) {
  uint8_t l[16], r[16];
  int ll = rmg_ip_arg(env, lip, l), rl = rmg_ip_arg(env, rip, r);
  (void) cls;
  if (ll < 0 || rl < 0) return RMG_ERR_BAD_ARG;
  return (jlong) rmg_udp_open(rmg_loop_of(h), ll > 0 ? l : NULL, (size_t) ll, lport, rl > 0 ? r : NULL,
                              (size_t) rl, rport, rcvbuf, sndbuf, sntp ? RMG_CF2_SNTP : 0);
}

static jlong JNICALL rmg_udp_sendArray(JNIEnv *env, jclass cls, jlong h, jlong id, jbyteArray ip,
                                       jint port, jbyteArray arr, jint off, jint len) {
  struct rmg_loop *loop = rmg_loop_of(h);
  uint8_t a[16];
  int al = rmg_ip_arg(env, ip, a);
  jbyte *p;
  jlong rc;
  (void) cls;
  if (rmg_conn(loop, id) == NULL) return RMG_ERR_NO_CONN;
  if (al < 0 || !rmg_array_range_ok(env, arr, off, len)) {
    return RMG_ERR_BAD_ARG;
  }
  p = (jbyte *) (*env)->GetPrimitiveArrayCritical(env, arr, NULL);
  if (p == NULL) return RMG_ERR_OOM;
  rc = rmg_udp_send(loop, id, al > 0 ? a : NULL, (size_t) al, port, p + off, (size_t) len);
  (*env)->ReleasePrimitiveArrayCritical(env, arr, p, JNI_ABORT);
  return rc;
}

/* out[0] = datagrams the kernel dropped on this socket (SO_MEMINFO, SK_MEMINFO_DROPS; -1 if
 * the kernel cannot tell), out[1] = datagrams the glue could not record (out of memory). */
static jint JNICALL rmg_udp_drops(JNIEnv *env, jclass cls, jlong h, jlong id, jlongArray out) {
  struct mg_connection *c = rmg_conn(rmg_loop_of(h), id);
  uint32_t mem[SK_MEMINFO_VARS];
  socklen_t len = sizeof(mem);
  jlong v[2];
  uint64_t lost;
  (void) cls;
  if (c == NULL) return RMG_ERR_NO_CONN;
  if (out == NULL || (*env)->GetArrayLength(env, out) < 2) return RMG_ERR_BAD_ARG;
  memset(mem, 0, sizeof(mem));
  v[0] = getsockopt((int) (size_t) c->fd, SOL_SOCKET, SO_MEMINFO, mem, &len) == 0 &&
                 len > SK_MEMINFO_DROPS * sizeof(uint32_t)
             ? (jlong) mem[SK_MEMINFO_DROPS]
             : -1;
  memcpy(&lost, c->data + RMG_UDP_LOST_AT, sizeof(lost));
  v[1] = (jlong) lost;
  (*env)->SetLongArrayRegion(env, out, 0, 2, v);
  return 0;
}

static const JNINativeMethod s_methods[] = {
    {"open", "(J[BI[BIIIZ)J", (void *) rmg_udp_open_native},
    {"sendArray", "(JJ[BI[BII)J", (void *) rmg_udp_sendArray},
    {"drops", "(JJ[J)I", (void *) rmg_udp_drops},
};

const struct rmg_natives rmg_udp_natives = RMG_NATIVES("UdpNative", s_methods);
