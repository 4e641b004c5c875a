// TestChain (tests/support) reports through doctest's CHECK in one helper the fuzz code never
// calls; its symbols still need a definition outside the doctest test binaries.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>
