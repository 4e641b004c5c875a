// P2P transport throughput over loopback between two transports (each on its own io thread),
// printed beside crypto_secretstream's raw encryption rate for the same frame size measured in
// the same run (DESIGN 10). Not a test: it asserts nothing about time.
//
//   bench_transport_bench [--seconds S]   (default 2 per figure)
#include <sodium.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "shanliu/crypto/hash.h"
#include "shanliu/node/transport.h"

namespace {

using namespace shanliu;
using namespace shanliu::node::p2p;
using Clock = std::chrono::steady_clock;

double Since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

std::string Human(double v) {
  char buf[64];
  if (v >= 1e6) {
    std::snprintf(buf, sizeof buf, "%.2fM", v / 1e6);
  } else if (v >= 1e3) {
    std::snprintf(buf, sizeof buf, "%.1fk", v / 1e3);
  } else {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  }
  return buf;
}

struct IoThread {
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{io.get_executor()};
  std::thread thread{[this] { io.run(); }};
  ~IoThread() {
    work.reset();
    io.stop();
    thread.join();
  }
};

crypto::KeyPair Key(std::string_view name) {
  const Hash256 h = crypto::Sha256(AsBytes(name));
  crypto::Seed seed{};
  std::memcpy(seed.data(), h.data(), seed.size());
  return crypto::KeyPairFromSeed(seed);
}

// crypto_secretstream push of `size`-byte messages on one thread: frames per second.
double RawSecretstream(std::size_t size, double seconds) {
  unsigned char key[crypto_secretstream_xchacha20poly1305_KEYBYTES];
  crypto_secretstream_xchacha20poly1305_keygen(key);
  crypto_secretstream_xchacha20poly1305_state state;
  unsigned char header[crypto_secretstream_xchacha20poly1305_HEADERBYTES];
  crypto_secretstream_xchacha20poly1305_init_push(&state, header, key);
  std::vector<unsigned char> m(size + 1, 0x5a), c(size + 1 + crypto_secretstream_xchacha20poly1305_ABYTES);
  const auto start = Clock::now();
  std::size_t done = 0;
  double elapsed = 0;
  do {
    for (int i = 0; i < 64; ++i) {
      crypto_secretstream_xchacha20poly1305_push(&state, c.data(), nullptr, m.data(), m.size(), nullptr, 0,
                                                 crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
    }
    done += 64;
    elapsed = Since(start);
  } while (elapsed < seconds);
  return static_cast<double>(done) / elapsed;
}

struct Pair {
  IoThread io_a, io_b;
  crypto::KeyPair ka = Key("bench-a"), kb = Key("bench-b");
  std::atomic<std::uint64_t> received{0};
  std::unique_ptr<Transport> a, b;

  Pair() {
    TransportConfig ca;
    ca.identity = ka;
    ca.chain_id = "bench";
    ca.peers = {{kb.public_key, ""}};
    a = std::make_unique<Transport>(io_a.io, ca, [this](const crypto::PublicKey&, Bytes) { received++; }, nullptr);
    if (!a->Start().ok()) std::abort();
    TransportConfig cb;
    cb.identity = kb;
    cb.chain_id = "bench";
    cb.peers = {{ka.public_key, "127.0.0.1:" + std::to_string(a->port())}};
    b = std::make_unique<Transport>(io_b.io, cb, nullptr, nullptr);
    if (!b->Start().ok()) std::abort();
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    while (b->Connected().empty() || a->Connected().empty()) {
      if (Clock::now() > deadline) {
        std::fprintf(stderr, "bench_transport_bench: transports did not connect\n");
        std::exit(1);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  ~Pair() {
    b->Stop();
    a->Stop();
  }

  // B sends `size`-byte frames to A as fast as A's queue accepts them: frames/s received.
  double Run(std::size_t size, double seconds) {
    const Bytes payload(size, 0x42);
    const std::uint64_t before = received;
    const auto start = Clock::now();
    while (Since(start) < seconds) {
      for (int i = 0; i < 64; ++i) {
        if (!b->Send(ka.public_key, payload)) {
          std::this_thread::sleep_for(std::chrono::microseconds(50));  // queue full: let it drain
          break;
        }
      }
    }
    const double elapsed = Since(start);
    return static_cast<double>(received - before) / elapsed;
  }
};

}  // namespace

int main(int argc, char** argv) {
  crypto::Init();
  double seconds = 2;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
      seconds = std::atof(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: %s [--seconds S]\n", argv[0]);
      return 2;
    }
  }
  std::printf("shanliu transport bench: %u hardware threads, loopback, one io thread per transport\n\n",
              std::thread::hardware_concurrency());
  std::printf("  %-12s %14s %12s   %-34s\n", "frame", "transport", "MB/s", "raw secretstream push (1 thread)");
  Pair pair;
  for (std::size_t size : {64u, 256u, 4096u, 65536u, 1u << 20}) {
    const double fps = pair.Run(size, seconds);
    const double raw = RawSecretstream(size, seconds / 2);
    const double mbps = fps * static_cast<double>(size) / 1e6;
    const double raw_mbps = raw * static_cast<double>(size) / 1e6;
    char label[32];
    std::snprintf(label, sizeof label, "%zu B", size);
    std::printf("  %-12s %11s/s %12.1f   %9s/s = %8.1f MB/s  (%.0f%% of raw)\n", label, Human(fps).c_str(), mbps,
                Human(raw).c_str(), raw_mbps, 100.0 * fps / raw);
  }
  const auto stats = pair.a->stats();
  std::printf("\n  receiver: %llu frames in, %llu rejected; sender queue-full refusals: %llu\n",
              static_cast<unsigned long long>(stats.frames_in), static_cast<unsigned long long>(stats.frames_rejected),
              static_cast<unsigned long long>(pair.b->stats().send_queue_full));
  std::printf("  (the transport encrypts on one core and decrypts on the other, so the raw single-thread\n"
              "   push rate is the bound for large frames; small frames are bound by per-frame overhead)\n");
  return 0;
}
