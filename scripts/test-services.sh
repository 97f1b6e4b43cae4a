#!/usr/bin/env bash
# Make sure the services the test suite runs against are installed and running:
# PostgreSQL and Redis on loopback, Debian's Chromium and the Noto CJK fonts it
# needs to draw Japanese, and openssl. Installs or starts what it can; otherwise it stops with
# a message saying what is missing. Fast when everything is already up.
set -euo pipefail

DATABASE_URL=${TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/tsunagari_test}
REDIS_URL=${TEST_REDIS_URL:-redis://127.0.0.1:6379/15}
CHROMIUM=/usr/bin/chromium

say() { printf 'test-services: %s\n' "$*"; }
fail() {
    printf 'test-services: %s\n' "$*" >&2
    exit 1
}

# Host and port of a URL such as scheme://user@host:port/path.
url_host() {
    local rest=${1#*://}
    rest=${rest%%/*}
    rest=${rest##*@}
    if [[ $rest == \[* ]]; then
        rest=${rest#[}
        printf '%s' "${rest%%]*}"
    else
        printf '%s' "${rest%%:*}"
    fi
}
url_port() {
    local rest=${1#*://} default=$2
    rest=${rest%%/*}
    rest=${rest##*@}
    rest=${rest##*]}
    if [[ $rest == *:* ]]; then
        printf '%s' "${rest##*:}"
    else
        printf '%s' "$default"
    fi
}
is_local() { [[ $1 == 127.0.0.1 || $1 == localhost || $1 == ::1 ]]; }

# Wait up to $1 seconds for the command that follows to succeed.
wait_for() {
    local seconds=$1
    shift
    local deadline=$((SECONDS + seconds))
    until "$@" >/dev/null 2>&1; do
        ((SECONDS < deadline)) || return 1
        sleep 0.2
    done
}

# Packages are collected first so that apt-get runs at most once.
MISSING_PACKAGES=()
need_package() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed' \
        || MISSING_PACKAGES+=("$1")
}

install_missing_packages() {
    ((${#MISSING_PACKAGES[@]})) || return 0
    if ((EUID != 0)); then
        fail "missing packages: ${MISSING_PACKAGES[*]}." \
            "Install them as root: apt-get install ${MISSING_PACKAGES[*]}"
    fi
    command -v apt-get >/dev/null || fail "apt-get not found; install ${MISSING_PACKAGES[*]} by hand"
    say "installing ${MISSING_PACKAGES[*]}"
    apt-get update -qq || fail "apt-get update failed"
    # Whether a package's own service script starts its server depends on the
    # init system; the checks below start whatever is still not running.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${MISSING_PACKAGES[@]}" >/dev/null \
        || fail "apt-get install ${MISSING_PACKAGES[*]} failed"
}

# --- packages ---------------------------------------------------------------

PG_HOST=$(url_host "$DATABASE_URL")
PG_PORT=$(url_port "$DATABASE_URL" 5432)
REDIS_HOST=$(url_host "$REDIS_URL")
REDIS_PORT=$(url_port "$REDIS_URL" 6379)

command -v dpkg-query >/dev/null || fail "this script expects a Debian system (dpkg-query not found)"
need_package chromium
need_package fonts-noto-cjk
# The mail tests make a throwaway TLS certificate with it.
command -v openssl >/dev/null || need_package openssl
# A remote server needs only the client tools to check it.
if is_local "$PG_HOST"; then pg_package=postgresql; else pg_package=postgresql-client; fi
for tool in pg_isready psql $([[ $pg_package == postgresql ]] && echo pg_ctlcluster); do
    command -v "$tool" >/dev/null || {
        need_package "$pg_package"
        break
    }
done
if is_local "$REDIS_HOST"; then
    command -v redis-server >/dev/null && command -v redis-cli >/dev/null || need_package redis-server
else
    command -v redis-cli >/dev/null || need_package redis-tools
fi
install_missing_packages
[[ -x $CHROMIUM ]] || fail "$CHROMIUM is missing although the chromium package is installed"

# --- PostgreSQL ---------------------------------------------------------------

# The newest PostgreSQL version that has a folder under $1, if any.
latest_version() {
    { find "$1" -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null || true; } | sort -V | tail -n 1
}
pg_ready() { pg_isready -q -h "$PG_HOST" -p "$PG_PORT"; }
pg_answers() { psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -w -d postgres -tAc 'SELECT 1' >/dev/null 2>&1; }

if ! pg_ready; then
    is_local "$PG_HOST" || fail "PostgreSQL at $PG_HOST:$PG_PORT does not answer (TEST_DATABASE_URL)"
    ((EUID == 0)) || fail "PostgreSQL is not running on $PG_HOST:$PG_PORT; start it as root:" \
        "pg_ctlcluster --skip-systemctl-redirect <version> main start"
    version=$(latest_version /etc/postgresql)
    if [[ -z $version ]]; then
        version=$(latest_version /usr/lib/postgresql)
        say "creating PostgreSQL $version cluster"
        pg_createcluster "$version" main >/dev/null
    fi
    say "starting PostgreSQL $version"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start \
        || fail "PostgreSQL $version did not start; see /var/log/postgresql/"
    wait_for 30 pg_ready || fail "PostgreSQL did not accept connections on $PG_HOST:$PG_PORT within 30 s"
fi

if ! pg_answers; then
    # A fresh Debian cluster asks for passwords over TCP; the tests connect as
    # postgres without one, which is only acceptable on loopback.
    is_local "$PG_HOST" && ((EUID == 0)) \
        || fail "cannot connect to PostgreSQL at $PG_HOST:$PG_PORT as postgres without a password"
    version=$(latest_version /etc/postgresql)
    hba=/etc/postgresql/$version/main/pg_hba.conf
    say "allowing password-less loopback connections in $hba"
    rules=$(cat "$hba")
    # Rewritten in place so the file keeps its owner and mode.
    printf 'host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n%s\n' "$rules" >"$hba"
    pg_ctlcluster --skip-systemctl-redirect "$version" main reload
    wait_for 10 pg_answers || fail "PostgreSQL still refuses password-less connections; check $hba"
fi

# --- Redis --------------------------------------------------------------------

redis_ready() { [[ $(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>/dev/null) == PONG ]]; }

if ! redis_ready; then
    is_local "$REDIS_HOST" || fail "Redis at $REDIS_HOST:$REDIS_PORT does not answer (TEST_REDIS_URL)"
    ((EUID == 0)) || fail "Redis is not running on $REDIS_HOST:$REDIS_PORT; start it as root" \
        "with redis-server --daemonize yes --port $REDIS_PORT"
    say "starting Redis"
    mkdir -p /var/lib/redis /var/log/redis
    # Nothing is persisted: the tests flush their database anyway.
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" \
        --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log \
        || fail "redis-server did not start; see /var/log/redis/ci.log"
    wait_for 10 redis_ready || fail "Redis did not answer on $REDIS_HOST:$REDIS_PORT within 10 s"
fi

say "PostgreSQL, Redis, Chromium and Noto CJK fonts are ready"
