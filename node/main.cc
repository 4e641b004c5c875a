#include <iostream>
#include "shanliu/node/version.h"
int main() { std::cout << shanliu::node::VersionString() << "\n"; return 0; }
