#!/usr/bin/env bash
# container-test.sh builds the project's Dockerfile and runs the image, on a
# machine without a Docker daemon and without a registry, as CI does:
#
#   1. installs buildah (and busybox-static, curl, jq) from Debian if missing;
#   2. assembles, from this machine's Go toolchain, CA certificates and
#      busybox-static, a local stand-in for the Go image the Dockerfile's build
#      stage names (no registry can be reached);
#   3. builds the real Dockerfile with `buildah bud --isolation chroot` in a
#      private vfs store, then rebuilds after a source edit to show that the
#      module download layer is reused;
#   4. checks the image: non-root user, port, volume, environment, stop signal,
#      health check, entrypoint, the files it holds, its size (under 50 MB);
#   5. runs the image's entrypoint with `buildah run --isolation chroot` (host
#      network) on a test data folder: /readyz, a search for 二七经开区 with a
#      <mark> snippet, the health check, auth on writes, POST /v1/articles
#      with the API key and a search that finds it, SIGTERM and a clean exit,
#      a second container on the same data folder that still finds the
#      article, and the health check failing once it is gone.
#
# Every step is announced; the first that fails names itself and exits 1.
# Everything the script creates (containers, images, its store, temporary
# folders, processes) is removed on exit, failed or not.
#
# Usage: scripts/container-test.sh        (as root; CI calls it from .ci/run)
#        CONTAINER_TEST_LOGS=DIR keeps the build and server logs in DIR.
set -Eeuo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
t0=$SECONDS

STEP="start"
step() {
	STEP=$*
	printf '== container: %s (%ds)\n' "$*" $((SECONDS - t0))
}
fail() {
	printf '\ncontainer-test: FAIL in step "%s": %s\n' "$STEP" "$*" >&2
	exit 1
}
trap 'rc=$?; printf "\ncontainer-test: FAIL in step \"%s\": command exited %d at line %d: %s\n" "$STEP" "$rc" "$LINENO" "$BASH_COMMAND" >&2' ERR

[ "$(id -u)" -eq 0 ] || { STEP="start"; fail "run as root (buildah with the vfs driver and chroot isolation needs it)"; }

image=localhost/zhsearch:container-test
api_key="container-test-key-$RANDOM$RANDOM"
version="container-test-$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)"
seed_title="二七经开区位居全省先进制造业开发区第二档(200亿至400亿元)第六名"
art_id="container-test-0001"
art_title="郑州航空港区开通第二条国际冷链货运航线"

# ---------------------------------------------------------------- cleanup --
work=""
server_pid=""
run_pids=()

# descendants PID: every process below PID.
descendants() {
	local c
	for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do
		echo "$c"
		descendants "$c"
	done
}

# kill_tree PID: SIGKILL a process and everything below it.
kill_tree() {
	local p
	for p in $(descendants "$1") "$1"; do kill -KILL "$p" 2>/dev/null || true; done
	wait "$1" 2>/dev/null || true
}

bh() { buildah --root "$work/storage" --runroot "$work/runroot" --storage-driver vfs "$@"; }

