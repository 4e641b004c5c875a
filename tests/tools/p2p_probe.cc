// shanliu-p2p-probe: one P2P peer, honest or hostile, against a running node (docs/p2p.md).
//
//   shanliu-p2p-probe --key FILE --chain-id ID --connect HOST:PORT --peer-key HEX --mode MODE
//                     [--seconds N] [--frames N] [--claim N]
//
// Modes and exit codes:
//   handshake       0 the handshake completed (the node accepted our key and chain id),
//                   3 refused: the node closed the connection or its key/signature did not check out
//   garbage-frames  complete the handshake, send --frames (default 64) encrypted data frames with
//                   random payloads (valid secretstream, so they reach the node's message decoder),
//                   then raw random bytes; 0 if the node closed the connection, 4 if not within
//                   --seconds, 3 if the handshake was refused
//   raw-garbage     random bytes instead of a hello; 0 if the node closed the connection, 4 if not
//   lying-head      complete the handshake, then for --seconds answer every HeadStatus the node
//                   sends with a head this peer does not have: --claim N, or the node's own height
//                   + 1 when N is 0 (the default); never serve a block. Prints
//                   "lied heads=H requests=R" (R: blocks requests the node sent us); 0 if it ran
//                   the whole time, 5 if the node closed the connection first
// Any mode: 1 = the probe itself could not run (bad arguments, unreadable key, cannot connect),
//           4 = no answer within --seconds (default 10).
#include <sodium.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>

#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/hash.h"
#include "shanliu/crypto/keys.h"
#include "shanliu/pb/p2p.pb.h"
#include "transport_client.h"

namespace {

using namespace shanliu;
using node::p2p::BlockingClient;

constexpr int kExitOk = 0, kExitUsage = 1, kExitRefused = 3, kExitTimeout = 4, kExitClosed = 5;

int Usage(const std::string& why) {
  std::cerr << "shanliu-p2p-probe: " << why << "\n"
            << "usage: shanliu-p2p-probe --key FILE --chain-id ID --connect HOST:PORT --peer-key HEX\n"
            << "                         --mode handshake|garbage-frames|raw-garbage|lying-head [--seconds N]\n"
            << "                         [--frames N] [--claim N]\n";
  return kExitUsage;
}

Bytes RandomBytes(std::size_t n) {
  Bytes b(n);
  randombytes_buf(b.data(), b.size());
  return b;
}

int Report(const char* outcome, int code) {
  std::cout << outcome << "\n";
  return code;
}

// A peer that announces a head it does not have and never serves a block (issue 15): it answers
// each of the node's head announcements (about one a second) with its lie.
int LyingHead(BlockingClient& client, std::uint64_t claim, std::chrono::milliseconds run_for) {
  const auto deadline = std::chrono::steady_clock::now() + run_for;
  const auto read_timeout = std::chrono::milliseconds(5000);  // the node sends a head every second
  std::uint64_t heads = 0, requests = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    auto payload = client.ReadFrame(read_timeout);
    if (!payload.ok()) {
      std::cout << "lied heads=" << heads << " requests=" << requests << "\n";
      return Report("closed", kExitClosed);
    }
    pb::p2p::P2pFrame frame;
    if (!frame.ParseFromArray(payload->data(), static_cast<int>(payload->size()))) continue;
    if (frame.has_blocks_request()) ++requests;
    if (!frame.has_head()) continue;
    pb::p2p::P2pFrame lie;
    lie.mutable_head()->set_height(claim != 0 ? claim : frame.head().height() + 1);
    lie.mutable_head()->set_block_hash(std::string(32, '\x5a'));
    const std::string bytes = lie.SerializeAsString();
    if (!client.SendFrame(0, AsBytes(bytes), read_timeout).ok()) return Report("closed", kExitClosed);
    ++heads;
  }
  std::cout << "lied heads=" << heads << " requests=" << requests << "\n";
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  crypto::Init();
  std::string key_file, chain_id, connect, peer_hex, mode;
  long seconds = 10, frames = 64;
  std::uint64_t claim = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") return Usage("help"), 0;
    if (i + 1 >= argc) return Usage("missing value for " + arg);
    const std::string value = argv[++i];
    try {
      if (arg == "--key") key_file = value;
      else if (arg == "--chain-id") chain_id = value;
      else if (arg == "--connect") connect = value;
      else if (arg == "--peer-key") peer_hex = value;
      else if (arg == "--mode") mode = value;
      else if (arg == "--seconds") seconds = std::stol(value);
      else if (arg == "--frames") frames = std::stol(value);
      else if (arg == "--claim") claim = std::stoull(value);
      else return Usage("unknown option " + arg);
    } catch (const std::exception&) {
      return Usage("bad number for " + arg);
    }
  }
  if (connect.empty() || mode.empty()) return Usage("--connect and --mode are required");
  if (seconds < 1 || seconds > 3600) return Usage("--seconds must be 1..3600");
  if (frames < 0 || frames > 1000000) return Usage("--frames must be 0..1000000");
  if (mode != "handshake" && mode != "garbage-frames" && mode != "raw-garbage" && mode != "lying-head") {
    return Usage("unknown mode " + mode);
  }
  const auto timeout = std::chrono::milliseconds(seconds * 1000);

  BlockingClient client;
  if (Status s = client.Connect(connect, timeout); !s.ok()) {
    std::cerr << "shanliu-p2p-probe: cannot connect: " << s.ToString() << "\n";
    return s.code() == "timeout" ? kExitTimeout : kExitUsage;
  }

  if (mode == "raw-garbage") {
    (void)client.SendRaw(RandomBytes(4096), timeout);  // the node may close mid-write
    return client.WaitClosed(timeout) ? Report("closed", kExitOk) : Report("still-open", kExitTimeout);
  }

  if (key_file.empty() || chain_id.empty() || peer_hex.empty()) {
    return Usage("--key, --chain-id and --peer-key are required for mode " + mode);
  }
  auto key = crypto::ReadKeyFile(key_file);
  if (!key.ok()) return Usage("cannot read key: " + key.status().ToString());
  auto peer = crypto::Hash256FromHex(peer_hex);
  if (!peer.ok()) return Usage("--peer-key must be 64 hex digits");

  const Status hs = client.Handshake(*key, chain_id, *peer, timeout);
  if (!hs.ok()) {
    std::cerr << "shanliu-p2p-probe: handshake: " << hs.ToString() << "\n";
    return hs.code() == "timeout" ? Report("timeout", kExitTimeout) : Report("refused", kExitRefused);
  }
  if (mode == "handshake") return Report("handshake-ok", kExitOk);
  if (mode == "lying-head") return LyingHead(client, claim, timeout);

  // garbage-frames
  for (long i = 0; i < frames; ++i) {
    const std::uint32_t size = randombytes_uniform(4096);
    if (!client.SendFrame(0, RandomBytes(size), timeout).ok()) {
      return Report("closed", kExitOk);  // the node hung up already
    }
  }
  (void)client.SendRaw(RandomBytes(1024), timeout);
  return client.WaitClosed(timeout) ? Report("closed", kExitOk) : Report("still-open", kExitTimeout);
}
