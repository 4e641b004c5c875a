// Offline co-signing (docs/cli.md "Co-signing"): signing request files, the node's co-signing
// inbox, and submitting a finished request or a saved envelope.
#pragma once

#include <string>
#include <vector>

#include "args.h"
#include "node_client.h"
#include "shanliu/crypto/keys.h"
#include "shanliu/ledger/signing_request.h"

namespace shanliu::cli {

int Sign(const Args& args);
int Submit(const Args& args);
int Inbox(const Args& args);

extern const char kSignUsage[];
extern const char kSubmitUsage[];
extern const char kInboxUsage[];

// shanliu tx <kind> ... --unsigned --out FILE [--cosigner BANK] [--key FILE ...]: writes a
// signing request for `body` (signed by `keys` so far, possibly none); returns the exit code.
int WriteUnsignedRequest(const Args& args, const NodeClient& node, const pb::TxBody& body,
                         const std::vector<const crypto::KeyPair*>& keys);

// Chain state for ledger::RequiredSigners read through the node's public API. A lookup that
// fails for another reason than "not found" records the first such error in `first_error`.
ledger::SignerLookup NodeLookup(const NodeClient& node, Status& first_error);

// Reads a request or envelope file (at most `max_bytes`); "usage" error if it cannot be read.
Result<std::string> ReadSmallFile(const std::string& path, std::size_t max_bytes);
// Writes `text` to `path` through a temporary file and a rename, so a crash never leaves half a
// request. `overwrite` false refuses an existing file.
Status WriteFileAtomically(const std::string& path, const std::string& text, bool overwrite);
// Prints the request's id, summary (zh and en), expiry and who has signed or must still sign.
void PrintRequest(std::ostream& out, const ledger::SigningRequest& request);

}  // namespace shanliu::cli
