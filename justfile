# routeval recipes. `just` lists them.

set shell := ["bash", "-euo", "pipefail", "-c"]

# List the recipes.
default:
    @just --list

# Run the bundled suite on the built-in simulator: ranking, reports, registry export.
quickstart:
    cargo run --release -p routeval-cli -- quickstart

# Run the whole test suite (what CI runs), with a throwaway PostgreSQL for the Postgres tests.
test:
    scripts/test.sh

# Format and lint as CI does.
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings

# The nightly job of docs/nightly.md on this machine: 2 nights of 3 shards on the simulator.
nightly:
    scripts/nightly-local.sh

# Serve the simulator on port 4141 (for `routeval run routeval.toml`).
sim:
    cargo run --release -p routeval-cli -- sim --port 4141

# Check the bundled suite without sending anything.
validate:
    cargo run --release -p routeval-cli -- validate routeval.toml

# Benchmarks (docs/PERFORMANCE.md): the release binary against a static loopback endpoint
# with wrk as the ceiling, the store's writer, rescore, grading and the analysis.
# `BENCH_CASES=10000 BENCH_MEMORY_CASES="1000 10000" just bench` for a quicker pass.
bench:
    scripts/bench.sh
