#!/bin/sh
# Re-pin what the Docker image installs, each package with its sha256 hashes (pip
# --require-hashes), for CPython 3.11 on Linux (the image's python:3.11-slim):
#   deploy/build-requirements.lock  the build backend (setuptools, wheel), installed first so
#                                   that jieba (published as source only) and policybot itself
#                                   are built without fetching anything unpinned
#   deploy/requirements.lock        the runtime dependencies with every optional extra ([all])
# Pins already in a lock are kept unless they no longer fit pyproject.toml; pass --upgrade
# to move everything to the newest versions, or --upgrade-package NAME for one package.
# Needs uv (pip install uv) and PyPI. Run from anywhere: ./deploy/refresh-lock.sh [--upgrade]
set -eu
cd "$(dirname "$0")/.."
compile() {
    uv pip compile --python-version 3.11 --python-platform linux --generate-hashes \
        --custom-compile-command "./deploy/refresh-lock.sh" --quiet "$@"
}
compile deploy/build-requirements.in --output-file deploy/build-requirements.lock "$@"
compile pyproject.toml --extra all --output-file deploy/requirements.lock "$@"
