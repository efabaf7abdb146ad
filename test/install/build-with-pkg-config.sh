#!/bin/sh
# Builds the consumer with the flags the installed anec.pc gives.
#   build-with-pkg-config.sh PREFIX SOURCE.c OUTPUT
set -eu
PKG_CONFIG_PATH="$1/lib/pkgconfig" exec sh -c \
  "clang-19 '$2' \$(pkg-config --cflags --libs anec) -o '$3'"
