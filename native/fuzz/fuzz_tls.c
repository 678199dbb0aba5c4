/*
 * Fuzz target (d): what a TLS client sends to a server of the glue, before and during the
 * handshake: the non-TLS input check and the handshake deadline (rmg_tls_poll), and the
 * built-in stack's record framing, ClientHello parser, alerts and change-cipher-spec records,
 * with the build's lines in mg_tls_recv_record (record padding) in place, on a connection
 * whose listener's context was replaced once it was accepted (rmg_tls_listener_update, a
 * running server's renewed certificate). Mongoose's own
 * test/fuzz_tls.c covers its handshake parsers one by one; this drives them through the
 * socket path of an accepted connection, as the server sees a client.
 *
 * The server's key is 32 random bytes made at start-up (SEC1 DER; no key is committed) and its
 * "certificate" a placeholder: the server only sends it. A fuzzer cannot finish a handshake
 * (it would need the server's ephemeral X25519 secret), so the application-data path is not
 * reached; after each input every block Mongoose allocated must be freed again.
 *
 * Input: byte 0 picks how the rest is cut into writes (as a client's segments arrive), the
 * rest is the byte stream the client sends (seeds: ClientHellos of openssl, curl, Python and
 * the JDK, captured once).
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "fz.h"

static uint8_t s_key[39] = {0x30, 37, 0x02, 0x01, 0x01, 0x04, 0x20}; /* + 32 key bytes */
static const uint8_t s_cert[] = {0x30, 0x03, 0x02, 0x01, 0x01};

static void fz_ignore(struct rmg_loop *loop, long id, const struct fz_rec *r, int poll, void *ctx) {
  (void) loop, (void) id, (void) poll, (void) ctx;
  FZ_ASSERT(r->type != RMG_EV_READ, "application data before a handshake was possible");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct rmg_loop *loop;
  struct rmg_tls *tls;
  size_t seg;
  long lsn, id;
  int peer = -1;
  if (size < 1) return 0;
  if (s_key[7] == 0 && s_key[8] == 0) {
    FZ_ASSERT(mg_random(s_key + 7, 32), "no randomness for the key");
    s_key[7] &= 0x7f; /* below the order of P-256 */
    s_key[8] |= 1;
  }
  loop = fz_loop();
  lsn = fz_listen(loop, RMG_KIND_TCP, 0, 16 * 1024, 64 * 1024, 64 * 1024);
  tls = rmg_tls_new(0, s_cert, sizeof(s_cert), s_key, sizeof(s_key), NULL, 0, NULL, 0, 0);
  FZ_ASSERT(tls != NULL, "TLS context");
  FZ_ASSERT(rmg_tls_listener(loop, lsn, tls) == 0, "TLS on the listener");
  rmg_tls_release(tls); /* the listener holds its own reference */
  id = fz_accept(loop, lsn, &peer);
  FZ_ASSERT(id > 0, "accept failed");
  /* a renewed certificate (TlsNative.update): the listener's old context goes now, and the
   * accepted connection goes on with what mg_tls_init copied of it (ASan: nothing of it is read) */
  tls = rmg_tls_new(0, s_cert, sizeof(s_cert), s_key, sizeof(s_key), NULL, 0, NULL, 0, 0);
  FZ_ASSERT(tls != NULL, "TLS context");
  FZ_ASSERT(rmg_tls_listener_update(loop, lsn, tls) == 0, "TLS update on the listener");
  rmg_tls_release(tls);
  seg = data[0] == 0 ? (size_t) -1 : (size_t) data[0] * 3 + 1; /* bytes per write */
  fz_drive(loop, id, peer, data + 1, size - 1, seg, fz_ignore, NULL);
  fz_loop_free(loop);
  FZ_ASSERT(rmg_mg_live_allocations() == 0, "Mongoose still holds %ld blocks", rmg_mg_live_allocations());
  return 0;
}
