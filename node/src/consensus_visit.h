// std::visit over a set of lambdas.
#pragma once

namespace shanliu::node::consensus {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

}  // namespace shanliu::node::consensus
