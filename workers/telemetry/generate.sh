#!/usr/bin/env bash
# Regenerates src/gen/ (TypeScript message types for @bufbuild/protobuf) from proto/.
# Run after editing a .proto file; the generated files are committed, so neither the test
# command nor CI needs buf. buf and protoc-gen-es come from the npm registry on demand.
set -euo pipefail
cd "$(dirname "$0")"
npm exec --yes --package=@bufbuild/buf@1.75.0 --package=@bufbuild/protoc-gen-es@2.17.0 -- buf generate
