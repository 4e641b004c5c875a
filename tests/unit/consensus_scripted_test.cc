#include <doctest/doctest.h>
#include <iostream>
#include "../sim/scripted_net.h"

using namespace shanliu;
using namespace shanliu::sim;
using cs::Step;

TEST_CASE("explore happy path") {
  ScriptedNet net({1, 1, 1, 1});
  std::cout << net.Start();
  std::cout << "---\n" << net.Stabilize();
}
