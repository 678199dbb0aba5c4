/*
 * reactor-mongoose: the RSA private-key operation of Mongoose's built-in TLS stack (the
 * signature of a CertificateVerify message with an RSA key), with 64-bit limbs. No natives.
 *
 * Mongoose signs with BearSSL's generic i31 code (31-bit limbs, one bit of the exponent at a
 * time): about 4 ms of the poll thread for an RSA-2048 handshake. Hook 19 of
 * hook-mongoose.sh calls rmg_rsa_crt_sign in its place; it computes the same CRT signature
 * (s1 = x^dP mod p, s2 = x^dQ mod q, h = qInv (s1 - s2) mod p, s = s2 + q h) with Montgomery
 * multiplication on 64-bit limbs (CIOS, 128-bit products) and a fixed 4-bit window, so about a
 * quarter of the multiplications of 4 times fewer limb pairs. Like BearSSL's code it is
 * constant-time in the secret values: no branch or memory index depends on a key or on the
 * message, only on lengths (table entries are selected by masks over the whole table), and
 * it checks its result modulo p and q before giving it (a faulty CRT result must never leave:
 * it would give the factors away). Mongoose then verifies every signature with the public
 * exponent before sending it, as before. On any refusal (a length out of range, an even
 * modulus, a failed check) it returns -1 and Mongoose's own signer (with hooks 17 and 18)
 * runs instead. Every intermediate value is wiped before returning.
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rmg_jni.h"

#if defined(__SIZEOF_INT128__)

typedef unsigned __int128 rmg_u128;

#define RMG_RSA_LIMBS 33              /* a prime of up to 2,080 bits (BearSSL's maximum factor) */
#define RMG_RSA_N_LIMBS (2 * RMG_RSA_LIMBS)

/* The modulus of one prime, with what its Montgomery arithmetic needs. */
struct rmg_mod {
  uint64_t m[RMG_RSA_LIMBS];
  uint64_t r2[RMG_RSA_LIMBS]; /* R^2 mod m, R = 2^(64 k) */
  uint64_t m0i;               /* -m^-1 mod 2^64 */
  size_t k;                   /* limbs */
};

static void rmg_wipe(void *p, size_t n) {
  volatile unsigned char *v = (volatile unsigned char *) p;
  while (n--) *v++ = 0;
}

/* Big-endian bytes into k little-endian limbs; 0 if a nonzero byte does not fit. */
static int rmg_load(uint64_t *x, size_t k, const uint8_t *b, size_t len) {
  size_t i;
  memset(x, 0, k * sizeof(*x));
  for (i = 0; i < len; i++) {
    size_t bit = (len - 1 - i) * 8;
    if (bit / 64 >= k) {
      if (b[i] != 0) return 0; /* only leading bytes of public lengths get here */
      continue;
    }
    x[bit / 64] |= (uint64_t) b[i] << (bit % 64);
  }
  return 1;
}

/* k limbs into len big-endian bytes; 0 if a nonzero limb byte does not fit. */
static int rmg_store(uint8_t *b, size_t len, const uint64_t *x, size_t k) {
  size_t i;
  uint64_t over = 0;
  for (i = 0; i < k * 8; i++) {
    uint8_t byte = (uint8_t) (x[i / 8] >> (8 * (i % 8)));
    if (i < len) {
      b[len - 1 - i] = byte;
    } else {
      over |= byte;
    }
  }
  for (; i < len; i++) b[len - 1 - i] = 0;
  return over == 0;
}

/* All ones when a == b, else zero, for small values. */
static uint64_t rmg_eq_mask(uint64_t a, uint64_t b) {
  uint64_t d = a ^ b;
  return ((d | ((uint64_t) 0 - d)) >> 63) - 1;
}

/* d = a - b (k limbs); the borrow out (0 or 1). */
static uint64_t rmg_sub(uint64_t *d, const uint64_t *a, const uint64_t *b, size_t k) {
  uint64_t borrow = 0;
  size_t j;
  for (j = 0; j < k; j++) {
    rmg_u128 s = (rmg_u128) a[j] - b[j] - borrow;
    d[j] = (uint64_t) s;
    borrow = (uint64_t) (s >> 64) & 1;
  }
  return borrow;
}