cleanup() {
	local rc=$? p
	trap - ERR
	set +e
	for p in "${run_pids[@]}"; do
		if kill -0 "$p" 2>/dev/null; then
			echo "container-test: killing leftover buildah run $p" >&2
			kill_tree "$p"
		fi
	done
	if [ -n "$work" ] && [ -d "$work" ]; then
		if [ -n "${CONTAINER_TEST_LOGS:-}" ]; then
			mkdir -p "$CONTAINER_TEST_LOGS" && cp "$work"/*.log "$CONTAINER_TEST_LOGS"/ 2>/dev/null
		fi
		if [ -d "$work/storage" ]; then
			bh umount --all >/dev/null 2>&1
			bh rm --all >/dev/null 2>&1
			bh rmi --all --force >/dev/null 2>&1
		fi
		# Nothing should be mounted below $work (chroot isolation mounts in its
		# own namespace), but never rm -rf through a mount.
		grep -F " $work/" /proc/self/mounts | awk '{print $2}' | sort -r | while read -r m; do
			umount -l "$m"
		done
		rm -rf "$work" || echo "container-test: could not remove $work" >&2
	fi
	if [ "$rc" -eq 0 ]; then
		printf 'container-test: PASS in %ds\n' $((SECONDS - t0))
	else
		printf 'container-test: FAILED after %ds (cleaned up)\n' $((SECONDS - t0)) >&2
	fi
	exit "$rc"
}
trap cleanup EXIT

# ---------------------------------------------------------------- tools ----
step "install buildah, busybox-static, curl, jq, procps if missing"
pkgs=()
command -v buildah >/dev/null || pkgs+=(buildah)
dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'install ok installed' || pkgs+=(busybox-static)
command -v curl >/dev/null || pkgs+=(curl)
command -v jq >/dev/null || pkgs+=(jq)
command -v ps >/dev/null || pkgs+=(procps)
if [ ${#pkgs[@]} -gt 0 ]; then
	echo "installing ${pkgs[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get -o DPkg::Lock::Timeout=600 update -qq
	apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${pkgs[@]}" >/dev/null
fi
buildah --version
[ -x /bin/busybox ] || fail "busybox-static did not install /bin/busybox"
[ -x /usr/local/go/bin/go ] || fail "no Go toolchain at /usr/local/go to put in the builder stand-in"
[ -f /etc/ssl/certs/ca-certificates.crt ] || fail "no /etc/ssl/certs/ca-certificates.crt (package ca-certificates)"

work=$(mktemp -d "${TMPDIR:-/tmp}/zhsearch-container-test.XXXXXX")
mkdir -p "$work/tmp" "$work/storage" "$work/runroot"
# buildah stages build contexts and layers in TMPDIR: keep them in $work.
export TMPDIR="$work/tmp"

# ---------------------------------------------------------------- builder --
step "assemble the Go builder base image the Dockerfile names"
base=$(awk 'toupper($1) == "FROM" && $2 != "scratch" { print $2; exit }' Dockerfile)
[ -n "$base" ] || fail "Dockerfile has no FROM with a base image"
case "$base" in
*/*) first=${base%%/*} ;;
*) first="" ;;
esac
if [ -z "$first" ]; then
	base_ref="docker.io/library/$base"
elif [[ "$first" == *.* || "$first" == *:* || "$first" == localhost ]]; then
	base_ref="$base"
else
	base_ref="docker.io/$base"
fi
tag=${base##*:}
go_version=$(/usr/local/go/bin/go env GOVERSION) # go1.26.8
go_minor=$(echo "$go_version" | sed -E 's/^go([0-9]+\.[0-9]+).*/\1/')
[[ "$base" == golang:* || "$base" == */golang:* ]] || fail "build stage is FROM $base; this script can stand in only for golang images"
[[ "$tag" == "$go_minor"* ]] || fail "Dockerfile wants $base but this machine has $go_version: the stand-in would lie"
echo "standing in for $base_ref with $go_version"

rootfs="$work/rootfs"
mkdir -p "$rootfs"/{bin,usr/bin,usr/local,etc/ssl/certs,tmp,root,go/bin,go/src}
# The toolchain without what only Go's own tests and docs use.
tar -C /usr/local -cf - --exclude=go/test --exclude=go/api --exclude=go/doc --exclude=go/misc \
	--exclude='go/src/*/testdata' --exclude='go/src/*_test.go' go | tar -C "$rootfs/usr/local" -xf -
cp /bin/busybox "$rootfs/bin/busybox"
for a in $(/bin/busybox --list); do
	[ -e "$rootfs/bin/$a" ] || ln -s busybox "$rootfs/bin/$a"
done
ln -s /bin/env "$rootfs/usr/bin/env"
cp -L /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$rootfs/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"
printf 'hosts: files dns\n' >"$rootfs/etc/nsswitch.conf"
chmod 1777 "$rootfs/tmp" "$rootfs/go" "$rootfs/go/bin" "$rootfs/go/src"
chmod 700 "$rootfs/root"

ctr=$(bh from scratch)
mnt=$(bh mount "$ctr")
cp -a "$rootfs/." "$mnt/"
bh umount "$ctr" >/dev/null
# The environment of the official image.
bh config \
	--env GOLANG_VERSION="${go_version#go}" \
	--env GOTOOLCHAIN=local \
	--env GOPATH=/go \
	--env PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	--workingdir /go \
	--cmd /bin/sh \
	--created-by "scripts/container-test.sh: stand-in for $base_ref" \
	"$ctr"
bh commit --quiet --rm "$ctr" "$base_ref" >/dev/null
rm -rf "$rootfs"
bh images

# ---------------------------------------------------------------- build ----
commit=$(git -C "$repo" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
build_args=(--build-arg "VERSION=$version" --build-arg "COMMIT=$commit")
[ -n "${GOPROXY:-}" ] && build_args+=(--build-arg "GOPROXY=$GOPROXY")
bud() {
	bh bud --isolation chroot --pull=never --format docker --layers "${build_args[@]}" "$@"
}

step "build the Dockerfile with buildah bud --isolation chroot"
t_build=$SECONDS
if ! bud -t "$image" -f Dockerfile "$repo" >"$work/build.log" 2>&1; then
	tail -n 60 "$work/build.log" >&2
	fail "buildah bud failed (last lines above)"
fi
grep -E '^(STEP|COMMIT|-->)' "$work/build.log" || true
echo "built in $((SECONDS - t_build))s"

step "rebuild after a source edit: the module download layer is reused"
# A copy of the context with one Go file changed: go.mod and go.sum are not,
# so the `go mod download` step must come from the cache and `go build` not.
ctx="$work/context"
mkdir -p "$ctx"
tar -C "$repo" --exclude=.git -cf - . | tar -C "$ctx" -xf -
echo '// container-test: an edit that must not invalidate the module download' >>"$ctx/cmd/zhsearch/main.go"
if ! bud -t localhost/zhsearch:container-test-rebuild -f "$ctx/Dockerfile" "$ctx" >"$work/rebuild.log" 2>&1; then
	tail -n 60 "$work/rebuild.log" >&2
	fail "the second buildah bud failed (last lines above)"
fi
# buildah prints "--> Using cache <id>" right after a step it took from cache.
awk '/STEP [0-9]/ { s = $0 } /Using cache/ { print s }' "$work/rebuild.log" >"$work/cached-steps"
cat "$work/cached-steps"
grep -q 'RUN go mod download' "$work/cached-steps" || fail "'RUN go mod download' was run again after a source edit: not a cached layer"
if grep -q 'go build' "$work/cached-steps"; then fail "'go build' came from cache although a source file changed"; fi
bh rmi --force localhost/zhsearch:container-test-rebuild >/dev/null
rm -rf "$ctx"

# ---------------------------------------------------------------- image ----
step "inspect the image configuration"
bh inspect --type image "$image" >"$work/inspect.json"
cfg() { jq -c "$1" "$work/inspect.json"; }
expect_cfg() { # expect_cfg JQ WANT WHAT
	local got
	got=$(cfg "$1")
	[ "$got" = "$2" ] || fail "$3: $1 is $got, want $2"
	echo "ok: $3 = $got"
}
expect_cfg '.Docker.config.User' '"65532:65532"' "runs as the non-root user"
expect_cfg '.Docker.config.Entrypoint' '["/zhsearch"]' "entrypoint"
expect_cfg '.Docker.config.Cmd' '["serve"]' "command"
expect_cfg '.Docker.config.ExposedPorts | keys' '["8080/tcp"]' "exposed port"
expect_cfg '.Docker.config.Volumes | keys' '["/data"]' "volume"
expect_cfg '[.Docker.config.Env[] | select(startswith("ZHSEARCH_"))] | sort' '["ZHSEARCH_DATA=/data","ZHSEARCH_LISTEN=:8080"]' "environment"
expect_cfg '.Docker.config.StopSignal' '"SIGTERM"' "stop signal"
expect_cfg '.Docker.config.Healthcheck.Test' '["CMD","/zhsearch","healthcheck"]' "health check"
expect_cfg '.OCIv1.config.User' '"65532:65532"' "OCI config user"
mapfile -t entry < <(jq -r '(.OCIv1.config.Entrypoint // []) + (.OCIv1.config.Cmd // []) | .[]' "$work/inspect.json")
mapfile -t healthcheck < <(jq -r '.Docker.config.Healthcheck.Test[1:] | .[]' "$work/inspect.json")

step "inspect the image's files: static binary, passwd entry, /data owned by the user"
ctr=$(bh from --pull=never "$image")
mnt=$(bh mount "$ctr")
(cd "$mnt" && find . -mindepth 1 | sort | sed 's/^\./  /')
files=$(cd "$mnt" && find . -mindepth 1 | sort | tr '\n' ' ')
[ "$files" = "./data ./etc ./etc/group ./etc/passwd ./zhsearch " ] || fail "unexpected files in the image: $files"
grep -qx 'zhsearch:x:65532:65532:zhsearch:/data:/sbin/nologin' "$mnt/etc/passwd" || fail "/etc/passwd lacks the zhsearch user: $(cat "$mnt/etc/passwd")"
[ "$(stat -c %u:%g "$mnt/data")" = "65532:65532" ] || fail "/data is owned by $(stat -c %u:%g "$mnt/data"), want 65532:65532"
if grep -qa '/lib64/ld-linux\|/lib/ld-linux\|/lib/ld-musl' "$mnt/zhsearch"; then fail "/zhsearch names a dynamic loader: not a static binary"; fi
bin_bytes=$(stat -c %s "$mnt/zhsearch")
echo "ok: /zhsearch is $((bin_bytes / 1024 / 1024)) MiB, static; /data is 65532:65532"
size=$(du -sb "$mnt" | cut -f1)
bh umount "$ctr" >/dev/null

step "image size (target: under 50 MB)"
bh images --filter "reference=$image"
bh push --quiet "$image" "oci:$work/oci:zhsearch" >/dev/null
pushed=$(du -sb "$work/oci/blobs" | cut -f1)
rm -rf "$work/oci"
mb() { awk -v s="$1" 'BEGIN { printf "%.1f MB", s / 1e6 }'; }
echo "image size: $size bytes ($(mb "$size")) unpacked, $pushed bytes ($(mb "$pushed")) compressed as pushed"
# 50 MB is the target (the image is ~25 MB): over it, something that does
# not belong there (gse's own dictionaries without the ne tag, a toolchain,
# a shell, a corpus) has got into the image, and that fails.
if [ "$size" -ge 50000000 ]; then fail "the image is $(mb "$size"), over the 50 MB target (the binary alone is $(mb "$bin_bytes"))"; fi

step "zhsearch version prints the stamped version"
out=$(bh run --isolation chroot "$ctr" -- /zhsearch version 2>&1) || fail "zhsearch version exited non-zero: $out"
echo "$out"
[[ "$out" == *"$version"* ]] || fail "zhsearch version printed \"$out\", want it to contain $version (set by -ldflags -X main.version)"
[[ "$out" == *"($commit)"* ]] || fail "zhsearch version printed \"$out\", want the commit ($commit, set by -ldflags -X main.commit)"
bh rm "$ctr" >/dev/null

# ---------------------------------------------------------------- run ------
data="$work/data" # the test data folder; /data is the image's VOLUME
mkdir -p "$data"
chown 65532:65532 "$data"

port=""
for _ in $(seq 1 50); do
	p=$((20000 + RANDOM % 40000))
	if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
		port=$p
		break
	fi
done
[ -n "$port" ] || fail "no free port found on 127.0.0.1"
base_url="http://127.0.0.1:$port"

# start_server CONTAINER LOG: runs the image's entrypoint and command. A data
# folder starts empty unless ZHSEARCH_SEED=true: the test asks for the demo
# page, to search it (the Go tests show the empty start).
start_server() {
	# In the background, without the ERR trap: start_server itself reports
	# a container that exits.
	(trap - ERR; exec buildah --root "$work/storage" --runroot "$work/runroot" --storage-driver vfs \
		run --isolation chroot \
		--volume "$data:/testdata" \
		--env "ZHSEARCH_LISTEN=127.0.0.1:$port" \
		--env ZHSEARCH_DATA=/testdata \
		--env "ZHSEARCH_API_KEY=$api_key" \
		--env ZHSEARCH_SEED=true \
		"$1" -- "${entry[@]}") >"$2" 2>&1 &
	server_pid=$!
	run_pids+=("$server_pid")
	server_log=$2
	local i
	for i in $(seq 1 240); do
		if curl -fsS -o /dev/null "$base_url/readyz" 2>/dev/null; then
			echo "ready after $((i / 2))s: $base_url (buildah run $server_pid)"
			return 0
		fi
		if ! kill -0 "$server_pid" 2>/dev/null; then
			tail -n 30 "$server_log" >&2
			fail "the container exited before /readyz answered (log above)"
		fi
		sleep 0.5
	done
	tail -n 30 "$server_log" >&2
	fail "/readyz did not answer 200 within 120s (log above)"
}

# zhsearch_pid: the zhsearch process that buildah run started.
zhsearch_pid() {
	local p
	for p in $(descendants "$server_pid"); do
		if [ "$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)" = "${entry[*]} " ]; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# stop_server: SIGTERM to the container's process, as `docker stop` sends it.
stop_server() {
	local zp rc=0 i
	zp=$(zhsearch_pid) || fail "no process '${entry[*]}' below buildah run $server_pid"
	kill -TERM "$zp"
	for i in $(seq 1 60); do
		kill -0 "$server_pid" 2>/dev/null || break
		sleep 0.5
	done
	if kill -0 "$server_pid" 2>/dev/null; then
		tail -n 20 "$server_log" >&2
		fail "still running 30s after SIGTERM (log above)"
	fi
	wait "$server_pid" || rc=$?
	if [ "$rc" -ne 0 ]; then
		tail -n 20 "$server_log" >&2
		fail "exit status $rc after SIGTERM, want 0 (log above)"
	fi
	echo "ok: exited 0 within $((i / 2))s of SIGTERM"
}

# search Q: GET /v1/search?q=Q with snippets, into $work/res.json.
search() {
	local code
	code=$(curl -sS -o "$work/res.json" -w '%{http_code}' -G "$base_url/v1/search" \
		--data-urlencode "q=$1" --data-urlencode "snippets=3") || fail "GET /v1/search?q=$1: curl failed"
	[ "$code" = 200 ] || fail "GET /v1/search?q=$1 answered $code: $(head -c 400 "$work/res.json")"
}

check_seed() {
	search 二七经开区
	jq -e --arg t "$seed_title" \
		'.total == 1 and ([.hits[] | select(.title == $t and any(.snippets[]?; contains("<mark>二七经开区</mark>")))] | length) == 1' \
		"$work/res.json" >/dev/null ||
		fail "search 二七经开区 did not return exactly the seed article with a <mark>二七经开区</mark> snippet: $(head -c 600 "$work/res.json")"
	echo "ok: 二七经开区 → $(jq -r '[.hits[0].snippets[] | select(contains("<mark>二七经开区</mark>"))][0][0:80]' "$work/res.json")"
}

check_posted() {
	search 航空港
	jq -e --arg id "$art_id" --arg t "$art_title" \
		'[.hits[] | select(.id == $id and .title == $t and any(.snippets[]?, (.title_html // ""); contains("<mark>")))] | length == 1' \
		"$work/res.json" >/dev/null ||
		fail "search 航空港 did not find the posted article $art_id with a <mark>: $(head -c 600 "$work/res.json")"
	echo "ok: 航空港 → $art_id: $(jq -r --arg id "$art_id" '.hits[] | select(.id == $id) | (.snippets[0] // .title_html)[0:80]' "$work/res.json")"
	code=$(curl -sS -o "$work/art.json" -w '%{http_code}' "$base_url/v1/articles/$art_id")
	[ "$code" = 200 ] || fail "GET /v1/articles/$art_id answered $code: $(head -c 400 "$work/art.json")"
	jq -e --arg t "$art_title" '.title == $t and (.paragraphs | length) == 2' "$work/art.json" >/dev/null ||
		fail "GET /v1/articles/$art_id: $(head -c 600 "$work/art.json")"
}

# healthcheck WANT: runs the image's HEALTHCHECK command in its own container,
# with ZHSEARCH_LISTEN=:PORT as the image's :8080 would be.
healthcheck() {
	local hc rc=0
	hc=$(bh from --pull=never "$image")
	bh run --isolation chroot --env "ZHSEARCH_LISTEN=:$port" "$hc" -- "${healthcheck[@]}" >"$work/hc.log" 2>&1 || rc=$?
	bh rm "$hc" >/dev/null
	if [ "$1" = up ] && [ "$rc" -ne 0 ]; then
		fail "'${healthcheck[*]}' exited $rc with the server up, want 0: $(head -c 400 "$work/hc.log")"
	fi
	if [ "$1" = down ] && [ "$rc" -ne 1 ]; then
		fail "'${healthcheck[*]}' exited $rc with the server down, want 1: $(head -c 400 "$work/hc.log")"
	fi
	echo "ok: '${healthcheck[*]}' exited $rc with the server $1"
}

# The article the test posts.
article=$(jq -nc --arg id "$art_id" --arg t "$art_title" '{
	id: $id, title: $t, published_at: "2026-11-26T09:30:00+08:00", source: "container-test",
	section: "经济", authors: ["测试"],
	paragraphs: [
		"郑州航空港区今天开通第二条国际冷链货运航线,首批进口鲜活水产品当天即可运抵本地市场。",
		"航空港区有关负责人介绍,新航线每周执飞三班,将进一步降低冷链物流成本。"
	]}')

step "run the image (buildah run --isolation chroot, data in /testdata) and wait for /readyz"
ctr=$(bh from --pull=never "$image")
start_server "$ctr" "$work/run1.log"

step "the container process runs as 65532, not root"
zp=$(zhsearch_pid) || fail "no process '${entry[*]}' below buildah run $server_pid"
uids=$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$zp/status")
[ "$uids" = "65532 65532 65532 65532" ] || fail "the process's uids are $uids, want 65532"
echo "ok: pid $zp uid $uids"

step "search 二七经开区 returns the seed article with a <mark> snippet"
check_seed

step "the image's HEALTHCHECK passes while the server is up"
healthcheck up

step "POST /v1/articles without the API key is refused"
code=$(curl -sS -o "$work/post.json" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
	--data-binary "$article" "$base_url/v1/articles")
[ "$code" = 401 ] || fail "POST /v1/articles without a key answered $code, want 401: $(head -c 400 "$work/post.json")"
jq -e '.error.code != null' "$work/post.json" >/dev/null || fail "401 without the error shape: $(head -c 400 "$work/post.json")"
echo "ok: 401 $(jq -c .error "$work/post.json")"

step "POST /v1/articles with the API key, then search finds it"
code=$(curl -sS -o "$work/post.json" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
	-H "Authorization: Bearer $api_key" --data-binary "$article" "$base_url/v1/articles")
[[ "$code" == 2?? ]] || fail "POST /v1/articles with the key answered $code: $(head -c 400 "$work/post.json")"
echo "ok: $code $(jq -c . "$work/post.json" 2>/dev/null | cut -c1-300)"
check_posted

step "SIGTERM stops the container cleanly"
stop_server
bh rm "$ctr" >/dev/null
[ -n "$(ls -A "$data")" ] || fail "the data folder is empty after the server stopped: ZHSEARCH_DATA was not used"
echo "data folder: $(du -sh "$data" | cut -f1), owned by $(stat -c %u:%g "$data")"

step "a new container on the same data folder still has the article"
ctr=$(bh from --pull=never "$image")
start_server "$ctr" "$work/run2.log"
check_posted
check_seed

step "stop the second container; the HEALTHCHECK then fails"
stop_server
bh rm "$ctr" >/dev/null
healthcheck down

printf 'image %s: %s unpacked, %s compressed\n' "$image" "$(mb "$size")" "$(mb "$pushed")"
