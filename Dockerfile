# zhsearch container image.
#
#   docker build --build-arg COMMIT=$(git rev-parse --short=12 HEAD) -t zhsearch .
#   docker run -p 8080:8080 -v zhsearch-data:/data -e ZHSEARCH_API_KEY=… zhsearch
#
# /data starts empty (ZHSEARCH_SEED=true adds the demo page to a new index);
# a bind-mounted folder must be writable by uid 65532.
#
# Two stages: the official Go image builds one static binary, which carries the
# gse dictionary, the seed page and the time zone database; the final image is
# `scratch` with that binary, a passwd entry for the non-root user and /data.
# scripts/container-test.sh builds and runs this file in CI.

FROM golang:1.26-bookworm AS build

WORKDIR /src

# The module download is its own layer: it is reused until go.mod or go.sum
# change, so editing the code does not download the modules again.
# GOPROXY may be passed as a build argument for a private module mirror.
ARG GOPROXY
COPY go.mod go.sum ./
RUN go mod download

COPY . .

# VERSION and COMMIT are printed by `zhsearch version`; declared here so that
# changing them only rebuilds the binary. The build context has no .git (see
# .dockerignore), so the commit is known only if passed:
#   docker build --build-arg VERSION=$(git describe --tags --always) \
#                --build-arg COMMIT=$(git rev-parse --short=12 HEAD) -t zhsearch .
ARG VERSION=dev
ARG COMMIT=unknown
# CGO_ENABLED=0: a static binary that runs in `scratch`.
# -tags timetzdata: embed the time zone database (scratch has no
# /usr/share/zoneinfo and the newsroom's zone, Asia/Shanghai, must load).
# -tags ne: gse embeds none of its own dictionaries (a Japanese one and an
# IDF table among them, 30 MB); zhsearch embeds the one it loads (zh_s).
# The Go build cache is a cache mount: a rebuild compiles only what changed.
# RUN --mount needs BuildKit (Docker 23+ uses it by default; older Docker:
# DOCKER_BUILDKIT=1; buildah and podman understand it).
RUN --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -buildvcs=false -tags ne,timetzdata \
        -ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT}" \
        -o /out/zhsearch ./cmd/zhsearch \
    && mkdir -p /out/etc /out/data \
    && echo 'zhsearch:x:65532:65532:zhsearch:/data:/sbin/nologin' > /out/etc/passwd \
    && echo 'zhsearch:x:65532:' > /out/etc/group

FROM scratch

COPY --from=build /out/etc/passwd /out/etc/group /etc/
COPY --from=build --chown=65532:65532 /out/data /data
COPY --from=build /out/zhsearch /zhsearch

USER 65532:65532
ENV ZHSEARCH_LISTEN=:8080 \
    ZHSEARCH_DATA=/data
EXPOSE 8080
VOLUME /data

# `zhsearch healthcheck` asks /readyz of the address in ZHSEARCH_LISTEN and
# exits 0 or 1: the image has no shell and no curl. Loading the dictionary
# takes a few seconds, hence the start period.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["/zhsearch", "healthcheck"]

# SIGTERM stops accepting requests, finishes those in flight and closes the
# index before the process exits.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/zhsearch"]
CMD ["serve"]
