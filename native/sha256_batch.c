/*
 * vellum_sha256: RFC 6962 hashing in batches, for src/tlog/crypto-node.ts.
 *
 * Calling node:crypto once per 65-byte hash costs far more than the hash
 * itself; this addon hashes a whole entry bundle or a whole tile per call.
 * SHA-256 comes from the OpenSSL inside the node binary (its symbols are
 * exported to addons, and node-gyp's headers include openssl/), so the
 * addon brings no crypto code of its own. It uses the low-level
 * SHA256_Init/Update/Final: OpenSSL 3 marks them deprecated, but node
 * exports them, and they are the shortest way to OpenSSL's SHA-NI/AVX2
 * block function. Measured in this addon on node 20 (OpenSSL 3.0, SHA-NI):
 * 13-byte leaves ~16 M/s and 65-byte nodes ~10 M/s, where EVP_Digest*
 * with a reused EVP_MD_CTX and a fetched EVP_MD gave ~8 M/s and ~6 M/s,
 * and the one-shot SHA256() cost ~1.5x more per call than Init/Update/Final.
 * binding.gyp links with -z now, so a node without these symbols fails
 * the load (and Vellum falls back to node:crypto) rather than a later call.
 *
 * Every function validates its arguments and throws (TypeError or
 * RangeError) instead of reading or writing out of bounds; the JavaScript
 * wrapper in crypto-node.ts is still expected to pass sane ones.
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <math.h>
#include <node_api.h>
#include <openssl/sha.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define HASH 32

#define CHECK(call)                                                          \
  do {                                                                       \
    if ((call) != napi_ok) {                                                 \
      napi_throw_error(env, NULL, "vellum_sha256: N-API call failed");       \
      return NULL;                                                           \
    }                                                                        \
  } while (0)

static size_t element_size(napi_typedarray_type t) {
  switch (t) {
    case napi_int8_array:
    case napi_uint8_array:
    case napi_uint8_clamped_array:
      return 1;
    case napi_int16_array:
    case napi_uint16_array:
      return 2;
    case napi_int32_array:
    case napi_uint32_array:
    case napi_float32_array:
      return 4;
    default:
      return 8;
  }
}

/* The bytes of a typed array argument. Returns 0 (with an exception pending) if it is not one. */
static int bytes_of(napi_env env, napi_value v, const char *what, uint8_t **data, size_t *len) {
  bool is;
  napi_typedarray_type type;
  size_t length;
  void *p;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) {
    napi_throw_type_error(env, NULL, what);
    return 0;
  }
  if (napi_get_typedarray_info(env, v, &type, &length, &p, NULL, NULL) != napi_ok) {
    napi_throw_type_error(env, NULL, what);
    return 0;
  }
  *data = (uint8_t *)p;
  *len = length * element_size(type);
  return 1;
}

/* A non-negative integer argument no larger than max. */
static int index_of(napi_env env, napi_value v, const char *what, double max, size_t *out) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok || !(d >= 0) || d > max || d != floor(d)) {
    napi_throw_range_error(env, NULL, what);
    return 0;
  }
  *out = (size_t)d;
  return 1;
}

static void sha256_prefixed(uint8_t prefix, const uint8_t *data, size_t len, uint8_t *md) {
  SHA256_CTX c;
  SHA256_Init(&c);
  SHA256_Update(&c, &prefix, 1);
  if (len > 0) SHA256_Update(&c, data, len);
  SHA256_Final(md, &c);
}

/* sha256(data: TypedArray, out: Uint8Array): out[0..32) = SHA-256(data). */
static napi_value js_sha256(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  uint8_t *data, *out;
  size_t len, outlen;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2) {
    napi_throw_type_error(env, NULL, "sha256(data, out)");
    return NULL;
  }
  if (!bytes_of(env, argv[0], "sha256: data must be a typed array", &data, &len)) return NULL;
  if (!bytes_of(env, argv[1], "sha256: out must be a typed array", &out, &outlen)) return NULL;
  if (outlen < HASH) {
    napi_throw_range_error(env, NULL, "sha256: out is shorter than 32 bytes");
    return NULL;
  }
  uint8_t md[HASH];
  SHA256_CTX c;
  SHA256_Init(&c);
  if (len > 0) SHA256_Update(&c, data, len);
  SHA256_Final(md, &c);
  memcpy(out, md, HASH);
  return NULL;
}

/*
 * leafHashes(data: TypedArray, spans: Float64Array, count: number, out: Uint8Array):
 * for i < count, entry i is data[spans[2i], spans[2i] + spans[2i+1]) and
 * out[32i, 32i + 32) = SHA-256(0x00 || entry i).
 */
