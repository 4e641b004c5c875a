#include <iostream>

#include "commands.h"
#include "node_client.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/keys.h"

namespace shanliu::cli {

const char kKeygenUsage[] = R"(usage: shanliu keygen --out FILE

Creates a new Ed25519 key file (mode 0600; an existing file is never overwritten) and
prints its public key (hex).
)";

const char kKeyUsage[] = R"(usage: shanliu key show FILE [--node URL]

Prints the public key (hex) of an existing key file. With --node, also each organisation whose
registered keys include it (from GET /v1/orgs), one line each: org ID KIND NAME; or the line
"org none" when no organisation lists it.
)";

int Keygen(const Args& args) {
  if (Status s = RequireOnly(args, {"out"}); !s.ok()) return UsageError("keygen", kKeygenUsage, s.message());
  if (!args.positional.empty() || !args.Get("out")) return UsageError("keygen", kKeygenUsage, "--out FILE is required");
  const crypto::KeyPair key = crypto::GenerateKeyPair();
  if (Status s = crypto::WriteKeyFile(*args.Get("out"), key); !s.ok()) return Fail("keygen", s);
  std::cout << crypto::ToHex(key.public_key) << "\n";
  return 0;
}

namespace {

// Every organisation whose registered keys include `public_key_hex`, paging through /v1/orgs.
Result<std::vector<nlohmann::json>> OrgsHolding(const NodeClient& node, const std::string& public_key_hex) {
  std::vector<nlohmann::json> found;
  std::string cursor;
  for (int page = 0; page < 10'000; ++page) {
    auto answer = node.GetJson("/v1/orgs?limit=100" + (cursor.empty() ? std::string() : "&cursor=" + cursor));
    if (!answer.ok()) return answer.status();
    const nlohmann::json& a = *answer;
    if (!a.is_object() || !a.contains("orgs") || !a["orgs"].is_array()) {
      return Status::Error("bad_response", "the node's /v1/orgs answer has no orgs list");
    }
    for (const nlohmann::json& org : a["orgs"]) {
      const nlohmann::json keys = org.is_object() ? org.value("public_keys", nlohmann::json::array()) : nlohmann::json();
      if (!keys.is_array()) continue;
      for (const nlohmann::json& k : keys) {
        if (k.is_string() && k.get<std::string>() == public_key_hex) found.push_back(org);
      }
    }
    if (!a.contains("next") || a["next"].is_null()) return found;
    cursor = a["next"].is_string() ? a["next"].get<std::string>() : a["next"].dump();
  }
  return Status::Error("bad_response", "the node's organisation list does not end");
}

}  // namespace

int Key(const Args& args) {
  const auto usage = [](const std::string& m) { return UsageError("key", kKeyUsage, m); };
  if (Status s = RequireOnly(args, {"node"}); !s.ok()) return usage(s.message());
  if (args.positional.size() != 2 || args.positional[0] != "show") return usage("the command is: key show FILE");
  auto key = crypto::ReadKeyFile(args.positional[1]);
  if (!key.ok()) return Fail("key", key.status());
  const std::string public_key = crypto::ToHex(key->public_key);
  std::cout << "public key " << public_key << "\n";
  if (!args.Has("node")) return 0;
  auto orgs = OrgsHolding(NodeClient(*args.Get("node")), public_key);
  if (!orgs.ok()) return Fail("key", orgs.status());
  if (orgs->empty()) std::cout << "org none\n";
  for (const nlohmann::json& org : *orgs) {
    std::cout << "org " << org.value("org_id", std::string("?")) << " " << org.value("kind", std::string("?")) << " "
              << org.value("name_zh", std::string()) << "\n";
  }
  return 0;
}

}  // namespace shanliu::cli
