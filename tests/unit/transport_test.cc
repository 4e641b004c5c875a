// The P2P transport over real sockets on 127.0.0.1 (docs/p2p.md): frames both ways in order,
// refusal of unknown keys, other chains and impostors, one connection per peer, reconnection,
// hostile bytes before and after the handshake, bounded send queues and a clean Stop.
// Every wait is a deadline loop on a condition; no test asserts how fast anything is.
#include <doctest/doctest.h>
#include <sodium.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <thread>

#include "shanliu/crypto/codec.h"
#include "shanliu/node/transport.h"
#include "test_chain.h"
#include "transport_client.h"
#include "transport_wire.h"

using namespace shanliu;
using namespace shanliu::node::p2p;
using shanliu::testing::TestKey;
using namespace std::chrono_literals;

namespace {

constexpr auto kPatience = 30s;  // generous: the machine is shared with compilers
constexpr std::string_view kChain = "shanliu-test-chain";

template <class Pred>
bool Eventually(Pred pred, std::chrono::milliseconds limit = kPatience) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return pred();
}

// An io_context run by one thread, as the node runs it.
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

std::uint16_t FreePort() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();
}

std::string Loopback(std::uint16_t port) { return "127.0.0.1:" + std::to_string(port); }

Bytes Numbered(std::uint32_t n, std::size_t size = 16) {
  Bytes b;
  AppendU32(b, n);
  b.resize(std::max<std::size_t>(size, 4), static_cast<std::uint8_t>(n));
  return b;
}

TransportConfig Config(const crypto::KeyPair& me, std::vector<PeerAddress> peers, std::uint16_t port = 0) {
  TransportConfig c;
  c.identity = me;
  c.chain_id = std::string(kChain);
  c.listen_port = port;
  c.peers = std::move(peers);
  c.backoff_min_ms = 20;
  c.backoff_max_ms = 300;
  c.keepalive_ms = 200;
  c.idle_timeout_ms = 10000;
  c.handshake_timeout_ms = 10000;
  return c;
}

// A transport plus everything its callbacks saw.
class Node {
 public:
  Node(IoThread& io, TransportConfig config) : key_(config.identity.public_key) {
    transport_ = std::make_unique<Transport>(
        io.io, std::move(config),
        [this](const crypto::PublicKey& from, Bytes payload) {
          if (after_stop_) callbacks_after_stop_++;
          std::lock_guard lock(mu_);
          frames_.push_back({from, std::move(payload)});
        },
        [this](const crypto::PublicKey& peer, bool connected) {
          if (after_stop_) callbacks_after_stop_++;
          std::lock_guard lock(mu_);
          events_.push_back({peer, connected});
        });
  }
  ~Node() { transport_.reset(); }

  Transport& t() { return *transport_; }
  const crypto::PublicKey& key() const { return key_; }
  std::uint16_t port() const { return transport_->port(); }
  std::string address() const { return Loopback(port()); }

  bool ConnectedTo(const crypto::PublicKey& peer) const {
    for (const auto& k : transport_->Connected()) {
      if (k == peer) return true;
    }
    return false;
  }
  std::vector<Bytes> FramesFrom(const crypto::PublicKey& from) {
    std::lock_guard lock(mu_);
    std::vector<Bytes> out;
    for (const auto& [k, payload] : frames_) {
      if (k == from) out.push_back(payload);
    }
    return out;
  }
  std::size_t FrameCount() {
    std::lock_guard lock(mu_);
    return frames_.size();
  }
  std::vector<std::pair<crypto::PublicKey, bool>> Events() {
    std::lock_guard lock(mu_);
    return events_;
  }
  void StopAndMark() {
    transport_->Stop();
    after_stop_ = true;
  }
  int callbacks_after_stop() const { return callbacks_after_stop_; }

 private:
  crypto::PublicKey key_;
  std::unique_ptr<Transport> transport_;
  std::mutex mu_;
  std::vector<std::pair<crypto::PublicKey, Bytes>> frames_;
  std::vector<std::pair<crypto::PublicKey, bool>> events_;
  std::atomic<bool> after_stop_{false};
  std::atomic<int> callbacks_after_stop_{0};
};

Bytes RandomBytes(std::size_t n) {
  Bytes b(n);
  randombytes_buf(b.data(), b.size());
  return b;
}

// A blocking client that completed the handshake with `server` as `identity`.
std::unique_ptr<BlockingClient> HandshakenClient(const Node& server, const crypto::KeyPair& identity) {
  auto client = std::make_unique<BlockingClient>();
  REQUIRE(client->Connect(server.address(), 10s).ok());
  const Status s = client->Handshake(identity, kChain, server.key(), 10s);
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  return client;
}

}  // namespace

// ---- The wire format without sockets ----------------------------------------------------------

TEST_CASE("hello encodes to 78 bytes and malformed hellos are refused") {
  const auto key = TestKey("a");
  wire::KeyExchange kx;
  const Bytes hello = wire::EncodeHello({key.public_key, kx.public_key()});
  CHECK(hello.size() == wire::kHelloBytes);
  CHECK(AsChars(ByteView(hello).first(14)) == "shanliu/p2p/v1");
  auto decoded = wire::DecodeHello(hello);
  REQUIRE(decoded.ok());
  CHECK(decoded->identity == key.public_key);
  CHECK(decoded->ephemeral == kx.public_key());

  Bytes short_hello(hello.begin(), hello.end() - 1);
  CHECK(wire::DecodeHello(short_hello).status().code() == "bad_hello");
  Bytes long_hello = hello;
  long_hello.push_back(0);
  CHECK(!wire::DecodeHello(long_hello).ok());
  Bytes wrong_magic = hello;
  wrong_magic[13] = '2';  // "shanliu/p2p/v2"
  CHECK(!wire::DecodeHello(wrong_magic).ok());
  CHECK(!wire::DecodeHello({}).ok());
}

