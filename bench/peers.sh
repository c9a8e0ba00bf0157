#!/usr/bin/env bash
# procpool's TaskPool against PHP's pcntl pool and Python's pools, same workloads, interleaved rounds in one sitting.
# Writes a Markdown table (medians, ranges, procpool/PHP and procpool/Python ratios) and a PNG chart.
#
#   bench/peers.sh [--rounds 3] [--out bench/out] [--peers ../shared/bench] [--quick] [--window | --stream] [--queue N] [--warmup N]
#
# Installs what it needs when missing (Debian, as root): php-cli (PHP's pcntl and sockets), gnuplot-nox (the chart),
# python3, maven and a JDK only if absent. Builds the examples jar with `mvn package -DskipTests` when it is not
# there (never `install`). Not part of the test run: CI needs none of this.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v php >/dev/null 2>&1 || need+=(php-cli)
command -v gnuplot >/dev/null 2>&1 || need+=(gnuplot-nox)
command -v python3 >/dev/null 2>&1 || need+=(python3)
command -v mvn >/dev/null 2>&1 || need+=(maven)
command -v java >/dev/null 2>&1 || need+=(openjdk-17-jdk-headless)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi
php -r 'exit(function_exists("pcntl_fork") && function_exists("socket_create_pair") ? 0 : 1);' || {
  echo "php lacks pcntl or sockets (Debian's php-cli has both)" >&2; exit 1; }

if [ ! -f pool-examples/target/procpool-examples.jar ]; then
  mvn -q -B -ntp package -DskipTests
fi
exec python3 bench/peers.py "$@"
