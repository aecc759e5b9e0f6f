# rtcgate-b2bua image.
# b2bua: calls between browsers and SIP equipment (sofia-sip NUA).
# Build from the top of the repository (compose.yaml does):
#   docker build -f docker/b2bua.Dockerfile -t rtcgate/b2bua .
# Settings: the environment variables of README ("Configuration"); the
# service's own defaults apply, relative paths from /opt/rtcgate.

# Build stage.  The Makefile passes the compiler flags of every library to
# every object (one pkg-config call for all), so each image's build stage
# installs all of tools/deps.sh's -dev packages; the five Dockerfiles share
# this stage's text word for word, so Docker builds its layers once.
FROM debian:bookworm AS build
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential pkg-config \
      libssl-dev libjansson-dev libnats-dev libglib2.0-dev \
      libsofia-sip-ua-dev libsofia-sip-ua-glib-dev libwebsockets-dev \
      libnice-dev libsrtp2-dev libopus-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Makefile ./
COPY common/ common/
COPY docker/healthcheck.c docker/
# The health probe of every image (see docker/healthcheck.c).
RUN mkdir -p build/release/bin \
 && cc -std=gnu11 -O2 -g -Wall -Wextra -Werror docker/healthcheck.c \
      -o build/release/bin/rtcgate-healthcheck \
      $(pkg-config --cflags --libs libnats jansson openssl)
COPY services/b2bua/ services/b2bua/
ARG VERSION
RUN make -j"$(nproc)" ${VERSION:+VERSION=$VERSION} \
      build/release/bin/rtcgate-b2bua

# Run stage: the runtime libraries only, a non-root user.
FROM debian:bookworm-slim
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libssl3 libjansson4 libnats3.4 libglib2.0-0 libsofia-sip-ua0 \
      libsofia-sip-ua-glib3 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 10001 rtcgate \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin rtcgate
WORKDIR /opt/rtcgate
COPY --from=build /src/build/release/bin/rtcgate-b2bua \
     /src/build/release/bin/rtcgate-healthcheck /usr/local/bin/
# A library missing from the list above fails the build, not the start.
RUN ! ldd /usr/local/bin/rtcgate-b2bua /usr/local/bin/rtcgate-healthcheck \
      | grep 'not found'
USER 10001:10001
EXPOSE 5060/udp 5060/tcp
# Health is on the bus: the probe asks this container's instance over
# NATS_URL (a process can be alive and cut off from NATS: services
# reconnect forever); the start period covers RTCGATE_BUS_DEADLINE.
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
  CMD ["rtcgate-healthcheck", "b2bua"]
ENTRYPOINT ["rtcgate-b2bua"]
