# okscim as a container image: build with the Rust toolchain, ship only the binary.
#
#   docker build -t okscim .
#   docker run --rm okscim run                       # the bundled scenarios against the embedded server
#   docker run --rm --network host -e SCIM_TOKEN okscim \
#       run --target http://127.0.0.1:8080/scim/v2 --token-env SCIM_TOKEN
#
# docs/ci.md ("Container image") explains the options; the reference server is inside the binary
# (`okscim serve`), so this one image is both the harness and the server.

# ---- build ------------------------------------------------------------------------------------
# rust:1 follows the latest stable release; okscim needs Rust 1.95 or later (rust-version in
# Cargo.toml). The slim image has gcc and libc6-dev, which is all that aws-lc-sys (the TLS
# crypto, built by reqwest's rustls feature) needs: it builds with cc, no cmake. jemalloc (the
# binary's allocator, built by tikv-jemalloc-sys) also needs make, installed below.
# Image names are fully qualified (docker.io/library/…) so that podman and buildah, which do not
# assume Docker Hub for a short name, build this file as Docker does.
FROM docker.io/library/rust:1-slim-bookworm AS build
WORKDIR /src
RUN apt-get update \
 && apt-get install -y --no-install-recommends make \
 && rm -rf /var/lib/apt/lists/*

# What the build reads, and nothing else:
# - the workspace manifests and lock file (cargo reads every member's manifest, and the [[test]]
#   and [[bench]] targets they declare are copied too, so that each declared path exists);
# - build.rs, which embeds every scenarios/**/*.yaml in the binary with include_str!;
# - src/ (src/cli/init/ is embedded by `okscim init`) and the reference-server crate.
# docs/ and snapshots/ are left out on purpose: only the tests read them, at run time, so copying
# them would only make a docs change rebuild the image.
COPY Cargo.toml Cargo.lock build.rs ./
COPY src ./src
COPY scenarios ./scenarios
COPY benches ./benches
COPY tests ./tests
COPY reference-server ./reference-server

RUN cargo build --release --locked --bin okscim

# ---- runtime ----------------------------------------------------------------------------------
FROM docker.io/library/debian:bookworm-slim AS runtime

LABEL org.opencontainers.image.title="okscim" \
      org.opencontainers.image.description="Okta SCIM conformance test harness and simulator" \
      org.opencontainers.image.licenses="Apache-2.0"

# CA certificates for https targets (rustls reads the system's trust store); nothing else: the
# binary needs only glibc and libgcc_s, which the base image has.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/*

# A non-root user, with a numeric id (Kubernetes' runAsNonRoot checks the number). /work is the
# working directory: reports (--junit, --json), snapshots and ./scenarios are relative to it;
# mount your checkout there to use your own scenarios and keep the reports.
RUN useradd --uid 10001 --user-group --no-log-init --home-dir /work --shell /usr/sbin/nologin okscim \
 && mkdir /work \
 && chown okscim:okscim /work

COPY --from=build /src/target/release/okscim /usr/local/bin/okscim

USER 10001:10001
WORKDIR /work
ENTRYPOINT ["okscim"]
CMD ["--help"]
