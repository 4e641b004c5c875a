#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include "shanliu/crypto/hash.h"

int main(int argc, char** argv) {
  shanliu::crypto::Init();
  doctest::Context context(argc, argv);
  return context.run();
}
