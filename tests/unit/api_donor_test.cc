// What a donor follows, against a real server and ledger: the activity feed (GET /v1/activity),
// a receipt's flow events (GET /v1/receipts/{code}/stream) and its Atom feed (feed.atom), with
// hostile names, bad parameters and the stream's bounds.
#include <doctest/doctest.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "../../api/src/receipt_feed.h"
#include "../../api/src/receipt_watch.h"
#include "../../api/src/sse.h"
#include "shanliu/api/http_client.h"
#include "shanliu/api/server.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/hash.h"
#include "shanliu/ledger/tx.h"
#include "test_chain.h"

namespace shanliu::api {
namespace {

using Json = nlohmann::json;
using namespace std::chrono_literals;
using testing::TestChain;
using testing::TestKey;

const std::string kHostileProject = "Meals <&> \"for\" 'elders' ]]> </title>";
const std::string kHostileDonor = "<b>&amp;</b> \"王\" ]]>";

std::string CodeOf(const Bytes& envelope) {
  pb::Tx tx;
  REQUIRE(tx.ParseFromArray(envelope.data(), static_cast<int>(envelope.size())));
  const Hash256 id = ledger::TxId(AsBytes(tx.body()));
  return crypto::ToBase32(id);  // lowercase, as receipt codes are
}

// A charity with a project whose English name is hostile markup; gifts to both, one spend.
struct Donor {
  Donor() {
    REQUIRE(chain.RegisterOrg("charity-d", pb::ORG_KIND_CHARITY, charity).ok());
    REQUIRE(chain.Commit(chain.MakeTx(
                             [&](pb::TxBody& b) {
                               auto* p = b.mutable_open_project();
                               p->set_project_id("meals");
                               p->set_owner_org("charity-d");
                               p->set_name_zh("长者 <食堂> & \"午餐\"");
                               p->set_name_en(kHostileProject);
                               p->set_category("elder-care");
                               p->set_region("330106");
                               p->set_budget_fen(100'000'00);
                               p->set_starts_at_ms(chain.genesis().genesis_time_ms);
                               p->set_ends_at_ms(chain.genesis().genesis_time_ms + 86'400'000ull * 365);
                             },
                             {&charity}))
                .ok());
    gift = chain.MakeTx(
        [&](pb::TxBody& b) {
          auto* d = b.mutable_donation();
          d->set_to_account("project:meals");
          d->set_amount_fen(48'000'00);
          const Hash256 ref = crypto::Sha256(AsBytes(std::string_view("donor-hostile")));
          d->set_donor_ref(std::string(ref.begin(), ref.end()));
          d->set_donor_display_name(kHostileDonor);
          d->set_channel(pb::DONATION_CHANNEL_BANK_TRANSFER);
          d->set_attesting_bank("bank-1");
        },
        {&chain.bank});
    other = chain.DonationTx("org:charity-d", 500'00, charity);
    const auto st = chain.CommitBlock({gift, other});
    REQUIRE(st[0].ok());
    REQUIRE(st[1].ok());
    spend = chain.SpendTx("project:meals", 18'057'70, charity);
    REQUIRE(chain.Commit(spend).ok());
    ServerConfig config;
    config.port = 0;
    config.sse_heartbeat_ms = 200;
    config.max_sse_clients = 3;
    server = std::make_unique<Server>(config, chain.ledger(), NodeHooks{});
    REQUIRE(server->Start().ok());
    base = "http://127.0.0.1:" + std::to_string(server->port());
  }
  ~Donor() { server->Stop(); }

  HttpResponse Get(const std::string& path) {
    auto r = HttpRequest("GET", base + path, "", "application/json", 10'000);
    REQUIRE_MESSAGE(r.ok(), r.status().ToString());
    return *r;
  }
  Json GetJson(const std::string& path, unsigned status = 200) {
    const HttpResponse r = Get(path);
    INFO(path << " -> " << r.body);
    CHECK(r.status == status);
    return Json::parse(r.body);
  }

  TestChain chain;
  crypto::KeyPair charity = TestKey("charity-d");
  Bytes gift, other, spend;
  std::unique_ptr<Server> server;
  std::string base;
};

// ---------------------------------------------------------------- activity

TEST_CASE("the activity feed lists donations and spending newest first with project and beneficiaries") {
  Donor f;
  const Json page = f.GetJson("/v1/activity");
  const Json& items = page["items"];
  REQUIRE(items.size() == 3);  // the spend, then the two gifts; registrations are not activity
  CHECK(items[0]["kind"] == "spend");
  CHECK(items[0]["amount_fen"] == 18'057'70);
  CHECK(items[0]["beneficiary_count"] == 10);
  CHECK(items[0]["category"] == "material");
  CHECK(items[0]["category_name_zh"] == "物资");
  CHECK(items[0]["project"]["project_id"] == "meals");
  CHECK(items[0]["project"]["name_en"] == kHostileProject);  // text stays text in JSON
  CHECK(items[0]["org"]["org_id"] == "charity-d");
  CHECK(items[0]["code"] == CodeOf(f.spend));
  // The two gifts share a block: the later leaf first.
  CHECK(items[1]["kind"] == "donation");
  CHECK(items[1]["code"] == CodeOf(f.other));
  CHECK(items[1]["project"].is_null());
  CHECK(items[1]["attested"] == false);
  CHECK(items[2]["code"] == CodeOf(f.gift));
  CHECK(items[2]["donor_display_name"] == kHostileDonor);
  CHECK(items[2]["attested"] == true);
  CHECK(items[2]["account"]["account"] == "project:meals");
  CHECK(items[0]["leaf"].get<std::uint64_t>() > items[1]["leaf"].get<std::uint64_t>());
  CHECK(page["next"].is_null());  // the whole log was read, down to leaf 0
  CHECK(page["log_size"] == f.chain.ledger().head().log_size());
}

TEST_CASE("the activity feed pages with before and filters by kinds") {
  Donor f;
  const Json first = f.GetJson("/v1/activity?limit=1");
  REQUIRE(first["items"].size() == 1);
  const std::uint64_t next = first["next"].get<std::uint64_t>();
  CHECK(next == first["items"][0]["leaf"].get<std::uint64_t>());
  const Json second = f.GetJson("/v1/activity?limit=1&before=" + std::to_string(next));
  REQUIRE(second["items"].size() == 1);
  CHECK(second["items"][0]["code"] == CodeOf(f.other));
  // Only spends; only donations.
  const Json spends = f.GetJson("/v1/activity?kinds=spend");
  REQUIRE(spends["items"].size() == 1);
  CHECK(spends["items"][0]["kind"] == "spend");
  const Json gifts = f.GetJson("/v1/activity?kinds=donation,donation,refund");
  CHECK(gifts["items"].size() == 2);
  // before=0: nothing below leaf 0.
  const Json none = f.GetJson("/v1/activity?before=0");
  CHECK(none["items"].empty());
  CHECK(none["next"].is_null());
  // A before beyond the log is the newest page.
  CHECK(f.GetJson("/v1/activity?before=99999999")["items"].size() == 3);
  // limit: 100 passes, 101 and 0 do not.
  CHECK(f.GetJson("/v1/activity?limit=100")["items"].size() == 3);
}

TEST_CASE("bad activity parameters are typed 400 errors") {
  Donor f;
  for (const std::string q : {"limit=0", "limit=101", "limit=-1", "before=x", "kinds=", "kinds=spend,", "kinds=,spend",
                              "kinds=SPEND", "kinds=%3Cscript%3E", "kinds=registration", "sort=asc", "limit=1&limit=2"}) {
    const Json e = f.GetJson("/v1/activity?" + q, 400);
    INFO(q);
    CHECK(e["error"]["code"].is_string());
  }
  const Json e = f.GetJson("/v1/activity?kinds=" + std::string(129, 'a'), 400);
  CHECK(e["error"]["code"] == "invalid_argument");
}

// ---------------------------------------------------------------- Atom

struct XmlDoc {
  explicit XmlDoc(const std::string& text)
      : doc(xmlReadMemory(text.data(), static_cast<int>(text.size()), "feed.atom", nullptr, XML_PARSE_NONET | XML_PARSE_NOERROR)) {}
  ~XmlDoc() { xmlFreeDoc(doc); }
  xmlDocPtr doc;
};

std::string Content(xmlNodePtr node) {
  xmlChar* c = xmlNodeGetContent(node);
  std::string out = c ? reinterpret_cast<const char*>(c) : "";
  xmlFree(c);
  return out;
}
std::string Name(xmlNodePtr node) { return reinterpret_cast<const char*>(node->name); }
std::vector<xmlNodePtr> Children(xmlNodePtr node, const std::string& name) {
  std::vector<xmlNodePtr> out;
  for (xmlNodePtr c = node->children; c; c = c->next) {
    if (c->type == XML_ELEMENT_NODE && Name(c) == name) out.push_back(c);
  }
  return out;
}
std::string Attr(xmlNodePtr node, const char* name) {
  xmlChar* v = xmlGetProp(node, reinterpret_cast<const xmlChar*>(name));
  std::string out = v ? reinterpret_cast<const char*>(v) : "";
  xmlFree(v);
  return out;
}

TEST_CASE("a receipt's Atom feed is well-formed Atom with hostile names kept as text") {
  Donor f;
  const std::string code = CodeOf(f.gift);
  const HttpResponse r = f.Get("/v1/receipts/" + code + "/feed.atom?lang=en");
  REQUIRE(r.status == 200);
  CHECK(r.content_type == "application/atom+xml; charset=utf-8");
  XmlDoc x(r.body);
  REQUIRE(x.doc != nullptr);
  xmlNodePtr feed = xmlDocGetRootElement(x.doc);
  CHECK(Name(feed) == "feed");
  REQUIRE(feed->ns != nullptr);
  CHECK(std::string(reinterpret_cast<const char*>(feed->ns->href)) == "http://www.w3.org/2005/Atom");
  CHECK(Content(Children(feed, "id").at(0)) == "urn:shanliu:receipt:" + code);
  CHECK(Content(Children(Children(feed, "author").at(0), "name").at(0)) == "charity-d");  // the recording org
  const auto entries = Children(feed, "entry");
  REQUIRE(entries.size() == 2);  // the spend, then the gift
  const std::string spend_title = Content(Children(entries[0], "title").at(0));
  CHECK(spend_title == "¥18057.70 spent on Material · 杭州某某食品有限公司 (10 beneficiaries)");
  CHECK(Content(Children(entries[0], "id").at(0)) == "urn:shanliu:receipt:" + code + ":tx:" + CodeOf(f.spend));
  CHECK(Attr(Children(entries[0], "link").at(0), "href").starts_with("/tx/"));
  // The hostile project name and donor name come back exactly, as text.
  const std::string gift_title = Content(Children(entries[1], "title").at(0));
  CHECK(gift_title == "Gift of ¥48000.00 received by " + kHostileProject);
  CHECK(Content(Children(entries[1], "summary").at(0)).starts_with("Donor: " + kHostileDonor));
  CHECK(r.body.find("<elders") == std::string::npos);
  // <updated> of the feed is the newest entry's.
  CHECK(Content(Children(feed, "updated").at(0)) == Content(Children(entries[0], "updated").at(0)));
  // Chinese by default.
  const HttpResponse zh = f.Get("/v1/receipts/" + code + "/feed.atom");
  XmlDoc xz(zh.body);
  REQUIRE(xz.doc != nullptr);
  const auto zh_entries = Children(xmlDocGetRootElement(xz.doc), "entry");
  REQUIRE(zh_entries.size() == 2);
  CHECK(Content(Children(zh_entries[0], "title").at(0)) == "¥18057.70 已用于物资 · 杭州某某食品有限公司（惠及 10 人）");
  CHECK(Content(Children(zh_entries[1], "title").at(0)) == "捐赠 ¥48000.00 已到账：长者 <食堂> & \"午餐\"");
}

TEST_CASE("the Atom feed refuses bad languages and codes with typed errors") {
  Donor f;
  const std::string code = CodeOf(f.gift);
  CHECK(f.GetJson("/v1/receipts/" + code + "/feed.atom?lang=fr", 400)["error"]["code"] == "invalid_argument");
  CHECK(f.GetJson("/v1/receipts/" + code + "/feed.atom?lang=", 400)["error"]["code"] == "invalid_argument");
  CHECK(f.GetJson("/v1/receipts/" + code + "/feed.atom?format=rss", 400)["error"]["code"] == "unknown_parameter");
  CHECK(f.GetJson("/v1/receipts/short/feed.atom", 400)["error"]["code"] == "invalid_code");
  CHECK(f.GetJson("/v1/receipts/" + std::string(52, 'a') + "/feed.atom", 404)["error"]["code"] == "not_found");
  CHECK(f.GetJson("/v1/receipts/" + CodeOf(f.spend) + "/feed.atom", 404)["error"]["code"] == "not_found");
  // 12 characters is the shortest prefix that resolves; 11 is refused.
  CHECK(f.Get("/v1/receipts/" + code.substr(0, 12) + "/feed.atom").status == 200);
  CHECK(f.GetJson("/v1/receipts/" + code.substr(0, 11) + "/feed.atom", 400)["error"]["code"] == "invalid_code");
}

TEST_CASE("the Atom generator escapes markup and control characters and bad UTF-8") {
  internal::AtomFeed feed;
  feed.id = "urn:shanliu:receipt:x";
  feed.lang = "en";
  feed.title = "a & b < c > d \" e ' f ]]> g";
  feed.subtitle = std::string("ctl \x01\x08 bad \xff\xfe utf8 \x1f end");
  feed.author = "<author/>";
  feed.self_link = "/v1/receipts/x/feed.atom?lang=en&x=\"1\"";
  feed.alternate_link = "/r/x";
  feed.entries.push_back({"urn:a", "<![CDATA[x]]>", "&lt; already", "/tx/1", 1'000});
  feed.entries.push_back({"urn:b", "second", "", "/tx/2", 5'000});
  const std::string doc = internal::AtomDocument(feed);
  XmlDoc x(doc);
  REQUIRE(x.doc != nullptr);
  xmlNodePtr root = xmlDocGetRootElement(x.doc);
  CHECK(Content(Children(root, "title").at(0)) == feed.title);
  CHECK(Content(Children(Children(root, "author").at(0), "name").at(0)) == "<author/>");
  CHECK(Attr(Children(root, "link").at(0), "href") == feed.self_link);
  const std::string sub = Content(Children(root, "subtitle").at(0));
  CHECK(sub.find('\x01') == std::string::npos);
  CHECK(sub.find("\xEF\xBF\xBD") != std::string::npos);  // replaced by U+FFFD
  const auto entries = Children(root, "entry");
  CHECK(Content(Children(entries[0], "title").at(0)) == "<![CDATA[x]]>");
  CHECK(Content(Children(entries[0], "summary").at(0)) == "&lt; already");
  CHECK(Content(Children(root, "updated").at(0)) == "1970-01-01T00:00:05.000Z");  // the newest entry
}

TEST_CASE("RFC 3339 times at the boundaries") {
  CHECK(internal::Rfc3339(0) == "1970-01-01T00:00:00.000Z");
  CHECK(internal::Rfc3339(999) == "1970-01-01T00:00:00.999Z");
  CHECK(internal::Rfc3339(951'782'400'000) == "2000-02-29T00:00:00.000Z");
  CHECK(internal::Rfc3339(4'102'444'799'999) == "2099-12-31T23:59:59.999Z");
}

// ---------------------------------------------------------------- receipt stream

// Reads a raw event stream: everything the socket delivers, chunk framing included (each event
// is one chunk, so its text stays contiguous).
class StreamClient {
 public:
  StreamClient(std::uint16_t port, const std::string& target) : socket_(io_) {
    socket_.connect({boost::asio::ip::make_address("127.0.0.1"), port});
    const std::string req = "GET " + target + " HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n";
    boost::asio::write(socket_, boost::asio::buffer(req));
  }
  // Reads until `needle` occurs at or after `from` (or the peer closes, or 10 s pass).
  bool WaitFor(const std::string& needle, std::size_t from = 0) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (text_.find(needle, from) == std::string::npos) {
      if (std::chrono::steady_clock::now() > deadline || closed_) return false;
      ReadSome();
    }
    return true;
  }
  const std::string& text() const { return text_; }
  bool closed() const { return closed_; }
  void ReadUntilClosed() {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!closed_ && std::chrono::steady_clock::now() < deadline) ReadSome();
  }

 private:
  void ReadSome() {
    char buf[4096];
    socket_.non_blocking(true);
    boost::system::error_code ec;
    const std::size_t n = socket_.read_some(boost::asio::buffer(buf), ec);
    if (ec == boost::asio::error::would_block) {
      std::this_thread::sleep_for(5ms);
      return;
    }
    if (ec) {
      closed_ = true;
      return;
    }
    text_.append(buf, n);
  }
  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
  std::string text_;
  bool closed_ = false;
};

Json LastFlow(const std::string& text) {
  const std::size_t at = text.rfind("event: flow\ndata: ");
  REQUIRE(at != std::string::npos);
  const std::size_t start = at + std::string("event: flow\ndata: ").size();
  return Json::parse(text.substr(start, text.find('\n', start) - start));
}

TEST_CASE("a receipt stream sends its figures then an event only when a commit changes its flow") {
  Donor f;
  const std::string code = CodeOf(f.gift);
  StreamClient s(f.server->port(), "/v1/receipts/" + code.substr(0, 12) + "/stream");
  REQUIRE(s.WaitFor("event: flow\n"));
  CHECK(s.text().find("text/event-stream") != std::string::npos);
  Json first = LastFlow(s.text());
  CHECK(first["code"] == code);
  CHECK(first["amount_fen"] == 48'000'00);
  CHECK(first["spent_fen"] == 18'057'70);
  CHECK(first["unspent_fen"] == 48'000'00 - 18'057'70);
  CHECK(first["spends"] == 1);
  const std::size_t after_first = s.text().size();

  // A block that does not touch the gift's money: a gift to another account.
  REQUIRE(f.chain.Commit(f.chain.DonationTx("org:charity-d", 100, f.charity)).ok());
  f.server->NotifyCommitted(f.chain.ledger().height());
  // An empty block (the idle heartbeat) changes nothing either; then a spend that does.
  REQUIRE(f.chain.Commit(f.chain.SpendTx("project:meals", 1'000'00, f.charity)).ok());
  const std::uint64_t relevant = f.chain.ledger().height();
  f.server->NotifyCommitted(relevant);
  REQUIRE(s.WaitFor("\"spent_fen\":" + std::to_string(18'057'70 + 1'000'00), after_first));
  const Json second = LastFlow(s.text());
  CHECK(second["height"] == relevant);
  CHECK(second["spends"] == 2);
  CHECK(second["unspent_fen"] == 48'000'00 - 18'057'70 - 1'000'00);
  // A first pass may repeat the unchanged figures once (the receipt was new to the watcher), but
  // no event before the relevant block reports other figures.
  const std::string tail = s.text().substr(after_first);
  for (std::size_t at = tail.find("event: flow\ndata: "); at != std::string::npos; at = tail.find("event: flow\ndata: ", at + 1)) {
    const std::size_t start = at + std::string("event: flow\ndata: ").size();
    const Json e = Json::parse(tail.substr(start, tail.find('\n', start) - start));
    if (e["height"].get<std::uint64_t>() < relevant) CHECK(e["spent_fen"] == first["spent_fen"]);
  }
  // Heartbeats while idle; Stop ends the stream with the final chunk.
  CHECK(s.WaitFor(": heartbeat\n\n", after_first));
  f.server->Stop();
  s.ReadUntilClosed();
  CHECK(s.closed());
  CHECK(s.text().ends_with("0\r\n\r\n"));
}

TEST_CASE("receipt streams are refused with typed errors for bad codes and beyond the client cap") {
  Donor f;
  CHECK(f.GetJson("/v1/receipts/short/stream", 400)["error"]["code"] == "invalid_code");
  CHECK(f.GetJson("/v1/receipts/" + std::string(52, 'a') + "/stream", 404)["error"]["code"] == "not_found");
  CHECK(f.GetJson("/v1/receipts/" + CodeOf(f.gift) + "/stream?x=1", 400)["error"]["code"] == "unknown_parameter");
  // max_sse_clients = 3, shared with /v1/stream.
  StreamClient a(f.server->port(), "/v1/receipts/" + CodeOf(f.gift) + "/stream");
  StreamClient b(f.server->port(), "/v1/receipts/" + CodeOf(f.other) + "/stream");
  StreamClient c(f.server->port(), "/v1/stream");
  REQUIRE(a.WaitFor("event: flow\n"));
  REQUIRE(b.WaitFor("event: flow\n"));
  REQUIRE(c.WaitFor("event: head\n"));
  const Json busy = f.GetJson("/v1/receipts/" + CodeOf(f.gift) + "/stream", 503);
  CHECK(busy["error"]["code"] == "unavailable");
}

class NullSink : public internal::SseSink {
 public:
  void Deliver(std::shared_ptr<const std::string> event) override { received.push_back(*event); }
  std::vector<std::string> received;
};

TEST_CASE("the event hub bounds distinct receipt topics and delivers by topic") {
  internal::SseHub hub(1000);
  std::vector<std::shared_ptr<NullSink>> sinks;
  for (std::size_t i = 0; i < internal::SseHub::kMaxTopics; ++i) {
    sinks.push_back(std::make_shared<NullSink>());
    CHECK(hub.Subscribe(sinks.back(), "topic-" + std::to_string(i)));
  }
  auto extra = std::make_shared<NullSink>();
  CHECK_FALSE(hub.Subscribe(extra, "topic-new"));  // one topic too many
  CHECK(hub.Subscribe(extra, "topic-3"));          // a watched topic takes more subscribers
  auto blocks = std::make_shared<NullSink>();
  CHECK(hub.Subscribe(blocks));                    // the block stream is not a topic
  CHECK(hub.Topics().size() == internal::SseHub::kMaxTopics);
  hub.PublishTo("topic-3", std::make_shared<const std::string>("e3"));
  hub.PublishTo("", std::make_shared<const std::string>("never"));
  hub.Publish(std::make_shared<const std::string>("block"));
  CHECK(sinks[3]->received == std::vector<std::string>{"e3"});
  CHECK(extra->received == std::vector<std::string>{"e3"});
  CHECK(sinks[4]->received.empty());
  CHECK(blocks->received == std::vector<std::string>{"block"});
  hub.Unsubscribe(sinks[0].get());
  CHECK(hub.Subscribe(std::make_shared<NullSink>(), "topic-new"));  // a slot freed
}

TEST_CASE("trace digests tell trees apart and summaries add up") {
  namespace flow = ledger::flow;
  flow::Trace a;
  a.roots.push_back({"project:p", 70, flow::Fate::kSpent, 9, {}});
  a.roots.push_back({"project:p", 30, flow::Fate::kUnspent, 0, {}});
  flow::Trace b = a;
  b.roots[0].amount_fen = 69;
  b.roots[1].amount_fen = 31;
  flow::Trace c = a;
  c.roots[0].tx = 10;
  flow::Trace d = a;
  d.truncated = true;
  std::set<Hash256> digests = {internal::TraceDigest(a), internal::TraceDigest(b), internal::TraceDigest(c),
                               internal::TraceDigest(d)};
  CHECK(digests.size() == 4);
  CHECK(internal::TraceDigest(a) == internal::TraceDigest(flow::Trace(a)));
  flow::Trace moved;
  moved.roots.push_back({"org:c", 100, flow::Fate::kMovedOn, 3, {}});
  moved.roots[0].children = a.roots;
  const internal::FlowSummary s = internal::SummarizeTrace(moved, 100);
  CHECK(s.spent_fen == 70);
  CHECK(s.unspent_fen == 30);
  CHECK(s.untraced_fen == 0);
  CHECK(s.spends == 1);
  CHECK(s.nodes == 3);
  flow::Trace cut;
  cut.roots.push_back({"org:c", 100, flow::Fate::kMovedOn, 3, {}});
  CHECK(internal::SummarizeTrace(cut, 100).untraced_fen == 100);
}

}  // namespace
}  // namespace shanliu::api
