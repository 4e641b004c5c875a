// shanliu sign and shanliu inbox: adding one institution's signature to a signing request,
// offline in a file or through the node's co-signing inbox, and listing what waits for it.
#include <iostream>

#include "commands.h"
#include "cosign.h"
#include "format.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/ledger/tx.h"

namespace shanliu::cli {
namespace {

using nlohmann::json;

// The chain's id and height when a node is given (expiry by height, chain check), else none.
Result<std::optional<ChainHead>> MaybeHead(const Args& args) {
  if (!args.Has("node")) return std::optional<ChainHead>();
  auto head = NodeClient(*args.Get("node")).Head();
  if (!head.ok()) return head.status();
  return std::optional<ChainHead>(*head);
}

Status CheckUsable(const ledger::SigningRequest& request, const std::optional<ChainHead>& head) {
  return ledger::CheckNotExpired(request, NowMs(), head ? std::optional<std::uint64_t>(head->height) : std::nullopt);
}

int SignFile(const Args& args, const crypto::KeyPair& key) {
  const std::string path = args.positional[0];
  auto text = ReadSmallFile(path, ledger::kMaxSigningRequestBytes);
  if (!text.ok()) return Fail("sign", text.status());
  auto head = MaybeHead(args);
  if (!head.ok()) return Fail("sign", head.status());
  auto request = ledger::ParseSigningRequest(*text, *head ? std::string_view((*head)->chain_id) : std::string_view());
  if (!request.ok()) return Fail("sign", request.status());
  if (Status s = CheckUsable(*request, *head); !s.ok()) return Fail("sign", s);
  PrintRequest(std::cout, *request);
  if (Status s = ledger::SignRequest(*request, key); !s.ok()) return Fail("sign", s);
  const std::string out = args.Get("out").value_or(path);
  const std::string written = ledger::SigningRequestToJson(*request).dump(2) + "\n";
  if (Status s = WriteFileAtomically(out, written, /*overwrite=*/true); !s.ok()) return Fail("sign", s);
  std::cout << "signed   by " << crypto::ToHex(key.public_key) << " -> " << out << "\n"
            << "status   " << (request->Complete() ? "complete: shanliu submit " + out : std::string("waiting for signatures"))
            << "\n";
  return 0;
}

void PrintInboxState(const json& answer) {
  std::cout << "state    " << answer.value("state", std::string("?")) << "\n";
  const json tx = answer.value("tx", json());
  if (tx.is_object()) {
    std::cout << "tx       " << tx.value("id", std::string()) << " (" << tx.value("location", std::string()) << ")\n";
    if (tx.contains("error")) std::cout << "error    " << tx["error"].dump() << "\n";
  }
}

int SignInbox(const Args& args, const crypto::KeyPair& key) {
  const NodeClient node(*args.Get("node"));
  const std::string id = *args.Get("request");
  if (!crypto::Hash256FromHex(id).ok()) return UsageError("sign", kSignUsage, "--request needs a 64-hex-digit id");
  auto head = node.Head();
  if (!head.ok()) return Fail("sign", head.status());
  auto answer = node.GetJson("/v1/signing-requests/" + id);
  if (!answer.ok()) return Fail("sign", answer.status());
  auto request = ledger::SigningRequestFromJson(answer->value("request", json()), head->chain_id);
  if (!request.ok()) return Fail("sign", request.status());
  if (crypto::ToHex(request->id) != id) {
    return Fail("sign", Status::Error("bad_response", "the node answered with another request"));
  }
  if (Status s = CheckUsable(*request, *head); !s.ok()) return Fail("sign", s);
  PrintRequest(std::cout, *request);
  // Signed and checked locally first, so a key the request does not need costs no round trip.
  if (Status s = ledger::SignRequest(*request, key); !s.ok()) return Fail("sign", s);
  const ledger::SignatureEntry& mine = request->signatures.back();
  auto added = node.PostJson("/v1/signing-requests/" + id + "/signatures",
                             json{{"public_key", crypto::ToHex(mine.public_key)},
                                  {"signature", crypto::ToHex(mine.signature)}});
  if (!added.ok()) return Fail("sign", added.status());
  std::cout << "signed   by " << crypto::ToHex(key.public_key) << " in the inbox of " << node.base_url() << "\n";
  PrintInboxState(*added);
  return 0;
}

}  // namespace

const char kSignUsage[] = R"(usage: shanliu sign REQUEST.json --key FILE [--out FILE] [--node URL]
       shanliu sign --node URL --request ID --key FILE

Adds one signature to a signing request (docs/data-format.md "Signing requests"). The request
is checked first: its body decodes and passes the stateless tx rules, every signature so far
verifies over that exact body, it has not expired, and the key is one that must still sign.
The summary (in Chinese and English) is generated from the body itself and printed before
signing.