/* r = mask ? a : r (mask all ones or zero), k limbs. */
static void rmg_pick(uint64_t *r, const uint64_t *a, uint64_t mask, size_t k) {
  size_t j;
  for (j = 0; j < k; j++) r[j] = (a[j] & mask) | (r[j] & ~mask);
}

/* r = a b R^-1 mod m, for a b < m R (then r < m). r may be a or b. */
static void rmg_montmul(uint64_t *r, const uint64_t *a, const uint64_t *b, const struct rmg_mod *md) {
  uint64_t t[RMG_RSA_LIMBS + 2], d[RMG_RSA_LIMBS], keep, borrow;
  const uint64_t *m = md->m;
  size_t k = md->k, i, j;
  memset(t, 0, sizeof(t));
  for (i = 0; i < k; i++) {
    rmg_u128 c = 0;
    uint64_t u;
    for (j = 0; j < k; j++) {
      c += (rmg_u128) a[j] * b[i] + t[j];
      t[j] = (uint64_t) c;
      c >>= 64;
    }
    c += t[k];
    t[k] = (uint64_t) c;
    t[k + 1] = (uint64_t) (c >> 64);
    u = t[0] * md->m0i;
    c = ((rmg_u128) u * m[0] + t[0]) >> 64;
    for (j = 1; j < k; j++) {
      c += (rmg_u128) u * m[j] + t[j];
      t[j - 1] = (uint64_t) c;
      c >>= 64;
    }
    c += t[k];
    t[k - 1] = (uint64_t) c;
    t[k] = t[k + 1] + (uint64_t) (c >> 64);
  }
  /* t < 2m: subtract m unless t < m (t[k] is 0 and the subtraction borrows) */
  borrow = rmg_sub(d, t, m, k);
  keep = (uint64_t) 0 - ((t[k] ^ 1) & borrow);
  memcpy(r, d, k * sizeof(*r));
  rmg_pick(r, t, keep, k);
  rmg_wipe(t, sizeof(t));
  rmg_wipe(d, sizeof(d));
}

/* Sets up md for the odd prime m of len bytes; 0 if it is even, empty or too long. */
static int rmg_mod_init(struct rmg_mod *md, const uint8_t *m, size_t len) {
  uint64_t y = 1, v[RMG_RSA_LIMBS], d[RMG_RSA_LIMBS];
  size_t k = (len + 7) / 8, i, j;
  if (len == 0 || k > RMG_RSA_LIMBS || !rmg_load(md->m, k, m, len) || (md->m[0] & 1) == 0 || md->m[k - 1] == 0) {
    return 0;
  }
  md->k = k;
  for (i = 0; i < 6; i++) y *= 2 - md->m[0] * y; /* Newton: m0^-1 mod 2^64 */
  md->m0i = (uint64_t) 0 - y;
  /* R^2 mod m by doubling 1 (128 k times), each time minus m when it reaches m */
  memset(v, 0, sizeof(v));
  v[0] = 1;
  for (i = 0; i < 128 * k; i++) {
    uint64_t top = v[k - 1] >> 63, borrow;
    for (j = k - 1; j > 0; j--) v[j] = (v[j] << 1) | (v[j - 1] >> 63);
    v[0] <<= 1;
    borrow = rmg_sub(d, v, md->m, k);
    rmg_pick(v, d, (uint64_t) 0 - (top | (borrow ^ 1)), k);
  }
  memcpy(md->r2, v, k * sizeof(*v));
  rmg_wipe(v, sizeof(v));
  rmg_wipe(d, sizeof(d));
  return 1;
}

