#include <iostream>

#include "commands.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/keys.h"

namespace shanliu::cli {

const char kKeygenUsage[] = R"(usage: shanliu keygen --out FILE

Creates a new Ed25519 key file (mode 0600; an existing file is never overwritten) and
prints its public key (hex).
)";

int Keygen(const Args& args) {
  if (Status s = RequireOnly(args, {"out"}); !s.ok()) return UsageError("keygen", kKeygenUsage, s.message());
  if (!args.positional.empty() || !args.Get("out")) return UsageError("keygen", kKeygenUsage, "--out FILE is required");
  const crypto::KeyPair key = crypto::GenerateKeyPair();
  if (Status s = crypto::WriteKeyFile(*args.Get("out"), key); !s.ok()) return Fail("keygen", s);
  std::cout << crypto::ToHex(key.public_key) << "\n";
  return 0;
}

}  // namespace shanliu::cli
