#include "demo_sim.h"

#include <algorithm>
#include <cassert>

namespace shanliu::cli::demo {

int FlowSim::AddGift(std::int64_t amount) {
  gifts_.push_back(GiftUse{amount, 0, 0, 0});
  return static_cast<int>(gifts_.size()) - 1;
}

void FlowSim::Inflow(const std::string& account, std::int64_t amount, int gift) {
  assert(amount > 0);
  queues_[account].push_back(Piece{gift, amount, false});
  balances_[account] += amount;
}

std::deque<FlowSim::Piece> FlowSim::Take(const std::string& account, std::int64_t amount) {
  assert(amount > 0 && Balance(account) >= amount);
  std::deque<Piece>& q = queues_[account];
  std::deque<Piece> taken;
  while (amount > 0) {
    Piece& front = q.front();
    const std::int64_t n = std::min(front.amount, amount);
    taken.push_back(Piece{front.gift, n, front.moved});
    front.amount -= n;
    amount -= n;
    if (front.amount == 0) q.pop_front();
  }
  std::int64_t total = 0;
  for (const Piece& p : taken) total += p.amount;
  balances_[account] -= total;
  return taken;
}

void FlowSim::Transfer(const std::string& from, const std::string& to, std::int64_t amount) {
  for (Piece p : Take(from, amount)) {
    if (p.gift >= 0 && !p.moved) gifts_[static_cast<std::size_t>(p.gift)].moved += p.amount;
    p.moved = true;
    queues_[to].push_back(p);
    balances_[to] += p.amount;
  }
}

void FlowSim::Spend(const std::string& account, std::int64_t amount) {
  for (const Piece& p : Take(account, amount)) {
    if (p.gift >= 0) gifts_[static_cast<std::size_t>(p.gift)].spent += p.amount;
  }
}

std::int64_t FlowSim::Remaining(const std::string& account, int gift) const {
  auto it = queues_.find(account);
  if (it == queues_.end()) return 0;
  std::int64_t left = 0;
  for (const Piece& p : it->second) {
    if (p.gift == gift && !p.moved) left += p.amount;
  }
  return left;
}

std::int64_t FlowSim::Refund(const std::string& account, int gift) {
  const std::int64_t left = Remaining(account, gift);
  std::deque<Piece>& q = queues_[account];
  q.erase(std::remove_if(q.begin(), q.end(), [&](const Piece& p) { return p.gift == gift && !p.moved; }), q.end());
  balances_[account] -= left;
  gifts_[static_cast<std::size_t>(gift)].refunded += left;
  return left;
}

std::int64_t FlowSim::Balance(const std::string& account) const {
  auto it = balances_.find(account);
  return it == balances_.end() ? 0 : it->second;
}

}  // namespace shanliu::cli::demo