/* r = x mod m, for x of kx limbs: Horner over chunks of k limbs, r = r R + chunk (mod m). */
static void rmg_reduce(uint64_t *r, const uint64_t *x, size_t kx, const struct rmg_mod *md) {
  uint64_t c[RMG_RSA_LIMBS], one[RMG_RSA_LIMBS], d[RMG_RSA_LIMBS];
  size_t k = md->k, chunks = (kx + k - 1) / k, n, j;
  memset(r, 0, k * sizeof(*r));
  memset(one, 0, sizeof(one));
  one[0] = 1;
  for (n = chunks; n-- > 0;) {
    uint64_t carry = 0, borrow;
    memset(c, 0, sizeof(c));
    for (j = 0; j < k && n * k + j < kx; j++) c[j] = x[n * k + j];
    rmg_montmul(r, r, md->r2, md);   /* r R mod m */
    rmg_montmul(c, c, md->r2, md);   /* chunk R mod m (chunk < R, R^2 mod m < m) */
    rmg_montmul(c, c, one, md);      /* chunk mod m */
    for (j = 0; j < k; j++) {        /* r + c, less m if it reaches m */
      rmg_u128 s = (rmg_u128) r[j] + c[j] + carry;
      r[j] = (uint64_t) s;
      carry = (uint64_t) (s >> 64);
    }
    borrow = rmg_sub(d, r, md->m, k);
    rmg_pick(r, d, (uint64_t) 0 - (carry | (borrow ^ 1)), k);
  }
  rmg_wipe(c, sizeof(c));
  rmg_wipe(d, sizeof(d));
}

/* x = x^e mod m (x < m), e big-endian of elen bytes; fixed 4-bit window, masked table reads. */
static void rmg_modpow(uint64_t *x, const uint8_t *e, size_t elen, const struct rmg_mod *md) {
  uint64_t table[16][RMG_RSA_LIMBS], acc[RMG_RSA_LIMBS], pick[RMG_RSA_LIMBS], one[RMG_RSA_LIMBS];
  size_t k = md->k, i, j, w;
  memset(one, 0, sizeof(one));
  one[0] = 1;
  rmg_montmul(table[0], one, md->r2, md); /* 1 in Montgomery form: R mod m */
  rmg_montmul(table[1], x, md->r2, md);   /* x R mod m */
  for (i = 2; i < 16; i++) rmg_montmul(table[i], table[i - 1], table[1], md);
  memcpy(acc, table[0], k * sizeof(*acc));
  for (i = 0; i < 2 * elen; i++) {
    uint64_t nibble = (uint64_t) (i % 2 == 0 ? e[i / 2] >> 4 : e[i / 2] & 15);
    for (j = 0; j < 4; j++) rmg_montmul(acc, acc, acc, md);
    memset(pick, 0, sizeof(pick));
    for (w = 0; w < 16; w++) {
      uint64_t mask = rmg_eq_mask(w, nibble);
      for (j = 0; j < k; j++) pick[j] |= table[w][j] & mask;
    }
    rmg_montmul(acc, acc, pick, md);
  }
  rmg_montmul(x, acc, one, md); /* out of Montgomery form */
  rmg_wipe(table, sizeof(table));
  rmg_wipe(acc, sizeof(acc));
  rmg_wipe(pick, sizeof(pick));
}

/* Whether a and b (k limbs) are equal, without branching on them. */
static int rmg_equal(const uint64_t *a, const uint64_t *b, size_t k) {
  uint64_t d = 0;
  size_t j;
  for (j = 0; j < k; j++) d |= a[j] ^ b[j];
  return (int) (rmg_eq_mask(d, 0) & 1);
}

static size_t rmg_trim(const uint8_t **p, size_t n) {
  while (n > 0 && **p == 0) (*p)++, n--;
  return n;
}

