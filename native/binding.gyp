# The optional SHA-256 batch addon (see sha256_batch.c), built by
# scripts/build-native.mjs during `npm ci`; nothing fails when it cannot be.
{
  "targets": [
    {
      "target_name": "vellum_sha256",
      "sources": ["sha256_batch.c"],
      "cflags": ["-Wall", "-Wextra"],
      "conditions": [
        # Resolve the OpenSSL symbols (from the node binary) when the addon
        # is loaded, so a node without them fails the load, and Vellum falls
        # back to node:crypto, instead of failing at the first hash.
        ["OS=='linux'", { "ldflags": ["-Wl,-z,now"] }],
        ["OS=='mac'", { "xcode_settings": { "OTHER_LDFLAGS": ["-Wl,-bind_at_load"] } }]
      ]
    }
  ]
}
