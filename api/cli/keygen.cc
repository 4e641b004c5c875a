#include <iostream>

#include "commands.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/keys.h"

namespace shanliu::cli {

int Keygen(const Args& args) {
  if (Status s = RequireOnly(args, {"out"}); !s.ok() || !args.positional.empty() || !args.Get("out")) {
    std::cerr << "usage: shanliu keygen --out FILE\n";
    return 2;
  }
  const crypto::KeyPair key = crypto::GenerateKeyPair();
  if (Status s = crypto::WriteKeyFile(*args.Get("out"), key); !s.ok()) {
    std::cerr << "shanliu keygen: " << s.message() << "\n";
    return 1;
  }
  std::cout << crypto::ToHex(key.public_key) << "\n";
  return 0;
}

}  // namespace shanliu::cli
