// Built explorer files (explorer/dist) for every GET outside /v1, /healthz and /metrics.
// Paths are percent-decoded once, split, and refused if any segment is "." or ".."; hidden
// files are not served; the resolved file (symlinks followed) must lie inside the root.
// Unknown extension-less paths get index.html, so the single-page app can route /r/<code>.
// A file with a precompressed sibling (app.js.br, app.js.gz, written by the explorer's build)
// is answered with the sibling the client accepts, with Content-Encoding and Vary set.
#pragma once

#include <filesystem>
#include <string_view>

#include "content_coding.h"
#include "http_types.h"

namespace shanliu::api::internal {

class StaticFiles {
 public:
  static constexpr std::size_t kMaxFileBytes = 32 << 20;

  // kExplorer: the single-page app (extension-less paths fall back to index.html, /assets/ is
  // immutable). kDocuments: plain files (disclosure documents) under a path prefix: no
  // fallback, always revalidated, and sandboxed so a document can never run script on the
  // explorer's origin.
  enum class Mode { kExplorer, kDocuments };
  explicit StaticFiles(std::filesystem::path root, Mode mode = Mode::kExplorer) : root_(std::move(root)), mode_(mode) {}
  bool enabled() const { return !root_.empty(); }

  // `raw_path` is the request path as sent (percent-encoded, without the query).
  Response Serve(std::string_view raw_path, const AcceptedCodings& accepted = {}) const;

  static std::string_view ContentType(std::string_view extension);

 private:
  std::filesystem::path root_;
  Mode mode_;
};

}  // namespace shanliu::api::internal
