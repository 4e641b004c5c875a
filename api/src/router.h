// The route table, kept as data: every endpoint is one Route (method, path pattern, accepted
// query parameters, handler), so the OpenAPI test and /metrics can enumerate them.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "http_types.h"

namespace shanliu::api::internal {

class RequestContext;
using Handler = std::function<Response(RequestContext&)>;

struct Route {
  http::verb method = http::verb::get;
  std::string pattern;                    // "/v1/txs/{id}": a {name} segment matches any one segment
  std::vector<std::string> query_params;  // the only query parameters this route accepts
  Handler handler;
};

class Router {
 public:
  struct Match {
    const Route* route = nullptr;                 // null: no route for this method and path
    std::vector<std::string> params;              // decoded {name} segments, in pattern order
    std::vector<http::verb> allowed_methods;      // when the path exists under other methods
  };

  void Add(Route route);
  // `path` is the raw (percent-encoded) path without the query. HEAD matches GET routes.
  Result<Match> Find(http::verb method, std::string_view path) const;
  const std::vector<Route>& routes() const { return routes_; }

 private:
  struct Entry {
    std::vector<std::string> segments;
  };
  std::vector<Route> routes_;
  std::vector<Entry> entries_;  // parallel to routes_
};

// "/a/b/" -> {"a", "b", ""}; the leading slash is required (checked by the caller).
std::vector<std::string_view> SplitPath(std::string_view path);

}  // namespace shanliu::api::internal
