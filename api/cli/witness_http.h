// The HTTP face of `shanliu witness serve`: Boost.Beast, async, with the limits a server on the
// open Internet needs (body, header, per-request time, connection count). Routes:
//   POST /add-checkpoint   c2sp.org/tlog-witness (ledger::Witness::AddCheckpoint)
//   GET  /                 the witness's name, vkey, logs and the sizes it cosigned (text)
#pragma once

#include <cstdint>
#include <string>

#include "shanliu/ledger/witness.h"
#include "shanliu/status.h"

namespace shanliu::cli {

struct WitnessHttpConfig {
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;  // 0: a free port, printed on start
  unsigned threads = 2;
  unsigned request_timeout_ms = 10'000;
  std::size_t max_header_bytes = 8 << 10;
  std::size_t max_connections = 256;
};

// Serves until SIGINT or SIGTERM. Prints "witness listening on ADDRESS:PORT" once bound.
Status ServeWitness(ledger::Witness& witness, const WitnessHttpConfig& config);

}  // namespace shanliu::cli
