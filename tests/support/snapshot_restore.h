// A chain's head restored into a new store as state sync does, minus the network: the snapshot is
// built from the chain's committed view, every chunk handed to a Restorer, the store opened.
#pragma once

#include <doctest/doctest.h>

#include <filesystem>
#include <memory>

#include "shanliu/ledger/ledger.h"
#include "shanliu/ledger/snapshot.h"
#include "test_chain.h"

namespace shanliu::testing {

// The restore makes its directory (it must not exist yet): `dir`/store.
inline std::unique_ptr<ledger::Ledger> RestoreSnapshot(TestChain& chain, const std::filesystem::path& dir) {
  auto built = ledger::snapshot::Snapshot::Build(chain.ledger().Read(), 4096);
  REQUIRE(built.ok());
  auto manifest = ledger::snapshot::DecodeManifest(AsBytes((*built)->manifest_bytes()), chain.genesis());
  REQUIRE(manifest.ok());
  auto restorer = ledger::snapshot::Restorer::Begin(dir / "store", chain.genesis(), *manifest, false);
  REQUIRE(restorer.ok());
  for (std::uint32_t i = 0; i < (*built)->chunk_count(); ++i) {
    auto chunk = (*built)->Chunk(i);
    REQUIRE(chunk.ok());
    REQUIRE((*restorer)->Add(i, AsBytes(*chunk)).ok());
  }
  REQUIRE((*restorer)->Finish().ok());
  auto opened = ledger::Ledger::Open(dir / "store", chain.genesis());
  REQUIRE_MESSAGE(opened.ok(), opened.status().ToString());
  return std::move(*opened);
}

}  // namespace shanliu::testing
