// shanliu-p2p-probe: one P2P peer, honest or hostile, against a running node (docs/p2p.md).
//
//   shanliu-p2p-probe --key FILE --chain-id ID --connect HOST:PORT --peer-key HEX --mode MODE
//                     [--seconds N] [--frames N]
//
// Modes and exit codes:
//   handshake       0 the handshake completed (the node accepted our key and chain id),
//                   3 refused: the node closed the connection or its key/signature did not check out
//   garbage-frames  complete the handshake, send --frames (default 64) encrypted data frames with
//                   random payloads (valid secretstream, so they reach the node's message decoder),
//                   then raw random bytes; 0 if the node closed the connection, 4 if not within
//                   --seconds, 3 if the handshake was refused
//   raw-garbage     random bytes instead of a hello; 0 if the node closed the connection, 4 if not
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
#include "transport_client.h"

namespace {

using namespace shanliu;
using node::p2p::BlockingClient;

constexpr int kExitOk = 0, kExitUsage = 1, kExitRefused = 3, kExitTimeout = 4;

int Usage(const std::string& why) {
  std::cerr << "shanliu-p2p-probe: " << why << "\n"
            << "usage: shanliu-p2p-probe --key FILE --chain-id ID --connect HOST:PORT --peer-key HEX\n"
            << "                         --mode handshake|garbage-frames|raw-garbage [--seconds N] [--frames N]\n";
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

}  // namespace

int main(int argc, char** argv) {
  crypto::Init();
  std::string key_file, chain_id, connect, peer_hex, mode;
  long seconds = 10, frames = 64;
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
      else return Usage("unknown option " + arg);
    } catch (const std::exception&) {
      return Usage("bad number for " + arg);
    }
  }
  if (connect.empty() || mode.empty()) return Usage("--connect and --mode are required");
  if (seconds < 1 || seconds > 3600) return Usage("--seconds must be 1..3600");
  if (frames < 0 || frames > 1000000) return Usage("--frames must be 0..1000000");
  if (mode != "handshake" && mode != "garbage-frames" && mode != "raw-garbage") return Usage("unknown mode " + mode);
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
