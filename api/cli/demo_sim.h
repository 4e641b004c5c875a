// A model of the ledger's interval-FIFO money flow (DESIGN 5) that the demo plans with:
// it keeps every account's balance, so no planned transfer or spend can overdraw, and it
// follows each donation's pieces so the demo can point at gifts that were partly spent.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

namespace shanliu::cli::demo {

struct GiftUse {
  std::int64_t amount = 0;
  std::int64_t moved = 0;     // fen that left its first account by transfer
  std::int64_t spent = 0;     // fen spent, wherever
  std::int64_t refunded = 0;
};

class FlowSim {
 public:
  // Money from outside; `gift` indexes gifts() (-1 for money not tracked, e.g. trust deposits).
  int AddGift(std::int64_t amount);
  void Inflow(const std::string& account, std::int64_t amount, int gift);
  // FIFO outflows; the caller keeps amount <= Balance(from) (asserted).
  void Transfer(const std::string& from, const std::string& to, std::int64_t amount);
  void Spend(const std::string& account, std::int64_t amount);
  // Removes what is left of `gift` in `account` (its first account); returns the amount.
  std::int64_t Refund(const std::string& account, int gift);
  // What of `gift` is still unconsumed in `account`.
  std::int64_t Remaining(const std::string& account, int gift) const;

  std::int64_t Balance(const std::string& account) const;
  const std::vector<GiftUse>& gifts() const { return gifts_; }

 private:
  struct Piece {
    int gift;
    std::int64_t amount;
    bool moved;  // arrived by transfer
  };
  std::deque<Piece> Take(const std::string& account, std::int64_t amount);

  std::map<std::string, std::deque<Piece>> queues_;
  std::map<std::string, std::int64_t> balances_;
  std::vector<GiftUse> gifts_;
};

}  // namespace shanliu::cli::demo
