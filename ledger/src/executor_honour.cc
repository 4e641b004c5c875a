// The opt-in honour list (光荣榜, issue 17 part 4): a holder may choose a display name
// (HonourName), and the ledger keeps, at commit, what each holder earned per calendar year so
// GET /v1/honour reads the top of a year by a prefix scan (no scan of every holder per request).
// Rules and error codes: docs/rules.md "Honour list"; key layout: docs/data-format.md.
#include <algorithm>
#include <cassert>
#include <cctype>
#include <string>
#include <vector>

#include "executor_internal.h"

namespace shanliu::ledger::internal {

namespace {

// Names compare as a reader would see them: outer ASCII spaces dropped, ASCII letters folded to
// lower case ("Sunshine Charity " reads as "sunshine charity"). CJK names compare byte for byte.
std::string Comparable(std::string_view name) {
  const auto first = name.find_first_not_of(' ');
  if (first == std::string_view::npos) return {};
  const auto last = name.find_last_not_of(' ');
  std::string out(name.substr(first, last - first + 1));
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
    return static_cast<char>(c < 0x80 ? std::tolower(c) : c);
  });
  return out;
}

// A year with nothing earned (all of it taken back) has no rank row: the list never shows zeros.
bool Ranked(const pb::HonourYear& y) { return y.points() > 0 || y.minutes() > 0; }

}  // namespace

// A display name that reads as an organisation's registered name (zh or en) would let a resident
// pose as that organisation on a public list. Organisations are few (the bureau registers each),
// so a scan of "o/" at the rare HonourName is cheaper than a name index kept at every RegisterOrg.
Status Applier::CheckNotOrgName(const std::string& name) const {
  const std::string wanted = Comparable(name);
  std::string clash;
  view_.Scan("o/", "o/", "", [&](std::string_view key, std::string_view value) {
    pb::OrgRecord org;
    if (!org.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      throw StorageCorrupt(PrintableStorageKey(key), "an organisation record does not decode");
    }
    if (Comparable(org.name_zh()) == wanted || Comparable(org.name_en()) == wanted) clash = org.org_id();
    return clash.empty();
  });
  if (clash.empty()) return Status::Ok();
  return Fail("name_is_org", "'" + name + "' is the registered name of organisation '" + clash +
                                 "'; a holder's display name may not pose as an organisation");
}

Status Applier::HonourName(const pb::HonourName& p) {
  if (!SignedByKey(p.holder())) {
    return Fail("wrong_signer", "an honour-list name must be signed by the holder's own wallet key");
  }
  if (view_.Get(keys::KeyOwner(p.holder()))) {
    return Fail("holder_is_org", "an organisation's key cannot appear on the residents' honour list");
  }
  const auto current = keys::Load<pb::HonourNameRecord>(view_, keys::HonourName(p.holder()));
  const std::string& name = p.display_name();
  if ((!current && name.empty()) || (current && current->display_name() == name)) {
    return Fail("honour_unchanged", name.empty() ? "the holder has no honour-list name to clear"
                                                 : "the holder's honour-list name is already '" + name + "'");
  }
  if (!name.empty()) {
    SHANLIU_RETURN_IF_ERROR(CheckNotOrgName(name));
    pb::HonourNameRecord rec;
    rec.set_display_name(name);
    rec.set_set_height(ctx_.height);
    keys::Store(view_, keys::HonourName(p.holder()), rec);
  } else {
    view_.Delete(keys::HonourName(p.holder()));
  }
  // Joining or leaving changes which rank rows exist; a rename keeps them (the name is read
  // from hn/ when the list is served).
  if (!current || name.empty()) SetHonourRanks(p.holder(), /*listed=*/!name.empty());
  view_.Put(keys::HolderActivity(p.holder(), ctx_.leaf), "");
  return Status::Ok();
}

// Adds (listed) or removes the holder's rank rows for every year it earned in. Years per holder
// are few (one row per calendar year with earnings), so this stays small.
void Applier::SetHonourRanks(const std::string& holder, bool listed) {
  const std::string prefix = keys::HonourYearPrefix(holder);
  std::vector<std::pair<std::uint32_t, pb::HonourYear>> years;
  view_.Scan(prefix, prefix, "", [&](std::string_view key, std::string_view value) {
    assert(key.size() == prefix.size() + 8);
    pb::HonourYear y;
    if (!y.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      throw StorageCorrupt(PrintableStorageKey(key), "an honour-year record does not decode");
    }
    years.emplace_back(static_cast<std::uint32_t>(ReadU64(AsBytes(key.substr(prefix.size())))), y);
    return true;
  });
  for (const auto& [year, y] : years) {
    if (!Ranked(y)) continue;
    const std::string rank = keys::HonourRank(year, y.points(), y.minutes(), holder);
    if (listed) {
      view_.Put(rank, "");
    } else {
      view_.Delete(rank);
    }
  }
}

// Called wherever a holder's points or banked minutes are credited (points_added, minutes_added)
// or points are taken back (points_taken), dated by the block: its calendar year in UTC+8. Points
// taken back never take a year below zero: a refund in January of a gift made in December lowers
// January only as far as it has points (docs/decisions.md "Honour list").
void Applier::AddHonourYear(const std::string& holder, std::uint64_t points_added, std::uint64_t points_taken,
                            std::uint64_t minutes_added) {
  const std::uint32_t year = BeijingYear(ctx_.time_ms);
  const std::string key = keys::HonourYear(holder, year);
  const pb::HonourYear old = keys::Load<pb::HonourYear>(view_, key).value_or(pb::HonourYear());
  pb::HonourYear now = old;
  now.set_points(AddCount(old.points(), points_added));
  now.set_points(now.points() - std::min(now.points(), points_taken));
  now.set_minutes(AddCount(old.minutes(), minutes_added));
  if (now.points() == old.points() && now.minutes() == old.minutes()) return;
  keys::Store(view_, key, now);
  if (!view_.Get(keys::HonourName(holder))) return;  // not opted in: no rank row
  if (Ranked(old)) view_.Delete(keys::HonourRank(year, old.points(), old.minutes(), holder));
  if (Ranked(now)) view_.Put(keys::HonourRank(year, now.points(), now.minutes(), holder), "");
}

}  // namespace shanliu::ledger::internal
