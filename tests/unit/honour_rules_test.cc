// Issue 17 part 4, the opt-in honour list (docs/rules.md "Honour list"): HonourName signed by the
// holder alone, name limits, no organisation's key or name, and the rank index kept at commit
// (calendar years in UTC+8 by block time, deterministic ties, limits). Each refusal writes nothing.
#include <doctest/doctest.h>

#include "test_chain.h"

#include "shanliu/ledger/tx.h"
#include "shanliu/pb/shanliu.pb.h"

namespace shanliu {
namespace {

using testing::ExpectRejected;
using testing::TestChain;
using testing::TestKey;

std::string KeyStr(const crypto::KeyPair& k) { return std::string(k.public_key.begin(), k.public_key.end()); }

// 2027-01-01T00:00:00+08:00, i.e. 2026-12-31T16:00:00Z: the first millisecond of 2027 in Shanghai.
constexpr std::uint64_t kYear2027Ms = 1'798'732'800'000;

struct Honour {
  Honour() {
    REQUIRE(c.RegisterOrg("sunshine", pb::ORG_KIND_CHARITY, charity).ok());
  }

  Bytes Name(const crypto::KeyPair& holder, const std::string& name, std::vector<const crypto::KeyPair*> signers) {
    return c.MakeTx(
        [&](pb::TxBody& b) {
          b.mutable_honour_name()->set_holder(KeyStr(holder));
          b.mutable_honour_name()->set_display_name(name);
        },
        signers);
  }
  Bytes Name(const crypto::KeyPair& holder, const std::string& name) { return Name(holder, name, {&holder}); }
  void SetName(const crypto::KeyPair& holder, const std::string& name) { REQUIRE(c.Commit(Name(holder, name)).ok()); }

  // A self-reported gift of `yuan` to the charity earning yuan / 10 points for `holder`.
  Bytes Gift(const crypto::KeyPair& holder, std::int64_t yuan) {
    return c.DonationTx("org:sunshine", yuan * 100, charity, "", &holder);
  }
  void Earn(const crypto::KeyPair& holder, std::int64_t yuan, std::uint64_t block_ms = 0) {
    c.signing_time_ms = block_ms == 0 ? 0 : block_ms - 1000;
    REQUIRE(c.CommitBlock({Gift(holder, yuan)}, block_ms).front().ok());
    c.signing_time_ms = 0;
  }
  void Volunteer(const crypto::KeyPair& holder, std::uint32_t minutes) {
    const std::uint64_t at = c.ledger().head().time_ms() + 1000;
    const Bytes tx = c.MakeTx(
        [&](pb::TxBody& b) {
          auto* v = b.mutable_volunteer_service();
          v->set_charity_org("sunshine");
          v->set_holder(KeyStr(holder));
          v->set_minutes(minutes);
          v->set_activity("社区陪伴");
          v->set_occurred_at_ms(at);
        },
        {&charity, &holder});
    REQUIRE(c.Commit(tx).ok());
  }
  std::vector<ledger::HonourEntry> List(std::uint32_t year, std::size_t limit = 100) {
    return c.ledger().Read()->HonourList(year, limit);
  }
  std::optional<std::string> NameOf(const crypto::KeyPair& holder) {
    auto rec = c.ledger().Read()->HonourName(AsBytes(KeyStr(holder)));
    if (!rec) return std::nullopt;
    return rec->display_name();
  }

