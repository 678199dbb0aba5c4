/*
 * Fuzz target (f): the RSA signer of hook 19 (rmg_rsa.c) against Mongoose's own (with hooks
 * 17 and 18), differentially. For any message below the modulus, both must succeed, give the
 * same signature byte for byte, and the signature raised to the public exponent must give the
 * message back (mg_rsa_mod_pow, the check Mongoose makes before it sends a CertificateVerify).
 *
 * Keys: two made by `openssl genrsa` when the target starts (2,048 and 3,072 bits), none
 * committed (RsaKeysTest signs with p < q too). Without openssl the target says so once and
 * accepts every input unchecked.
 *
 * Input: byte 0 picks the key, the rest is the message (cut or zero-padded at the front to the
 * modulus's length, its top bit cleared so that it stays below the modulus).
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include <stdio.h>
#include <stdlib.h>

#include "fz.h"

struct fz_rsa_key {
  uint8_t n[512], e[8], p[260], q[260], dp[260], dq[260], qinv[260];
  size_t n_len, e_len, p_len, q_len, dp_len, dq_len, qinv_len;
};

static struct fz_rsa_key s_keys[2];
static int s_nkeys = -1;

/* One DER INTEGER at *p (of end); its value without leading zeros into out. */
static int fz_der_int(const uint8_t **p, const uint8_t *end, uint8_t *out, size_t cap, size_t *len) {
  size_t n = 0;
  const uint8_t *v;
  if (end - *p < 2 || **p != 0x02) return 0;
  (*p)++;
  if (**p < 0x80) {
    n = *(*p)++;
  } else {
    int k = *(*p)++ & 0x7f;
    if (k > 2 || end - *p < k) return 0;
    while (k-- > 0) n = (n << 8) | *(*p)++;
  }
  if ((size_t) (end - *p) < n) return 0;
  v = *p;
  *p += n;
  while (n > 0 && *v == 0) v++, n--;
  if (n > cap) return 0;
  memcpy(out, v, n);
  *len = n;
  return 1;
}

/* PKCS#1 RSAPrivateKey DER: SEQUENCE { version, n, e, d, p, q, dP, dQ, qInv }. */
static int fz_parse(struct fz_rsa_key *k, const uint8_t *der, size_t len) {
  const uint8_t *p = der, *end = der + len;
  uint8_t skip[520];
  size_t skip_len;
  if (len < 4 || p[0] != 0x30) return 0;
  p += 2 + (p[1] & 0x80 ? (p[1] & 0x7f) : 0);
  return fz_der_int(&p, end, skip, sizeof(skip), &skip_len) && fz_der_int(&p, end, k->n, sizeof(k->n), &k->n_len) &&
         fz_der_int(&p, end, k->e, sizeof(k->e), &k->e_len) && fz_der_int(&p, end, skip, sizeof(skip), &skip_len) &&
         fz_der_int(&p, end, k->p, sizeof(k->p), &k->p_len) && fz_der_int(&p, end, k->q, sizeof(k->q), &k->q_len) &&
         fz_der_int(&p, end, k->dp, sizeof(k->dp), &k->dp_len) &&
         fz_der_int(&p, end, k->dq, sizeof(k->dq), &k->dq_len) &&
         fz_der_int(&p, end, k->qinv, sizeof(k->qinv), &k->qinv_len);
}

static int fz_genrsa(struct fz_rsa_key *k, int bits) {
  char cmd[160];
  uint8_t der[4096];
  size_t n;
  FILE *f;
  snprintf(cmd, sizeof(cmd), "openssl genrsa %d 2>/dev/null | openssl rsa -traditional -outform DER 2>/dev/null",
           bits);
  f = popen(cmd, "r");
  if (f == NULL) return 0;
  n = fread(der, 1, sizeof(der), f);
  return pclose(f) == 0 && fz_parse(k, der, n);
}

static void fz_keys(void) {
  s_nkeys = 0;
  if (!fz_genrsa(&s_keys[0], 2048) || !fz_genrsa(&s_keys[1], 3072)) {
    fprintf(stderr, "fuzz_rsa: openssl genrsa failed or is not installed: inputs are not checked\n");
    return;
  }
  s_nkeys = 2;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const struct fz_rsa_key *k;
  uint8_t em[512], ours[512], theirs[512], back[512];
  size_t nlen, take;
  int r1, r2, r3;
  if (s_nkeys < 0) fz_keys();
  if (s_nkeys == 0 || size < 1) return 0;
  k = &s_keys[data[0] % s_nkeys];
  nlen = k->n_len;
  take = size - 1 < nlen ? size - 1 : nlen;
  memset(em, 0, nlen);
  memcpy(em + nlen - take, data + 1, take);
  em[0] &= 0x7f; /* below the modulus, whose top bit is set */
  r1 = rmg_rsa_crt_sign(em, nlen, k->dp, k->dp_len, k->dq, k->dq_len, k->p, k->p_len, k->q, k->q_len, k->qinv,
                        k->qinv_len, ours, nlen);
  r2 = mg_rsa_crt_sign(em, nlen, k->dp, k->dp_len, k->dq, k->dq_len, k->p, k->p_len, k->q, k->q_len, k->qinv,
                       k->qinv_len, theirs, nlen);
  FZ_ASSERT(r1 == 0, "rmg_rsa_crt_sign refused a message below the modulus (%zu bytes)", nlen);
  FZ_ASSERT(r2 == 0, "mg_rsa_crt_sign refused a message below the modulus (%zu bytes)", nlen);
  FZ_ASSERT(memcmp(ours, theirs, nlen) == 0, "the two signers disagree (%zu bytes)", nlen);
  r3 = mg_rsa_mod_pow(k->n, nlen, k->e, k->e_len, ours, nlen, back, nlen);
  FZ_ASSERT(r3 == 0 && memcmp(back, em, nlen) == 0, "the signature does not verify with the public key");
  return 0;
}
