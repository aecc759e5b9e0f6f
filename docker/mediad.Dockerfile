# rtcgate-mediad image.
# mediad: ICE-lite, DTLS-SRTP, SRTP, RTP relay, Opus <-> G.711.
# Build from the top of the repository (compose.yaml does):
#   docker build -f docker/mediad.Dockerfile -t rtcgate/mediad .
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
COPY services/mediad/ services/mediad/
ARG VERSION
RUN make -j"$(nproc)" ${VERSION:+VERSION=$VERSION} \
      build/release/bin/rtcgate-mediad

# Run stage: the runtime libraries only, a non-root user.
FROM debian:bookworm-slim
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libssl3 libjansson4 libnats3.4 libglib2.0-0 libnice10 libsrtp2-1 \
      libopus0 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 10001 rtcgate \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin rtcgate
WORKDIR /opt/rtcgate
COPY --from=build /src/build/release/bin/rtcgate-mediad \
     /src/build/release/bin/rtcgate-healthcheck /usr/local/bin/
# A library missing from the list above fails the build, not the start.
RUN ! ldd /usr/local/bin/rtcgate-mediad /usr/local/bin/rtcgate-healthcheck \
      | grep 'not found'
USER 10001:10001
EXPOSE 20000-29999/udp
# Health is on the bus: the probe asks this container's instance over
# NATS_URL (a process can be alive and cut off from NATS: services
# reconnect forever); the start period covers RTCGATE_BUS_DEADLINE.
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
  CMD ["rtcgate-healthcheck", "mediad"]
ENTRYPOINT ["rtcgate-mediad"]
