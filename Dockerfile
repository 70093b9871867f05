# tixsync in a container on Debian 12. The build stage compiles the program alone and packs it as
# the Debian package (the one tests/packaging/package_test.sh checks); the run stage installs that
# package, so it holds exactly the package's runtime dependencies (redis-server included, for the
# embedded Redis), and runs the node as the unprivileged user tixsync.
#
#   docker build -t tixsync .
#   docker run --rm -p 8080:8080 --stop-timeout 30 -v tixsync-data:/var/lib/tixsync \
#     -v "$PWD/tixsync.toml:/etc/tixsync/tixsync.toml:ro" --env-file tixsync.env tixsync

FROM debian:12 AS build
WORKDIR /src
COPY scripts/install-deps.sh scripts/
RUN bash scripts/install-deps.sh && rm -rf /var/lib/apt/lists/*
COPY . .
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
 && cmake --build build --target tixsync \
 && cpack --config build/CPackConfig.cmake -G DEB -B /out

FROM debian:12
COPY --from=build /out/tixsync_*.deb /tmp/
# The sample config listens on 127.0.0.1; in a container the listener faces the container's
# network (publish the port only where pretix and the operators reach it).
RUN apt-get update \
 && apt-get install -y --no-install-recommends /tmp/tixsync_*.deb \
 && rm -rf /var/lib/apt/lists/* /tmp/tixsync_*.deb \
 && useradd --system --user-group --home-dir /var/lib/tixsync --shell /usr/sbin/nologin tixsync \
 && install -d -o tixsync -g tixsync -m 0700 /var/lib/tixsync \
 && sed -i 's/^listen = "127.0.0.1"$/listen = "0.0.0.0"/' /etc/tixsync/tixsync.toml \
 && grep -qx 'listen = "0.0.0.0"' /etc/tixsync/tixsync.toml
USER tixsync
WORKDIR /var/lib/tixsync
VOLUME /var/lib/tixsync
EXPOSE 8080
ENTRYPOINT ["/usr/bin/tixsync"]
CMD ["run", "--config", "/etc/tixsync/tixsync.toml", "--data-dir", "/var/lib/tixsync"]
