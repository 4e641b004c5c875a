#include "receipt_feed.h"

#include <algorithm>
#include <cassert>
#include <chrono>
#include <cstdio>

#include "exports.h"

namespace shanliu::api::internal {

std::string Rfc3339(std::uint64_t time_ms) {
  using namespace std::chrono;
  const sys_time<milliseconds> t{milliseconds(time_ms)};
  const sys_days day = floor<days>(t);
  const year_month_day ymd(day);
  const hh_mm_ss<milliseconds> hms(t - day);
  char out[32];
  std::snprintf(out, sizeof out, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()),
                static_cast<int>(hms.subseconds().count()));
  return out;
}

std::string AtomDocument(const AtomFeed& feed) {
  assert(!feed.entries.empty());
  std::uint64_t updated = 0;
  for (const AtomEntry& e : feed.entries) updated = std::max(updated, e.updated_ms);
  XmlWriter w;
  w.Open("feed", {{"xmlns", "http://www.w3.org/2005/Atom"}, {"xml:lang", feed.lang}});
  w.Text("id", {}, feed.id);
  w.Text("title", {{"type", "text"}}, feed.title);
  w.Text("subtitle", {{"type", "text"}}, feed.subtitle);
  w.Text("updated", {}, Rfc3339(updated));
  w.Open("author");
  w.Text("name", {}, feed.author);
  w.Close();
  w.Text("generator", {}, "shanliu");
  w.Empty("link", {{"rel", "self"}, {"type", "application/atom+xml"}, {"href", feed.self_link}});
  w.Empty("link", {{"rel", "alternate"}, {"type", "text/html"}, {"href", feed.alternate_link}});
  for (const AtomEntry& e : feed.entries) {
    w.Open("entry");
    w.Text("id", {}, e.id);
    w.Text("title", {{"type", "text"}}, e.title);
    w.Text("updated", {}, Rfc3339(e.updated_ms));
    w.Empty("link", {{"rel", "alternate"}, {"type", "text/html"}, {"href", e.link}});
    w.Text("summary", {{"type", "text"}}, e.summary);
    w.Close();
  }
  return w.Finish();
}

}  // namespace shanliu::api::internal