  REQUEST.json    a request file from shanliu tx <kind> ... --unsigned (or another signer);
                  rewritten in place unless --out is given
  --node URL      with a file: also check the chain id and the expiry height against the node;
                  with --request: sign the request ID waiting in that node's co-signing inbox
  --request ID    the request's id (the tx id, 64 hex digits), as shanliu inbox lists it

When the last required signature is added in the inbox, the node submits the tx itself.
)";

const char kInboxUsage[] = R"(usage: shanliu inbox --node URL [--signer ORG|PUBKEY] [--limit N]
       shanliu inbox --node URL --post REQUEST.json

Lists the signing requests waiting in the node's co-signing inbox for an organisation (or a
wallet key), oldest first; without --signer, every open request. With --post, puts a request
file (signed by at least one required signer) into the inbox, where the other signers find it.
)";

int Sign(const Args& args) {
  const auto usage = [](const std::string& m) { return UsageError("sign", kSignUsage, m); };
  if (Status s = RequireOnly(args, {"key", "out", "node", "request"}); !s.ok()) return usage(s.message());
  if (!args.Has("key")) return usage("--key FILE is required");
  const bool inbox = args.Has("request");
  if (inbox && (!args.Has("node") || !args.positional.empty() || args.Has("out"))) {
    return usage("--request ID needs --node URL and takes no file or --out");
  }
  if (!inbox && args.positional.size() != 1) return usage("name one request file (or --node URL --request ID)");
  auto key = crypto::ReadKeyFile(*args.Get("key"));
  if (!key.ok()) return Fail("sign", key.status());
  return inbox ? SignInbox(args, *key) : SignFile(args, *key);
}

int Inbox(const Args& args) {
  const auto usage = [](const std::string& m) { return UsageError("inbox", kInboxUsage, m); };
  if (Status s = RequireOnly(args, {"node", "signer", "limit", "post"}); !s.ok()) return usage(s.message());
  if (!args.Has("node") || !args.positional.empty()) return usage("--node URL is required");
  const NodeClient node(*args.Get("node"));
  if (auto post = args.Get("post")) {
    if (args.Has("signer") || args.Has("limit")) return usage("--post takes no --signer or --limit");
    auto text = ReadSmallFile(*post, ledger::kMaxSigningRequestBytes);
    if (!text.ok()) return Fail("inbox", text.status());
    json body = json::parse(*text, nullptr, /*allow_exceptions=*/false);
    if (body.is_discarded()) return Fail("inbox", Status::Error("invalid_signing_request", *post + " is not JSON"));
    auto answer = node.PostJson("/v1/signing-requests", body);
    if (!answer.ok()) return Fail("inbox", answer.status());
    std::cout << "posted   " << answer->value("id", std::string()) << " -> " << answer->value("location", std::string())
              << "\n";
    PrintInboxState(*answer);
    return 0;
  }
  auto limit = ParseUInt(args.Get("limit").value_or("20"), 1, 100, "--limit");
  if (!limit.ok()) return usage(limit.status().message());
  std::string path = "/v1/signing-requests?limit=" + std::to_string(*limit);
  if (auto signer = args.Get("signer")) {
    if (!ledger::IsValidId(*signer) && !crypto::Hash256FromHex(*signer).ok()) {
      return usage("--signer is an organisation id or a 64-hex-digit public key");
    }
    path += "&signer=" + *signer;
  }
  auto answer = node.GetJson(path);
  if (!answer.ok()) return Fail("inbox", answer.status());
  const json list = answer->value("requests", json::array());
  for (const json& item : list) {
    const json request = item.value("request", json::object());
    std::cout << item.value("id", std::string()) << "  " << request.value("kind", std::string()) << "  "
              << request.value("summary", json::object()).value("zh", std::string()) << "\n";
    for (const json& m : item.value("missing", json::array())) {
      std::cout << "    missing " << m.value("role", std::string()) << " "
                << (m["org_id"].is_string() ? m["org_id"].get<std::string>() : std::string("(wallet key)")) << "\n";
    }
  }
  std::cout << list.size() << " request(s) waiting\n";
  return 0;
}

}  // namespace shanliu::cli