int rmg_rsa_crt_sign(const uint8_t *em, size_t em_len, const uint8_t *dp, size_t dp_len, const uint8_t *dq,
                     size_t dq_len, const uint8_t *p, size_t p_len, const uint8_t *q, size_t q_len,
                     const uint8_t *qinv, size_t qinv_len, uint8_t *sig, size_t sig_len) {
  struct rmg_mod mp, mq;
  uint64_t x[RMG_RSA_N_LIMBS], s1[RMG_RSA_LIMBS], s2[RMG_RSA_LIMBS], h[RMG_RSA_LIMBS], t[RMG_RSA_LIMBS];
  uint64_t s[RMG_RSA_N_LIMBS + 1], borrow = 0, back;
  size_t kn, i, j;
  int ok = 0;
  if (em == NULL || dp == NULL || dq == NULL || p == NULL || q == NULL || qinv == NULL || sig == NULL) return -1;
  p_len = rmg_trim(&p, p_len);
  q_len = rmg_trim(&q, q_len);
  dp_len = rmg_trim(&dp, dp_len);
  dq_len = rmg_trim(&dq, dq_len);
  qinv_len = rmg_trim(&qinv, qinv_len);
  if (dp_len == 0 || dq_len == 0 || qinv_len == 0 || dp_len > p_len || dq_len > q_len || qinv_len > p_len ||
      !rmg_mod_init(&mp, p, p_len) || !rmg_mod_init(&mq, q, q_len)) {
    return -1;
  }
  kn = mp.k + mq.k;
  if (em_len == 0 || em_len > sig_len || sig_len > kn * 8 || !rmg_load(x, kn, em, em_len)) return -1;

  rmg_reduce(s1, x, kn, &mp);
  rmg_modpow(s1, dp, dp_len, &mp); /* s1 = x^dP mod p */
  rmg_reduce(s2, x, kn, &mq);
  rmg_modpow(s2, dq, dq_len, &mq); /* s2 = x^dQ mod q */

  /* h = qInv (s1 - s2) mod p */
  rmg_reduce(t, s2, mq.k, &mp);
  back = (uint64_t) 0 - rmg_sub(h, s1, t, mp.k); /* negative: add p back */
  borrow = 0;
  for (j = 0; j < mp.k; j++) {
    rmg_u128 d = (rmg_u128) h[j] + (mp.m[j] & back) + borrow;
    h[j] = (uint64_t) d;
    borrow = (uint64_t) (d >> 64);
  }
  if (!rmg_load(x, kn, qinv, qinv_len)) goto done; /* x is free now: qInv */
  rmg_reduce(t, x, kn, &mp);
  rmg_montmul(h, h, mp.r2, &mp); /* (s1 - s2) R */
  rmg_montmul(h, h, t, &mp);     /* (s1 - s2) qInv */

  /* s = s2 + q h, no reduction (s < n) */
  memset(s, 0, sizeof(s));
  memcpy(s, s2, mq.k * sizeof(*s));
  for (i = 0; i < mp.k; i++) {
    rmg_u128 c = 0;
    for (j = 0; j < mq.k; j++) {
      c += (rmg_u128) h[i] * mq.m[j] + s[i + j];
      s[i + j] = (uint64_t) c;
      c >>= 64;
    }
    for (j = i + mq.k; j <= kn; j++) {
      c += s[j];
      s[j] = (uint64_t) c;
      c >>= 64;
    }
  }

  /* the result must give s1 and s2 back (a fault here must not leave: it reveals p and q) */
  ok = s[kn] == 0;
  rmg_reduce(t, s, kn, &mp);
  ok &= rmg_equal(t, s1, mp.k);
  rmg_reduce(t, s, kn, &mq);
  ok &= rmg_equal(t, s2, mq.k);
  if (ok) ok = rmg_store(sig, sig_len, s, kn);

done:
  if (!ok) memset(sig, 0, sig_len);
  rmg_wipe(&mp, sizeof(mp));
  rmg_wipe(&mq, sizeof(mq));
  rmg_wipe(x, sizeof(x));
  rmg_wipe(s1, sizeof(s1));
  rmg_wipe(s2, sizeof(s2));
  rmg_wipe(h, sizeof(h));
  rmg_wipe(t, sizeof(t));
  rmg_wipe(s, sizeof(s));
  return ok ? 0 : -1;
}

#else /* no 128-bit integers: Mongoose's signer */

int rmg_rsa_crt_sign(const uint8_t *em, size_t em_len, const uint8_t *dp, size_t dp_len, const uint8_t *dq,
                     size_t dq_len, const uint8_t *p, size_t p_len, const uint8_t *q, size_t q_len,
                     const uint8_t *qinv, size_t qinv_len, uint8_t *sig, size_t sig_len) {
  (void) em, (void) em_len, (void) dp, (void) dp_len, (void) dq, (void) dq_len, (void) p, (void) p_len;
  (void) q, (void) q_len, (void) qinv, (void) qinv_len, (void) sig, (void) sig_len;
  return -1;
}

#endif