TEST_CASE("the transcript binds the chain id and both hellos and signatures cannot be reflected") {
  const auto a = TestKey("a");
  const Bytes h1 = RandomBytes(wire::kHelloBytes), h2 = RandomBytes(wire::kHelloBytes);
  const Hash256 t = wire::Transcript("chain-1", h1, h2);
  CHECK(t != wire::Transcript("chain-2", h1, h2));
  CHECK(t != wire::Transcript("chain-1", h2, h1));  // roles are ordered
  CHECK(wire::Transcript("ab", h1, h2) != wire::Transcript("a", Bytes{}, h2));

  const auto sig = wire::SignAuth(a.secret_key, t, wire::Role::kClient);
  CHECK(wire::VerifyAuth(a.public_key, t, wire::Role::kClient, sig));
  CHECK_FALSE(wire::VerifyAuth(a.public_key, t, wire::Role::kServer, sig));  // reflected
  CHECK_FALSE(wire::VerifyAuth(TestKey("b").public_key, t, wire::Role::kClient, sig));
  CHECK_FALSE(wire::VerifyAuth(a.public_key, wire::Transcript("chain-2", h1, h2), wire::Role::kClient, sig));
  // Not interchangeable with a plain domain-free signature over the same bytes.
  CHECK_FALSE(wire::VerifyAuth(a.public_key, t, wire::Role::kClient, crypto::SignRaw(a.secret_key, t)));
}

TEST_CASE("session keys agree and frames open in order but not tampered or reordered") {
  wire::KeyExchange client, server;
  wire::SessionKeys ck, sk;
  REQUIRE(client.Derive(wire::Role::kClient, server.public_key(), ck).ok());
  REQUIRE(server.Derive(wire::Role::kServer, client.public_key(), sk).ok());
  CHECK(ck.tx == sk.rx);
  CHECK(ck.rx == sk.tx);
  CHECK(ck.tx != ck.rx);
  wire::KxKey low_order{};  // all zeros: rejected by crypto_kx
  wire::SessionKeys bad;
  CHECK_FALSE(client.Derive(wire::Role::kClient, low_order, bad).ok());

  wire::FrameSealer sealer;
  const auto header = sealer.Init(ck.tx);
  Bytes wire_bytes;
  sealer.Seal(wire::FrameType::kData, AsBytes("first"), wire_bytes);
  sealer.Seal(wire::FrameType::kKeepalive, {}, wire_bytes);
  sealer.Seal(wire::FrameType::kData, AsBytes("third"), wire_bytes);

  // Split back into frames.
  std::vector<Bytes> frames;
  for (std::size_t at = 0; at < wire_bytes.size();) {
    const std::uint32_t len = wire::ReadLength(wire_bytes.data() + at);
    frames.emplace_back(wire_bytes.begin() + at + 4, wire_bytes.begin() + at + 4 + len);
    at += 4 + len;
  }
  REQUIRE(frames.size() == 3);
  CHECK(frames[1].size() == wire::kFrameOverhead);

  {
    wire::FrameOpener opener;
    REQUIRE(opener.Init(sk.rx, header).ok());
    wire::FrameType type{};
    Bytes payload;
    REQUIRE(opener.Open(frames[0], type, payload).ok());
    CHECK(type == wire::FrameType::kData);
    CHECK(AsChars(payload) == "first");
    REQUIRE(opener.Open(frames[1], type, payload).ok());
    CHECK(type == wire::FrameType::kKeepalive);
    CHECK(payload.empty());
    REQUIRE(opener.Open(frames[2], type, payload).ok());
    CHECK(AsChars(payload) == "third");
    CHECK_FALSE(opener.Open(frames[2], type, payload).ok());  // replay
  }
  {
    wire::FrameOpener opener;
    REQUIRE(opener.Init(sk.rx, header).ok());
    wire::FrameType type{};
    Bytes payload;
    CHECK_FALSE(opener.Open(frames[2], type, payload).ok());  // reordered
  }
  {
    wire::FrameOpener opener;
    REQUIRE(opener.Init(sk.rx, header).ok());
    Bytes flipped = frames[0];
    flipped[5] ^= 0x01;
    wire::FrameType type{};
    Bytes payload;
    CHECK_FALSE(opener.Open(flipped, type, payload).ok());
    CHECK_FALSE(opener.Open(Bytes(wire::kFrameOverhead - 1), type, payload).ok());
  }
  {
    wire::FrameOpener opener;  // the wrong direction's key
    REQUIRE(opener.Init(sk.tx, header).ok());
    wire::FrameType type{};
    Bytes payload;
    CHECK_FALSE(opener.Open(frames[0], type, payload).ok());
  }
}

