#include <fstream>
#include <cctype>
#include <iterator>
#include <optional>
#include <system_error>
#include <tuple>

#include "query.h"
#include "router.h"
#include "static_files.h"

namespace shanliu::api::internal {
namespace {

namespace fs = std::filesystem;

struct ContentTypeEntry {
  std::string_view extension;
  std::string_view type;
};

constexpr ContentTypeEntry kContentTypes[] = {
    {".html", "text/html; charset=utf-8"},
    {".htm", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json"},
    {".map", "application/json"},
    {".webmanifest", "application/manifest+json"},
    {".txt", "text/plain; charset=utf-8"},
    {".xml", "application/xml"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".jpg", "image/jpeg"},
    {".jpeg", "image/jpeg"},
    {".gif", "image/gif"},
    {".webp", "image/webp"},
    {".avif", "image/avif"},
    {".ico", "image/x-icon"},
    {".woff", "font/woff"},
    {".woff2", "font/woff2"},
    {".ttf", "font/ttf"},
    {".otf", "font/otf"},
    {".wasm", "application/wasm"},
    {".pdf", "application/pdf"},
};

Response NotFound() { return ErrorResponse("not_found", "no such file"); }

bool Inside(const fs::path& file, const fs::path& root) {
  const fs::path rel = file.lexically_relative(root);
  return !rel.empty() && *rel.begin() != "..";
}

// The canonical regular file for `candidate` if it exists inside `root`; a directory yields
// its index.html. Symlinks are resolved first, so a link pointing outside the root is refused.
std::optional<fs::path> Resolve(const fs::path& root, const fs::path& candidate) {
  std::error_code ec;
  fs::path file = fs::canonical(candidate, ec);
  if (ec || !Inside(file, root)) return std::nullopt;
  if (fs::is_directory(file, ec)) {
    file = fs::canonical(file / "index.html", ec);
    if (ec || !Inside(file, root)) return std::nullopt;
  }
  if (!fs::is_regular_file(file, ec) || ec) return std::nullopt;
  return file;
}

// The precompressed sibling of `file` the client accepts best, if the build wrote one.
std::optional<std::pair<fs::path, ContentCoding>> Precompressed(const fs::path& root, const fs::path& file,
                                                                const AcceptedCodings& accepted) {
  auto sibling = [&](ContentCoding coding) {
    return Resolve(root, fs::path(file.string() + std::string(CodingFileSuffix(coding))));
  };
  const auto gz = sibling(ContentCoding::kGzip);
  const auto br = sibling(ContentCoding::kBrotli);
  const ContentCoding chosen = accepted.Choose(gz.has_value(), br.has_value());
  if (chosen == ContentCoding::kBrotli) return std::make_pair(*br, chosen);
  if (chosen == ContentCoding::kGzip) return std::make_pair(*gz, chosen);
  return std::nullopt;
}

}  // namespace

std::string_view StaticFiles::ContentType(std::string_view extension) {
  std::string lower(extension);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const auto& entry : kContentTypes) {
    if (entry.extension == lower) return entry.type;
  }
  return "application/octet-stream";
}

Response StaticFiles::Serve(std::string_view raw_path, const AcceptedCodings& accepted) const {
  if (!enabled()) return ErrorResponse("not_found", "no such endpoint (this node serves no such files)");
  auto decoded = PercentDecode(raw_path, /*plus_is_space=*/false);
  if (!decoded.ok()) return ErrorResponse("invalid_path", decoded.status().message());
  if (decoded->empty() || decoded->front() != '/') return ErrorResponse("invalid_path", "the path must be absolute");

  fs::path relative;
  std::string_view last;
  for (std::string_view segment : SplitPath(*decoded)) {
    if (segment.empty()) continue;  // "//" collapses
    if (segment == "." || segment == "..") return ErrorResponse("invalid_path", "'.' and '..' are not allowed in paths");
    for (char c : segment) {
      const auto u = static_cast<unsigned char>(c);
      if (c == '\\' || c == ':' || u < 0x20 || u == 0x7f) {
        return ErrorResponse("invalid_path", "the path contains a character that is not allowed");
      }
    }
    if (segment.front() == '.') return NotFound();  // hidden files (.git, .env) are never served
    relative /= fs::path(std::string(segment));
    last = segment;
  }

  std::error_code ec;
  const fs::path root = fs::canonical(root_, ec);
  if (ec) return ErrorResponse("not_found", "the explorer directory does not exist");

  std::optional<fs::path> file = Resolve(root, root / relative);
  bool spa_fallback = false;
  if (!file) {
    // Client-side routes (/r/<code>, /orgs/<id>) have no extension; assets always do.
    if (mode_ == Mode::kDocuments || last.find('.') != std::string_view::npos) return NotFound();
    file = Resolve(root, root / "index.html");
    if (!file) return NotFound();
    spa_fallback = true;
  }

  const std::string content_type(ContentType(file->extension().string()));
  fs::path body_file = *file;
  ContentCoding coding = ContentCoding::kIdentity;
  if (IsCompressibleType(content_type)) {
    if (auto pre = Precompressed(root, *file, accepted)) std::tie(body_file, coding) = *pre;
  }
  const auto size = fs::file_size(body_file, ec);
  if (ec) return NotFound();
  if (size > kMaxFileBytes) return ErrorResponse("internal", "the file is larger than the static file limit");
  std::ifstream in(body_file, std::ios::binary);
  if (!in) return NotFound();
  Response r;
  r.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (in.bad()) return ErrorResponse("internal", "the file could not be read");
  r.content_type = content_type;
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  if (coding != ContentCoding::kIdentity) r.headers.emplace_back("Content-Encoding", std::string(CodingName(coding)));
  if (mode_ == Mode::kDocuments) r.headers.emplace_back("Content-Security-Policy", "sandbox; default-src 'none'");
  const bool hashed_asset = mode_ == Mode::kExplorer && !spa_fallback && relative.begin() != relative.end() &&
                            *relative.begin() == "assets";
  r.headers.emplace_back("Cache-Control", hashed_asset ? "public, max-age=31536000, immutable" : "no-cache");
  return r;
}

}  // namespace shanliu::api::internal
