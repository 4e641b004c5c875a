#pragma once
namespace shanliu::node {
// "shanliu-node <semver>"; printed by --version and in /healthz.
const char* VersionString();
}  // namespace shanliu::node
