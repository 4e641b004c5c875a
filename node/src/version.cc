#include "shanliu/node/version.h"
namespace shanliu::node {
const char* VersionString() { return "shanliu 0.1.0"; }
}  // namespace shanliu::node
