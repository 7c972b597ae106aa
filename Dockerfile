# syntax=docker/dockerfile:1
# check=error=true

# ---- build stage ---------------------------------------------------------
FROM golang:1.26-bookworm AS build

WORKDIR /src

# Dependencies first, so this layer is cached until go.mod/go.sum change.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download

COPY . .

ARG VERSION=dev
ARG COMMIT=unknown
ARG BUILD_TIME=unknown

# -tags noembedded leaves out the embedded mode (SQLite, in-process Redis):
# the image always runs against DATABASE_URL and REDIS_URL.
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -tags noembedded \
      -ldflags "-s -w -X github.com/reelview/reelview/app/buildinfo.Version=${VERSION} -X github.com/reelview/reelview/app/buildinfo.Commit=${COMMIT} -X github.com/reelview/reelview/app/buildinfo.BuildTime=${BUILD_TIME}" \
      -o /out/reelview ./app

# ---- runtime stage -------------------------------------------------------
FROM gcr.io/distroless/static-debian12:nonroot

ARG VERSION=dev
ARG COMMIT=unknown

LABEL org.opencontainers.image.title="reelview" \
      org.opencontainers.image.description="Reelview movie/TV review platform API" \
      org.opencontainers.image.source="https://github.com/reelview/reelview" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${COMMIT}"

COPY --from=build /out/reelview /reelview

USER nonroot:nonroot

# The API. Its metrics listener (METRICS_ADDR) stays on the container's
# loopback unless set, e.g. METRICS_ADDR=:9464 for a Prometheus on the same
# container network (docker-compose.yml); it is not meant to be published.
ENV APP_ENV=production HTTP_ADDR=:8080
EXPOSE 8080

HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD ["/reelview", "healthcheck"]

ENTRYPOINT ["/reelview"]
CMD ["serve"]
