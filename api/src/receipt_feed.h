// A receipt as an Atom 1.0 feed (RFC 4287), for donors who follow a gift from a feed reader:
// one entry per movement of the gift's money. The document is built from plain strings by
// XmlWriter (exports.h), which escapes every text and attribute value; nothing here writes
// markup from data.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace shanliu::api::internal {

struct AtomEntry {
  std::string id;       // a URI, unique and stable: urn:shanliu:receipt:<code>:tx:<tx code>
  std::string title;
  std::string summary;  // plain text
  std::string link;     // alternate (the explorer page), root-relative
  std::uint64_t updated_ms = 0;
};

struct AtomFeed {
  std::string id;         // urn:shanliu:receipt:<code>
  std::string lang;       // xml:lang: "zh-CN" or "en"
  std::string title;
  std::string subtitle;
  std::string author;     // the recording organisation
  std::string self_link;  // root-relative: resolved against the feed's own URL (RFC 4287 §2)
  std::string alternate_link;
  std::vector<AtomEntry> entries;  // newest first
};

// RFC 3339 in UTC with milliseconds: 2025-06-09T16:00:00.000Z.
std::string Rfc3339(std::uint64_t time_ms);

// The feed's <updated> is its newest entry's (never the wall clock), so the document is a pure
// function of the ledger. A feed must have at least one entry (the gift itself).
std::string AtomDocument(const AtomFeed& feed);

}  // namespace shanliu::api::internal
