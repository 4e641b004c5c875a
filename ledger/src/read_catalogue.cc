// Reads of the merchant catalogue (state rows mc/<merchant>\0<item id>).
#include "shanliu/ledger/ledger.h"
#include "state_keys.h"

namespace shanliu::ledger {

std::optional<pb::CatalogueRecord> ReadView::CatalogueItem(std::string_view merchant, std::string_view item_id) const {
  return keys::Load<pb::CatalogueRecord>(state_, keys::CatalogueItem(merchant, item_id));
}

std::vector<pb::CatalogueRecord> ReadView::Catalogue(std::string_view merchant, std::string_view after_item,
                                                     std::size_t limit) const {
  std::vector<pb::CatalogueRecord> items;
  if (limit == 0) return items;
  const std::string prefix = keys::CataloguePrefix(merchant);
  // Item ids are [a-z0-9-], so "<after>\x01" is the first key strictly after `after_item`.
  const std::string start = after_item.empty() ? prefix : prefix + std::string(after_item) + '\x01';
  state_.Scan(prefix, start, "", [&](std::string_view key, std::string_view value) {
    pb::CatalogueRecord rec;
    if (!rec.ParseFromString(std::string(value))) {
      throw StorageCorrupt(PrintableStorageKey(key), "a catalogue record does not decode");
    }
    items.push_back(std::move(rec));
    return items.size() < limit;
  });
  return items;
}

}  // namespace shanliu::ledger
