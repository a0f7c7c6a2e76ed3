# shellcheck shell=bash
# Sourced by the test scripts: `need WHO PACKAGE...` installs the Debian packages a script
# needs when run as root on Debian (apt-get update first), or else stops, saying what to
# install. Nothing to do when no package is given.
need() {
    local who=$1
    shift
    [ $# -gt 0 ] || return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "$who: installing $*" >&2
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
    else
        echo "$who: needs $*: install them first (Debian: sudo apt-get install $*)" >&2
        exit 1
    fi
}
