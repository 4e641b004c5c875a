#include <algorithm>
#include <cassert>

#include "query.h"
#include "router.h"

namespace shanliu::api::internal {
namespace {

bool IsParameter(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

}  // namespace

std::vector<std::string_view> SplitPath(std::string_view path) {
  assert(!path.empty() && path.front() == '/');
  std::vector<std::string_view> out;
  path.remove_prefix(1);
  while (true) {
    const std::size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

void Router::Add(Route route) {
  assert(route.pattern.starts_with("/") && route.handler);
  Entry entry;
  for (std::string_view s : SplitPath(route.pattern)) entry.segments.emplace_back(s);
  routes_.push_back(std::move(route));
  entries_.push_back(std::move(entry));
}

Result<Router::Match> Router::Find(http::verb method, std::string_view path) const {
  const std::vector<std::string_view> segments = SplitPath(path);
  const http::verb wanted = method == http::verb::head ? http::verb::get : method;
  Match match;
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    const std::vector<std::string>& pattern = entries_[i].segments;
    if (pattern.size() != segments.size()) continue;
    std::vector<std::string> params;
    bool same = true;
    for (std::size_t s = 0; s < pattern.size() && same; ++s) {
      if (IsParameter(pattern[s])) {
        if (segments[s].empty()) {
          same = false;
          break;
        }
        auto decoded = PercentDecode(segments[s], /*plus_is_space=*/false);
        if (!decoded.ok()) return decoded.status();
        params.push_back(std::move(*decoded));
      } else {
        same = pattern[s] == segments[s];
      }
    }
    if (!same) continue;
    if (routes_[i].method == wanted) {
      match.route = &routes_[i];
      match.params = std::move(params);
      return match;
    }
    if (std::find(match.allowed_methods.begin(), match.allowed_methods.end(), routes_[i].method) ==
        match.allowed_methods.end()) {
      match.allowed_methods.push_back(routes_[i].method);
    }
  }
  return match;
}

}  // namespace shanliu::api::internal
