#!/bin/sh
# tools/deps.sh PURPOSE PACKAGE...
# Makes sure the Debian packages that PURPOSE (a word such as "book" or
# "tests") needs are installed.  Missing ones are installed with apt-get when
# we are root or have password-less sudo; otherwise we stop and print the
# exact command to run.  On a system without dpkg we only check the commands.
set -u
purpose=$1; shift

if ! command -v dpkg-query >/dev/null 2>&1; then
  for tool in notangle noweave cpif; do
    command -v "$tool" >/dev/null 2>&1 || {
      echo "conv2d: '$tool' (from noweb) is needed for the $purpose and was not found." >&2
      exit 1; }
  done
  exit 0
fi

missing=
for package in "$@"; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null)
  case "$status" in
    *"ok installed"*) ;;
    *) missing="$missing $package" ;;
  esac
done
[ -z "$missing" ] && exit 0

command="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" = 0 ]; then
  sudo=
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo="sudo "
else
  echo "conv2d: Debian packages needed for the $purpose are not installed:$missing" >&2
  echo "conv2d: install them with:" >&2
  echo "    sudo apt-get update && sudo $command" >&2
  exit 1
fi

echo "conv2d: installing the Debian packages needed for the $purpose:$missing"
export DEBIAN_FRONTEND=noninteractive
${sudo}apt-get update -q >/dev/null || {
  echo "conv2d: 'apt-get update' failed; run it yourself, then: $command" >&2; exit 1; }
${sudo}$command || {
  echo "conv2d: the installation failed; the command was: ${sudo}$command" >&2; exit 1; }