  TestChain c;
  crypto::KeyPair charity = TestKey("sunshine");
  crypto::KeyPair amy = TestKey("amy"), bo = TestKey("bo"), chen = TestKey("chen");
};

void ExpectRefusedStateless(TestChain& c, const Bytes& tx, const std::string& code) {
  auto decoded = ledger::DecodeTx(tx, c.genesis().chain_id);
  REQUIRE_FALSE(decoded.ok());
  CHECK(decoded.status().code() == code);
}

TEST_CASE("an honour name is set, renamed and cleared by the holder alone") {
  Honour t;
  t.SetName(t.amy, "小雨点");
  CHECK(t.NameOf(t.amy) == "小雨点");
  t.SetName(t.amy, "Rain Drop");
  CHECK(t.NameOf(t.amy) == "Rain Drop");
  t.SetName(t.amy, "");
  CHECK_FALSE(t.NameOf(t.amy).has_value());
}

TEST_CASE("an honour name signed by anyone but the holder is refused") {
  Honour t;
  ExpectRejected(t.c, t.Name(t.amy, "小雨点", {&t.bo}), "wrong_signer");
  ExpectRejected(t.c, t.Name(t.amy, "小雨点", {&t.charity}), "wrong_signer");
  ExpectRejected(t.c, t.Name(t.amy, "小雨点", {&t.c.bureau}), "wrong_signer");
  CHECK_FALSE(t.NameOf(t.amy).has_value());
  // Co-signed by the holder and someone else is still the holder's choice.
  REQUIRE(t.c.Commit(t.Name(t.amy, "小雨点", {&t.bo, &t.amy})).ok());
}

TEST_CASE("an organisation's key cannot take an honour name") {
  Honour t;
  ExpectRejected(t.c, t.Name(t.charity, "热心人"), "holder_is_org");
  ExpectRejected(t.c, t.Name(t.c.federation, "热心人"), "holder_is_org");
}

TEST_CASE("an honour name may not be an organisation's registered name") {
  Honour t;
  ExpectRejected(t.c, t.Name(t.amy, "sunshine"), "name_is_org");          // name_en
  ExpectRejected(t.c, t.Name(t.amy, "SunShine"), "name_is_org");          // ASCII case folded
  ExpectRejected(t.c, t.Name(t.amy, "sunshine（测试）"), "name_is_org");  // name_zh
  ExpectRejected(t.c, t.Name(t.amy, "federation"), "name_is_org");        // a genesis organisation
  // Close is not equal: a name that only contains an organisation's is a person's choice.
  t.SetName(t.amy, "sunshine fan");
}

TEST_CASE("honour name length and text limits") {
  Honour t;
  const std::string at_limit(ledger::TxLimits::kMaxHonourNameBytes, 'a');
  t.SetName(t.amy, at_limit);
  ExpectRefusedStateless(t.c, t.Name(t.bo, at_limit + "a"), "malformed");
  // 16 CJK characters are 48 bytes; a 17th is over.
  std::string cjk;
  for (int i = 0; i < 16; ++i) cjk += "善";
  t.SetName(t.bo, cjk);
  ExpectRefusedStateless(t.c, t.Name(t.chen, cjk + "善"), "malformed");
  ExpectRefusedStateless(t.c, t.Name(t.chen, "小雨\n点"), "control_character");
  ExpectRefusedStateless(t.c, t.Name(t.chen, "小雨\x1b[31m点"), "control_character");
  ExpectRefusedStateless(t.c, t.Name(t.chen, "\xc2\x85name"), "control_character");  // C1 NEL
  ExpectRefusedStateless(t.c, t.Name(t.chen, " 小雨点"), "malformed");
  ExpectRefusedStateless(t.c, t.Name(t.chen, "小雨点 "), "malformed");
  ExpectRefusedStateless(t.c, t.Name(t.chen, "13800138000"), "personal_data");  // a mobile number
}

TEST_CASE("an honour name that changes nothing is refused") {
  Honour t;
  ExpectRejected(t.c, t.Name(t.amy, ""), "honour_unchanged");  // nothing to clear
  t.SetName(t.amy, "小雨点");
  ExpectRejected(t.c, t.Name(t.amy, "小雨点"), "honour_unchanged");
}

TEST_CASE("the honour list shows only holders that chose a name, with the whole year's points") {
  Honour t;
  t.Earn(t.amy, 500);  // 50 points before opting in
  t.Earn(t.bo, 900);   // never opts in
  CHECK(t.List(2026).empty());
  t.SetName(t.amy, "小雨点");
  auto list = t.List(2026);
  REQUIRE(list.size() == 1);
  CHECK(list[0].display_name == "小雨点");
  CHECK(list[0].points == 50);
  CHECK(ToString(list[0].holder) == KeyStr(t.amy));
  t.Earn(t.amy, 100);
  t.Volunteer(t.amy, 90);  // 15 points, 90 minutes
  list = t.List(2026);
  REQUIRE(list.size() == 1);
  CHECK(list[0].points == 75);
  CHECK(list[0].minutes == 90);
  // A rename keeps the rank; a clear takes the holder off; a new name brings the year back.
  t.SetName(t.amy, "Rain");
  CHECK(t.List(2026).at(0).display_name == "Rain");
  t.SetName(t.amy, "");
  CHECK(t.List(2026).empty());
  t.SetName(t.amy, "小雨点");
  CHECK(t.List(2026).at(0).points == 75);
}

TEST_CASE("honour ranks by points, then minutes, then holder key, and honours the limit") {
  Honour t;
  for (const crypto::KeyPair* k : {&t.amy, &t.bo, &t.chen}) t.SetName(*k, "名-" + std::to_string(k->public_key[0]));
  t.Earn(t.amy, 300);
  t.Earn(t.bo, 300);
  t.Earn(t.chen, 200);
  t.Volunteer(t.chen, 60);  // 10 points: 30 points like the others, and 60 minutes
  auto list = t.List(2026);
  REQUIRE(list.size() == 3);
  CHECK(ToString(list[0].holder) == KeyStr(t.chen));  // same points, more minutes
  const bool amy_first = KeyStr(t.amy) < KeyStr(t.bo);
  CHECK(ToString(list[1].holder) == KeyStr(amy_first ? t.amy : t.bo));
  CHECK(ToString(list[2].holder) == KeyStr(amy_first ? t.bo : t.amy));
  t.Earn(amy_first ? t.bo : t.amy, 10);  // one point more moves the later key up
  list = t.List(2026);
  CHECK(ToString(list[0].holder) == KeyStr(amy_first ? t.bo : t.amy));
  CHECK(t.List(2026, 1).size() == 1);
  CHECK(t.List(2026, 2).size() == 2);
  CHECK(t.List(2026, 0).empty());
  CHECK(t.List(2026, 1000).size() == 3);
}

TEST_CASE("honour years are calendar years in Shanghai time, by block time") {
  Honour t;
  t.SetName(t.amy, "小雨点");
  t.Earn(t.amy, 100, kYear2027Ms - 1);  // 23:59:59.999 on 31 December in Shanghai: 2026
  t.Earn(t.amy, 200, kYear2027Ms);      // 00:00 on 1 January in Shanghai (16:00 UTC): 2027
  REQUIRE(t.List(2026).size() == 1);
  CHECK(t.List(2026)[0].points == 10);
  REQUIRE(t.List(2027).size() == 1);
  CHECK(t.List(2027)[0].points == 20);
  CHECK(t.List(2025).empty());
  // Clearing the name takes the holder off every year; setting it again puts both back.
  t.SetName(t.amy, "");
  CHECK(t.List(2026).empty());
  CHECK(t.List(2027).empty());
  t.SetName(t.amy, "Rain");
  CHECK(t.List(2026).size() == 1);
  CHECK(t.List(2027).size() == 1);
}

TEST_CASE("a refund takes its points off the honour year, never below zero") {
  Honour t;
  t.SetName(t.amy, "小雨点");
  const Bytes gift = t.Gift(t.amy, 500);
  REQUIRE(t.c.Commit(gift).ok());
  t.Earn(t.amy, 100);
  CHECK(t.List(2026).at(0).points == 60);
  const Hash256 id = t.c.Decode(gift).id;
  const Bytes refund = t.c.MakeTx(
      [&](pb::TxBody& b) {
        b.mutable_refund()->set_donation_tx_id(std::string(id.begin(), id.end()));
        b.mutable_refund()->set_reason("捐赠人申请退回");
      },
      {&t.charity});
  REQUIRE(t.c.Commit(refund).ok());
  CHECK(t.List(2026).at(0).points == 10);
}

TEST_CASE("a refunded gift from last year takes this year's points only down to zero") {
  Honour t;
  t.SetName(t.amy, "小雨点");
  const Bytes gift = t.Gift(t.amy, 500);
  REQUIRE(t.c.Commit(gift).ok());
  t.Earn(t.amy, 100, kYear2027Ms + 1000);  // 10 points in 2027
  const Hash256 id = t.c.Decode(gift).id;
  t.c.signing_time_ms = kYear2027Ms + 1000;
  const Bytes refund = t.c.MakeTx(
      [&](pb::TxBody& b) {
        b.mutable_refund()->set_donation_tx_id(std::string(id.begin(), id.end()));
        b.mutable_refund()->set_reason("捐赠人申请退回");
      },
      {&t.charity});
  REQUIRE(t.c.Commit(refund).ok());
  CHECK(t.List(2026).at(0).points == 50);  // the year it was earned keeps its record
  CHECK(t.List(2027).empty());             // 10 - 50 stops at 0: no row for nothing
}

}  // namespace
}  // namespace shanliu