TEST_CASE("an unknown frame type is refused even when authentic") {
  wire::KeyExchange client, server;
  wire::SessionKeys ck, sk;
  REQUIRE(client.Derive(wire::Role::kClient, server.public_key(), ck).ok());
  REQUIRE(server.Derive(wire::Role::kServer, client.public_key(), sk).ok());
  crypto_secretstream_xchacha20poly1305_state state;
  std::array<std::uint8_t, wire::kStreamHeaderBytes> header{};
  crypto_secretstream_xchacha20poly1305_init_push(&state, header.data(), ck.tx.data());
  const std::uint8_t plain[3] = {2, 'h', 'i'};
  Bytes cipher(sizeof plain + crypto_secretstream_xchacha20poly1305_ABYTES);
  crypto_secretstream_xchacha20poly1305_push(&state, cipher.data(), nullptr, plain, sizeof plain, nullptr, 0,
                                             crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
  wire::FrameOpener opener;
  REQUIRE(opener.Init(sk.rx, header).ok());
  wire::FrameType type{};
  Bytes payload;
  CHECK(opener.Open(cipher, type, payload).code() == "bad_frame");
}

TEST_CASE("the tie-break keeps the connection dialed by the lower key on both ends") {
  // Different dialers: both ends pick the same connection.
  for (bool a_is_lower : {true, false}) {
    // Connection 1 dialed by A, connection 2 dialed by B; each end sees them in either order.
    // A's view: dialed_by_us(c1)=true, (c2)=false. B's view: the opposite.
    const bool a_keeps_c1_when_c2_first = wire::KeepIncoming(false, true, a_is_lower);
    const bool a_keeps_c2_when_c1_first = wire::KeepIncoming(true, false, a_is_lower);
    const bool b_keeps_c1_when_c2_first = wire::KeepIncoming(true, false, !a_is_lower);
    const bool b_keeps_c2_when_c1_first = wire::KeepIncoming(false, true, !a_is_lower);
    const bool kept_c1 = a_is_lower;  // the lower key's dial wins
    CHECK(a_keeps_c1_when_c2_first == kept_c1);
    CHECK(a_keeps_c2_when_c1_first == !kept_c1);
    CHECK(b_keeps_c1_when_c2_first == kept_c1);
    CHECK(b_keeps_c2_when_c1_first == !kept_c1);
  }
  // Same dialer: the newer connection replaces the stale one.
  CHECK(wire::KeepIncoming(true, true, true));
  CHECK(wire::KeepIncoming(false, false, true));
  CHECK(wire::KeepIncoming(true, true, false));
  CHECK(wire::KeepIncoming(false, false, false));
}

// ---- Transports on real sockets ----------------------------------------------------------------

TEST_CASE("two transports exchange frames both ways in order including one at the size limit") {
  IoThread io;
  const auto ka = TestKey("node-a"), kb = TestKey("node-b");
  auto ca = Config(ka, {{kb.public_key, ""}});
  ca.max_frame_bytes = 4u << 20;
  Node a(io, ca);
  REQUIRE(a.t().Start().ok());
  auto cb = Config(kb, {{ka.public_key, a.address()}});
  cb.max_frame_bytes = 4u << 20;
  Node b(io, cb);
  REQUIRE(b.t().Start().ok());

  REQUIRE(Eventually([&] { return a.ConnectedTo(kb.public_key) && b.ConnectedTo(ka.public_key); }));
  CHECK(a.t().ConnectedPeers().at(0).dialed_by_us == false);
  CHECK(b.t().ConnectedPeers().at(0).dialed_by_us == true);

  constexpr std::uint32_t kFrames = 500;
  for (std::uint32_t i = 0; i < kFrames; ++i) {
    REQUIRE(b.t().Send(ka.public_key, Numbered(i, 1 + i % 300)));
    REQUIRE(a.t().Send(kb.public_key, Numbered(i, 1 + i % 200)));
  }
  REQUIRE(Eventually([&] { return a.FramesFrom(kb.public_key).size() == kFrames; }));
  REQUIRE(Eventually([&] { return b.FramesFrom(ka.public_key).size() == kFrames; }));
  const auto at_a = a.FramesFrom(kb.public_key);
  const auto at_b = b.FramesFrom(ka.public_key);
  for (std::uint32_t i = 0; i < kFrames; ++i) {
    CHECK(at_a[i] == Numbered(i, 1 + i % 300));
    CHECK(at_b[i] == Numbered(i, 1 + i % 200));
  }

  // Exactly at the limit works; one byte more is refused by Send (never put on the wire).
  Bytes big = RandomBytes(4u << 20);
  REQUIRE(b.t().Send(ka.public_key, big));
  REQUIRE(Eventually([&] { return a.FramesFrom(kb.public_key).size() == kFrames + 1; }));
  CHECK(a.FramesFrom(kb.public_key).back() == big);
  CHECK_FALSE(b.t().Send(ka.public_key, Bytes((4u << 20) + 1)));
  // Empty payloads are frames too.
  REQUIRE(a.t().Send(kb.public_key, {}));
  REQUIRE(Eventually([&] { return b.FramesFrom(ka.public_key).size() == kFrames + 1; }));
  CHECK(b.FramesFrom(ka.public_key).back().empty());

  CHECK_FALSE(a.t().Send(TestKey("stranger").public_key, Bytes{1}));  // not connected
  const auto sa = a.t().stats();
  CHECK(sa.handshakes_ok == 1);
  CHECK(sa.handshakes_failed == 0);
  CHECK(sa.frames_in == kFrames + 1);
  CHECK(sa.frames_rejected == 0);
  CHECK(Eventually([&] { return a.t().stats().frames_out == kFrames + 1; }));
  CHECK(a.Events().size() == 1);
  CHECK(a.Events().at(0) == std::pair{kb.public_key, true});
  CHECK(a.callbacks_after_stop() == 0);
}

TEST_CASE("three transports broadcast to each other") {
  IoThread io;
  const auto k1 = TestKey("n1"), k2 = TestKey("n2"), k3 = TestKey("n3");
  Node n1(io, Config(k1, {{k2.public_key, ""}, {k3.public_key, ""}}));
  REQUIRE(n1.t().Start().ok());
  Node n2(io, Config(k2, {{k1.public_key, n1.address()}, {k3.public_key, ""}}));
  REQUIRE(n2.t().Start().ok());
  Node n3(io, Config(k3, {{k1.public_key, n1.address()}, {k2.public_key, n2.address()}}));
  REQUIRE(n3.t().Start().ok());
  REQUIRE(Eventually([&] {
    return n1.t().Connected().size() == 2 && n2.t().Connected().size() == 2 && n3.t().Connected().size() == 2;
  }));
  n1.t().Broadcast(ToBytes("from 1"));
  n2.t().Broadcast(ToBytes("from 2"));
  n3.t().Broadcast(ToBytes("from 3"));
  REQUIRE(Eventually([&] { return n1.FrameCount() == 2 && n2.FrameCount() == 2 && n3.FrameCount() == 2; }));
  CHECK(n1.FramesFrom(k2.public_key).at(0) == ToBytes("from 2"));
  CHECK(n1.FramesFrom(k3.public_key).at(0) == ToBytes("from 3"));
  CHECK(n3.FramesFrom(k1.public_key).at(0) == ToBytes("from 1"));
  CHECK(n3.FramesFrom(k2.public_key).at(0) == ToBytes("from 2"));
}

TEST_CASE("an unknown dialer is refused at the handshake") {
  IoThread io;
  const auto ka = TestKey("node-a"), kb = TestKey("node-b"), stranger = TestKey("stranger");
  Node a(io, Config(ka, {{kb.public_key, ""}}));
  REQUIRE(a.t().Start().ok());
  // A transport whose key A does not know, configured to dial A.
  Node x(io, Config(stranger, {{ka.public_key, a.address()}}));
  REQUIRE(x.t().Start().ok());
  REQUIRE(Eventually([&] { return a.t().stats().handshakes_failed >= 2 && x.t().stats().handshakes_failed >= 2; }));
  CHECK(a.t().Connected().empty());
  CHECK(x.t().Connected().empty());
  CHECK(a.t().stats().handshakes_ok == 0);
  CHECK(a.Events().empty());

  // The blocking client sees the refusal as a close before the server's signature.
  BlockingClient client;
  REQUIRE(client.Connect(a.address(), 10s).ok());
  CHECK(client.Handshake(stranger, kChain, ka.public_key, 10s).code() == "closed");
}

TEST_CASE("dialing a node whose key differs from the configured one is refused") {
  IoThread io;
  const auto ka = TestKey("node-a"), kb = TestKey("node-b"), expected = TestKey("the-real-a");
  Node a(io, Config(ka, {{kb.public_key, ""}}));
  REQUIRE(a.t().Start().ok());
  // B believes the node at A's address has key `expected`.
  Node b(io, Config(kb, {{expected.public_key, a.address()}}));
  REQUIRE(b.t().Start().ok());
  REQUIRE(Eventually([&] { return b.t().stats().handshakes_failed >= 2; }));
  CHECK(b.t().Connected().empty());
  CHECK(a.t().Connected().empty());
  CHECK(b.t().stats().handshakes_ok == 0);

  BlockingClient client;
  REQUIRE(client.Connect(a.address(), 10s).ok());
  CHECK(client.Handshake(kb, kChain, expected.public_key, 10s).code() == "wrong_key");
}

TEST_CASE("a peer with another chain id is refused") {
  IoThread io;
  const auto ka = TestKey("node-a"), kb = TestKey("node-b");
  Node a(io, Config(ka, {{kb.public_key, ""}}));
  REQUIRE(a.t().Start().ok());
  auto cb = Config(kb, {{ka.public_key, a.address()}});
  cb.chain_id = "another-chain";
  Node b(io, cb);
  REQUIRE(b.t().Start().ok());
  REQUIRE(Eventually([&] { return a.t().stats().handshakes_failed >= 2 && b.t().stats().handshakes_failed >= 2; }));
  CHECK(a.t().Connected().empty());
  CHECK(b.t().Connected().empty());
  CHECK(a.t().stats().handshakes_ok == 0);

  BlockingClient client;
  REQUIRE(client.Connect(a.address(), 10s).ok());
  const Status s = client.Handshake(kb, "another-chain", ka.public_key, 10s);
  CHECK(s.code() == "bad_signature");
}

TEST_CASE("simultaneous dials leave exactly one connection that both ends agree on") {
  for (int round = 0; round < 5; ++round) {
    CAPTURE(round);
    IoThread io;
    const auto ka = TestKey("sim-a-" + std::to_string(round)), kb = TestKey("sim-b-" + std::to_string(round));
    const std::uint16_t pa = FreePort(), pb = FreePort();
    Node a(io, Config(ka, {{kb.public_key, Loopback(pb)}}, pa));
    Node b(io, Config(kb, {{ka.public_key, Loopback(pa)}}, pb));
    REQUIRE(a.t().Start().ok());
    REQUIRE(b.t().Start().ok());
    REQUIRE(Eventually([&] {
      return a.t().Connected().size() == 1 && b.t().Connected().size() == 1 && a.t().open_connections() == 1 &&
             b.t().open_connections() == 1;
    }));
    const auto pa_view = a.t().ConnectedPeers().at(0), pb_view = b.t().ConnectedPeers().at(0);
    CHECK(pa_view.dialed_by_us != pb_view.dialed_by_us);  // the same connection seen from both ends
    // Frames flow on the surviving connection, and each side saw one "connected" and no churn.
    REQUIRE(a.t().Send(kb.public_key, ToBytes("ping")));
    REQUIRE(Eventually([&] { return b.FramesFrom(ka.public_key).size() == 1; }));
    REQUIRE(b.t().Send(ka.public_key, ToBytes("pong")));
    REQUIRE(Eventually([&] { return a.FramesFrom(kb.public_key).size() == 1; }));
    // Each side's events end in "connected", with one more connect than disconnect (a side may
    // briefly report the losing connection if it saw it close before the winner completed).
    for (Node* n : {&a, &b}) {
      const auto events = n->Events();
      REQUIRE_FALSE(events.empty());
      CHECK(events.back().second);
      const auto ups = std::count_if(events.begin(), events.end(), [](const auto& e) { return e.second; });
      CHECK(ups == static_cast<long>(events.size()) - ups + 1);
    }
    CHECK(a.t().stats().duplicates_closed + b.t().stats().duplicates_closed <= 2);
  }
}

TEST_CASE("a second connection dialed by the lower key replaces the one dialed by the higher key") {
  IoThread io;
  auto k1 = TestKey("tie-1"), k2 = TestKey("tie-2");
  const bool one_is_lower = k1.public_key < k2.public_key;
  const crypto::KeyPair& lower = one_is_lower ? k1 : k2;
  const crypto::KeyPair& higher = one_is_lower ? k2 : k1;
  // The lower node never dials; the higher one dials it.
  Node low(io, Config(lower, {{higher.public_key, ""}}));
  REQUIRE(low.t().Start().ok());
  Node high(io, Config(higher, {{lower.public_key, low.address()}}));
  REQUIRE(high.t().Start().ok());
  REQUIRE(Eventually([&] { return high.ConnectedTo(lower.public_key) && low.ConnectedTo(higher.public_key); }));
  REQUIRE(high.t().ConnectedPeers().at(0).dialed_by_us);

  // Now "the lower key" dials the higher node (a client holding the lower key): its dial wins.
  auto client = HandshakenClient(high, lower);
  REQUIRE(Eventually([&] { return high.t().stats().duplicates_closed == 1; }));
  CHECK_FALSE(high.t().ConnectedPeers().at(0).dialed_by_us);
  CHECK(high.Events().size() == 1);  // replaced, never reported as disconnected
  REQUIRE(Eventually([&] { return !low.ConnectedTo(higher.public_key); }));  // the old one was closed
  REQUIRE(high.t().Send(lower.public_key, ToBytes("via the new connection")));
  auto got = client->ReadFrame(10s);
  REQUIRE(got.ok());
  CHECK(*got == ToBytes("via the new connection"));
}

TEST_CASE("a restarted peer is redialed with backoff") {
  IoThread io;
  const auto ka = TestKey("node-a"), kb = TestKey("node-b");
  const std::uint16_t pb = FreePort();
  Node a(io, Config(ka, {{kb.public_key, Loopback(pb)}}));
  REQUIRE(a.t().Start().ok());
  auto b = std::make_unique<Node>(io, Config(kb, {{ka.public_key, ""}}, pb));
  REQUIRE(b->t().Start().ok());
  REQUIRE(Eventually([&] { return a.ConnectedTo(kb.public_key); }));

  b.reset();  // the peer goes away
  REQUIRE(Eventually([&] { return !a.ConnectedTo(kb.public_key); }));
  CHECK(a.t().stats().disconnects == 1);
  CHECK_FALSE(a.t().Send(kb.public_key, Bytes{1}));

  b = std::make_unique<Node>(io, Config(kb, {{ka.public_key, ""}}, pb));
  REQUIRE(b->t().Start().ok());
  REQUIRE(Eventually([&] { return a.ConnectedTo(kb.public_key) && b->ConnectedTo(ka.public_key); }));
  REQUIRE(a.t().Send(kb.public_key, ToBytes("welcome back")));
  REQUIRE(Eventually([&] { return b->FramesFrom(ka.public_key).size() == 1; }));
  const auto events = a.Events();
  REQUIRE(events.size() == 3);
  CHECK(events[0].second);
  CHECK_FALSE(events[1].second);
  CHECK(events[2].second);
}

TEST_CASE("an oversize frame disconnects the sender") {
  IoThread io;
  const auto ka = TestKey("node-a"), kb = TestKey("node-b"), kc = TestKey("node-c");
  auto ca = Config(ka, {{kb.public_key, ""}, {kc.public_key, ""}});
  ca.max_frame_bytes = 64u << 10;
  Node a(io, ca);
  REQUIRE(a.t().Start().ok());
  auto cb = Config(kb, {{ka.public_key, a.address()}});
  cb.max_frame_bytes = 1u << 20;  // B would send what A refuses
  Node b(io, cb);
  REQUIRE(b.t().Start().ok());
  // Both ends: B's Send fails until B's own side of the connection is up.
  REQUIRE(Eventually([&] { return a.ConnectedTo(kb.public_key) && b.ConnectedTo(ka.public_key); }));

  REQUIRE(b.t().Send(ka.public_key, Bytes(64u << 10, 7)));  // exactly A's limit: fine
  REQUIRE(Eventually([&] { return a.FrameCount() == 1; }));
  REQUIRE(b.t().Send(ka.public_key, Bytes((64u << 10) + 1, 7)));
  REQUIRE(Eventually([&] { return a.t().stats().frames_rejected == 1; }));
  CHECK(a.FrameCount() == 1);
  CHECK(a.t().stats().disconnects >= 1);

  // A length prefix claiming 4 GiB is refused before any body is read.
  auto client = HandshakenClient(a, kc);  // not B, whose redial would compete for the slot
  const std::uint8_t huge[4] = {0xff, 0xff, 0xff, 0xff};
  CHECK(client->SendRaw(huge, 10s).ok());
  CHECK(client->WaitClosed(kPatience));
  // So is one too short to hold the type byte and the tag.
  auto client2 = HandshakenClient(a, kc);
  Bytes tiny;
  AppendU32(tiny, wire::kFrameOverhead - 1);
  tiny.resize(4 + wire::kFrameOverhead - 1);
  CHECK(client2->SendRaw(tiny, 10s).ok());
  CHECK(client2->WaitClosed(kPatience));
  CHECK(a.t().stats().frames_rejected >= 3);
}

TEST_CASE("garbage instead of a hello closes that connection without affecting other peers") {
  IoThread io;
  const auto ka = TestKey("node-a"), kb = TestKey("node-b");
  Node a(io, Config(ka, {{kb.public_key, ""}}));
  REQUIRE(a.t().Start().ok());
  Node b(io, Config(kb, {{ka.public_key, a.address()}}));
  REQUIRE(b.t().Start().ok());
  REQUIRE(Eventually([&] { return a.ConnectedTo(kb.public_key); }));

  std::vector<Bytes> hostile;
  hostile.push_back(ToBytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  hostile.push_back(RandomBytes(4096));
  {
    Bytes huge_len;  // a length far over the 1 KiB handshake limit
    AppendU32(huge_len, 1u << 30);
    hostile.push_back(huge_len);
  }
  {
    Bytes wrong_magic;  // the right length with the wrong magic
    AppendU32(wrong_magic, wire::kHelloBytes);
    AppendRaw(wrong_magic, AsBytes("shanliu/p2p/v0"));
    AppendRaw(wrong_magic, kb.public_key);
    AppendRaw(wrong_magic, RandomBytes(32));
    hostile.push_back(wrong_magic);
  }
  {
    wire::KeyExchange kx;  // a hello claiming to be A itself
    hostile.push_back(wire::EncodeFrame(wire::EncodeHello({ka.public_key, kx.public_key()})));
  }
  const auto failed_before = a.t().stats().handshakes_failed;
  for (const Bytes& bytes : hostile) {
    BlockingClient client;
    REQUIRE(client.Connect(a.address(), 10s).ok());
    (void)client.SendRaw(bytes, 10s);  // may fail if A already closed: fine
    CHECK(client.WaitClosed(kPatience));
  }
  CHECK(Eventually([&] { return a.t().stats().handshakes_failed >= failed_before + hostile.size(); }));
  // Silence is garbage too: a connection that never says hello is closed by the handshake timeout.
  // (Shown with a short timeout on a separate node.)
  CHECK(a.ConnectedTo(kb.public_key));
  REQUIRE(b.t().Send(ka.public_key, ToBytes("still here")));
  REQUIRE(Eventually([&] { return a.FramesFrom(kb.public_key).size() == 1; }));
  CHECK(a.t().stats().disconnects == 0);
}

TEST_CASE("a silent connection is closed by the handshake timeout") {
  IoThread io;
  const auto ka = TestKey("node-a");
  auto ca = Config(ka, {});
  ca.handshake_timeout_ms = 200;
  Node a(io, ca);
  REQUIRE(a.t().Start().ok());
  BlockingClient client;
  REQUIRE(client.Connect(a.address(), 10s).ok());
  CHECK(client.WaitClosed(kPatience));
  CHECK(a.t().stats().handshakes_failed == 1);
  CHECK(Eventually([&] { return a.t().open_connections() == 0; }));
}

TEST_CASE("inbound handshakes in progress are capped") {
  IoThread io;
  const auto ka = TestKey("node-a"), kb = TestKey("node-b");
  auto ca = Config(ka, {{kb.public_key, ""}});
  ca.max_pending_handshakes = 4;
  ca.handshake_timeout_ms = 120000;  // the silent clients below must not time out by themselves
  Node a(io, ca);
  REQUIRE(a.t().Start().ok());
  std::vector<std::unique_ptr<BlockingClient>> silent;
  for (int i = 0; i < 4; ++i) {
    silent.push_back(std::make_unique<BlockingClient>());
    REQUIRE(silent.back()->Connect(a.address(), 10s).ok());
  }
  REQUIRE(Eventually([&] { return a.t().open_connections() == 4; }));
  BlockingClient extra;
  REQUIRE(extra.Connect(a.address(), 10s).ok());
  CHECK(extra.WaitClosed(kPatience));
  CHECK(a.t().stats().handshakes_failed == 1);
  CHECK(a.t().open_connections() == 4);
  silent.clear();  // they hang up; the slots free up for a real peer
  REQUIRE(Eventually([&] { return a.t().open_connections() == 0; }));
  auto client = HandshakenClient(a, kb);
  CHECK(Eventually([&] { return a.ConnectedTo(kb.public_key); }));
}

TEST_CASE("a corrupted or unknown frame after the handshake disconnects") {
  IoThread io;
  const auto ka = TestKey("node-a"), kb = TestKey("node-b");
  Node a(io, Config(ka, {{kb.public_key, ""}}));
  REQUIRE(a.t().Start().ok());

  auto client = HandshakenClient(a, kb);
  REQUIRE(Eventually([&] { return a.ConnectedTo(kb.public_key); }));
  REQUIRE(client->SendFrame(0, AsBytes("authentic"), 10s).ok());
  REQUIRE(Eventually([&] { return a.FrameCount() == 1; }));
  CHECK(a.FramesFrom(kb.public_key).at(0) == ToBytes("authentic"));
  Bytes frame = client->SealFrame(0, AsBytes("tampered"));
  frame[frame.size() / 2] ^= 0x40;
  REQUIRE(client->SendRaw(frame, 10s).ok());
  CHECK(client->WaitClosed(kPatience));
  CHECK(a.t().stats().frames_rejected == 1);
  CHECK(a.FrameCount() == 1);
  REQUIRE(Eventually([&] { return !a.ConnectedTo(kb.public_key); }));

  auto client2 = HandshakenClient(a, kb);
  REQUIRE(client2->SendFrame(9, AsBytes("type 9 does not exist"), 10s).ok());
  CHECK(client2->WaitClosed(kPatience));
  CHECK(a.t().stats().frames_rejected == 2);

  // Random bytes once the stream is running.
  auto client3 = HandshakenClient(a, kb);
  (void)client3->SendRaw(RandomBytes(1000), 10s);
  CHECK(client3->WaitClosed(kPatience));
  CHECK(a.FrameCount() == 1);
}

TEST_CASE("frames trickled byte by byte or packed into one write arrive intact") {
  IoThread io;
  const auto ka = TestKey("node-a"), kb = TestKey("node-b");
  Node a(io, Config(ka, {{kb.public_key, ""}}));
  REQUIRE(a.t().Start().ok());
  auto client = HandshakenClient(a, kb);
  const Bytes slow = client->SealFrame(0, AsBytes("one byte at a time"));
  for (std::uint8_t byte : slow) REQUIRE(client->SendRaw(ByteView(&byte, 1), 10s).ok());
  REQUIRE(Eventually([&] { return a.FrameCount() == 1; }));
  Bytes packed;
  for (std::uint32_t i = 0; i < 300; ++i) AppendRaw(packed, client->SealFrame(i % 2 == 0 ? 0 : 1, Numbered(i, i)));
  REQUIRE(client->SendRaw(packed, 10s).ok());
  REQUIRE(Eventually([&] { return a.FrameCount() == 151; }));  // keepalives (odd i) are not delivered
  const auto got = a.FramesFrom(kb.public_key);
  CHECK(got[0] == ToBytes("one byte at a time"));
  for (std::uint32_t i = 0; i < 150; ++i) CHECK(got[1 + i] == Numbered(2 * i, 2 * i));
  CHECK(a.t().stats().frames_rejected == 0);
}

TEST_CASE("a peer that stops talking is dropped and keepalives hold a quiet link open") {
  IoThread io;
  const auto ka = TestKey("node-a"), kb = TestKey("node-b");
  auto ca = Config(ka, {{kb.public_key, ""}});
  ca.idle_timeout_ms = 1500;
  ca.keepalive_ms = 50;
  Node a(io, ca);
  REQUIRE(a.t().Start().ok());

  // A handshaken client that never sends anything: A gives up on it.
  auto client = HandshakenClient(a, kb);
  REQUIRE(Eventually([&] { return a.ConnectedTo(kb.public_key); }));
  CHECK(client->WaitClosed(kPatience));
  REQUIRE(Eventually([&] { return !a.ConnectedTo(kb.public_key); }));

  // A real peer with keepalives stays connected through several idle timeouts without traffic.
  auto cb = Config(kb, {{ka.public_key, a.address()}});
  cb.idle_timeout_ms = 1500;
  cb.keepalive_ms = 50;
  Node b(io, cb);
  REQUIRE(b.t().Start().ok());
  REQUIRE(Eventually([&] { return a.ConnectedTo(kb.public_key); }));
  const auto disconnects = a.t().stats().disconnects;
  std::this_thread::sleep_for(4500ms);  // three idle timeouts; asserts liveness, not speed
  CHECK(a.ConnectedTo(kb.public_key));
  CHECK(a.t().stats().disconnects == disconnects);
  CHECK(a.FrameCount() == 0);  // keepalives are not delivered
}

TEST_CASE("a full send queue makes Send return false without unbounded growth") {
  IoThread io;
  const auto ka = TestKey("node-a"), kb = TestKey("node-b");
  auto ca = Config(ka, {{kb.public_key, ""}});
  ca.max_queue_frames = 8;
  ca.max_queue_bytes = 1u << 20;
  ca.idle_timeout_ms = 120000;  // the reader below is deliberately stalled
  Node a(io, ca);
  REQUIRE(a.t().Start().ok());
  auto client = HandshakenClient(a, kb);  // never reads
  REQUIRE(Eventually([&] { return a.ConnectedTo(kb.public_key); }));

  // Only the queue and the kernel's socket buffers can absorb frames; Send must refuse long
  // before 100000 frames of 64 KiB (6.4 GB).
  const Bytes chunk(64u << 10, 1);
  std::size_t accepted = 0;
  bool refused = false;
  for (int i = 0; i < 100000 && !refused; ++i) {
    if (a.t().Send(kb.public_key, chunk)) {
      ++accepted;
    } else {
      refused = true;
    }
  }
  CHECK(refused);
  CHECK(a.t().stats().send_queue_full >= 1);
  MESSAGE("frames accepted before the queue filled: " << accepted);
  CHECK(a.ConnectedTo(kb.public_key));  // a slow reader is not a protocol violation
}

TEST_CASE("Stop is clean: no callbacks after it returns, Send refuses, peers notice") {
  IoThread io;
  const auto ka = TestKey("node-a"), kb = TestKey("node-b");
  Node a(io, Config(ka, {{kb.public_key, ""}}));
  REQUIRE(a.t().Start().ok());
  Node b(io, Config(kb, {{ka.public_key, a.address()}}));
  REQUIRE(b.t().Start().ok());
  REQUIRE(Eventually([&] { return a.ConnectedTo(kb.public_key) && b.ConnectedTo(ka.public_key); }));

  // B floods A from another thread while A stops.
  std::atomic<bool> done{false};
  std::thread flood([&] {
    std::uint32_t i = 0;
    while (!done) {
      (void)b.t().Send(ka.public_key, Numbered(i++, 512));
      if (i % 64 == 0) std::this_thread::sleep_for(1ms);
    }
  });
  REQUIRE(Eventually([&] { return a.FrameCount() > 100; }));
  a.StopAndMark();
  a.t().Stop();  // idempotent
  CHECK(a.t().Connected().empty());
  CHECK_FALSE(a.t().Send(kb.public_key, Bytes{1}));
  REQUIRE(Eventually([&] { return !b.ConnectedTo(ka.public_key); }));
  done = true;
  flood.join();
  std::this_thread::sleep_for(100ms);  // give a stray callback (there must be none) a chance to show
  CHECK(a.callbacks_after_stop() == 0);
}

TEST_CASE("Stop from inside a callback is safe") {
  IoThread io;
  const auto ka = TestKey("node-a"), kb = TestKey("node-b");
  std::unique_ptr<Transport> a;
  std::atomic<int> frames{0};
  a = std::make_unique<Transport>(
      io.io, Config(ka, {{kb.public_key, ""}}),
      [&](const crypto::PublicKey&, Bytes) {
        frames++;
        a->Stop();
      },
      nullptr);
  REQUIRE(a->Start().ok());
  Node b(io, Config(kb, {{ka.public_key, Loopback(a->port())}}));
  REQUIRE(b.t().Start().ok());
  REQUIRE(Eventually([&] { return b.ConnectedTo(ka.public_key); }));
  for (int i = 0; i < 50; ++i) (void)b.t().Send(ka.public_key, Bytes{1, 2, 3});
  REQUIRE(Eventually([&] { return frames.load() >= 1; }));
  REQUIRE(Eventually([&] { return a->Connected().empty() && a->open_connections() == 0; }));
  CHECK(frames.load() == 1);
  a.reset();
}

TEST_CASE("Start reports a port that is already taken and a bad peer address") {
  IoThread io;
  const auto ka = TestKey("node-a"), kb = TestKey("node-b");
  Node a(io, Config(ka, {}));
  REQUIRE(a.t().Start().ok());
  CHECK(a.t().Start().code() == "already_started");
  Node b(io, Config(kb, {}, a.port()));
  const Status s = b.t().Start();
  CHECK(s.code() == "listen_failed");

  Node c(io, Config(TestKey("node-c"), {{ka.public_key, "no-port-here"}}));
  CHECK(c.t().Start().code() == "bad_address");
  Node d(io, Config(TestKey("node-d"), {{ka.public_key, "127.0.0.1:99999"}}));
  CHECK(d.t().Start().code() == "bad_address");
  auto ce = Config(TestKey("node-e"), {});
  ce.listen_address = "not an ip";
  Node e(io, ce);
  CHECK(e.t().Start().code() == "bad_address");
}

// ---- The probe program (tests/tools/p2p_probe.cc): its exit codes are an interface ------------

namespace {

int RunProbe(const std::vector<std::string>& args) {
  std::string command = std::string(SHANLIU_BINARY_DIR) + "/bin/shanliu-p2p-probe";
  for (const std::string& a : args) command += " '" + a + "'";  // test-made arguments, no quotes inside
  command += " >/dev/null 2>&1";
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST_CASE("the probe completes, is refused, and gets hostile connections closed") {
  IoThread io;
  shanliu::testing::TempDir dir;
  const auto ka = TestKey("node-a"), kb = TestKey("node-b"), stranger = TestKey("stranger");
  const auto b_file = (dir.path() / "b.key").string(), stranger_file = (dir.path() / "stranger.key").string();
  REQUIRE(crypto::WriteKeyFile(b_file, kb).ok());
  REQUIRE(crypto::WriteKeyFile(stranger_file, stranger).ok());
  Node a(io, Config(ka, {{kb.public_key, ""}}));
  REQUIRE(a.t().Start().ok());
  const std::string a_hex = crypto::ToHex(ka.public_key);
  auto probe = [&](const std::string& key, const std::string& chain, const std::string& peer_hex,
                   const std::string& mode) {
    return RunProbe({"--key", key, "--chain-id", chain, "--connect", a.address(), "--peer-key", peer_hex,
                     "--mode", mode, "--seconds", "20"});
  };

  CHECK(probe(b_file, std::string(kChain), a_hex, "handshake") == 0);
  CHECK(probe(stranger_file, std::string(kChain), a_hex, "handshake") == 3);
  CHECK(probe(b_file, "another-chain", a_hex, "handshake") == 3);
  CHECK(probe(b_file, std::string(kChain), crypto::ToHex(stranger.public_key), "handshake") == 3);
  const auto rejected_before = a.t().stats().frames_rejected;
  CHECK(probe(b_file, std::string(kChain), a_hex, "garbage-frames") == 0);
  CHECK(a.FrameCount() == 64);  // the random data frames reached the application
  CHECK(a.t().stats().frames_rejected == rejected_before + 1);
  CHECK(probe(b_file, std::string(kChain), a_hex, "raw-garbage") == 0);
  CHECK(RunProbe({"--connect", a.address()}) == 1);  // no mode
  CHECK(RunProbe({"--connect", "127.0.0.1:1", "--mode", "raw-garbage"}) == 1);  // nothing listening
}