static napi_value js_leaf_hashes(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  uint8_t *data, *out;
  size_t len, outlen, count;
  bool is;
  napi_typedarray_type type;
  size_t nspans;
  void *sp;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 4) {
    napi_throw_type_error(env, NULL, "leafHashes(data, spans, count, out)");
    return NULL;
  }
  if (!bytes_of(env, argv[0], "leafHashes: data must be a typed array", &data, &len)) return NULL;
  CHECK(napi_is_typedarray(env, argv[1], &is));
  if (!is) {
    napi_throw_type_error(env, NULL, "leafHashes: spans must be a Float64Array");
    return NULL;
  }
  CHECK(napi_get_typedarray_info(env, argv[1], &type, &nspans, &sp, NULL, NULL));
  if (type != napi_float64_array) {
    napi_throw_type_error(env, NULL, "leafHashes: spans must be a Float64Array");
    return NULL;
  }
  if (!index_of(env, argv[2], "leafHashes: bad count", (double)(nspans / 2), &count)) return NULL;
  if (!bytes_of(env, argv[3], "leafHashes: out must be a typed array", &out, &outlen)) return NULL;
  if (outlen / HASH < count) {
    napi_throw_range_error(env, NULL, "leafHashes: out is too short");
    return NULL;
  }
  const double *spans = (const double *)sp;
  /* Check every span before writing anything. */
  for (size_t i = 0; i < count; i++) {
    double at = spans[2 * i], n = spans[2 * i + 1];
    if (!(at >= 0) || !(n >= 0) || at != floor(at) || n != floor(n) || at + n > (double)len) {
      napi_throw_range_error(env, NULL, "leafHashes: an entry lies outside the data");
      return NULL;
    }
  }
  for (size_t i = 0; i < count; i++) {
    size_t at = (size_t)spans[2 * i], n = (size_t)spans[2 * i + 1];
    sha256_prefixed(0x00, data + at, n, out + HASH * i);
  }
  return NULL;
}

/*
 * merkleRoot(hashes: TypedArray, offset: number, count: number, out: Uint8Array):
 * out[0..32) = RFC 6962 MTH of the count >= 1 hashes at hashes[32 offset, 32 (offset + count)).
 * Bottom up, pairing neighbours and carrying an odd last hash up unchanged,
 * which is the same tree as RFC 6962's split at the largest power of two below n.
 */
static napi_value js_merkle_root(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  uint8_t *data, *out;
  size_t len, outlen, offset, count;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 4) {
    napi_throw_type_error(env, NULL, "merkleRoot(hashes, offset, count, out)");
    return NULL;
  }
  if (!bytes_of(env, argv[0], "merkleRoot: hashes must be a typed array", &data, &len)) return NULL;
  if (!index_of(env, argv[1], "merkleRoot: bad offset", (double)(len / HASH), &offset)) return NULL;
  if (!index_of(env, argv[2], "merkleRoot: bad count", (double)(len / HASH - offset), &count)) return NULL;
  if (count < 1) {
    napi_throw_range_error(env, NULL, "merkleRoot: count must be at least 1");
    return NULL;
  }
  if (!bytes_of(env, argv[3], "merkleRoot: out must be a typed array", &out, &outlen)) return NULL;
  if (outlen < HASH) {
    napi_throw_range_error(env, NULL, "merkleRoot: out is shorter than 32 bytes");
    return NULL;
  }
  const uint8_t *src = data + HASH * offset;
  if (count == 1) {
    memmove(out, src, HASH);
    return NULL;
  }
  size_t half = (count + 1) / 2;
  uint8_t stack[HASH * 256];
  uint8_t *work = half <= 256 ? stack : malloc(HASH * half);
  if (work == NULL) {
    napi_throw_error(env, NULL, "merkleRoot: out of memory");
    return NULL;
  }
  for (size_t n = count; n > 1; n = (n + 1) / 2) {
    size_t pairs = n / 2;
    /* In place from the second level on: node i is written after pair i is read, and 32 i <= 64 i. */
    for (size_t i = 0; i < pairs; i++) sha256_prefixed(0x01, src + 2 * HASH * i, 2 * HASH, work + HASH * i);
    if (n % 2 == 1) memmove(work + HASH * pairs, src + 2 * HASH * pairs, HASH);
    src = work;
  }
  memcpy(out, work, HASH);
  if (work != stack) free(work);
  return NULL;
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_property_descriptor props[] = {
      {"sha256", NULL, js_sha256, NULL, NULL, NULL, napi_enumerable, NULL},
      {"leafHashes", NULL, js_leaf_hashes, NULL, NULL, NULL, napi_enumerable, NULL},
      {"merkleRoot", NULL, js_merkle_root, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props) != napi_ok) return NULL;
  return exports;
}
