#!/usr/bin/env bash
# Install front-end assets from the npm registry into the git-ignored static/vendor folder.
# Run by `make demo` and `make test`; nothing is fetched at run time.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=static/vendor
want="echarts@5.6.0 htmx.org@2.0.4"
if [ -f "$dest/.installed" ] && [ "$(cat "$dest/.installed")" = "$want" ]; then
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm init -y >/dev/null && npm install --silent --no-audit --no-fund $want >/dev/null)
mkdir -p "$dest"
cp "$tmp/node_modules/echarts/dist/echarts.min.js" "$dest/echarts.min.js"
cp "$tmp/node_modules/htmx.org/dist/htmx.min.js" "$dest/htmx.min.js"
echo "$want" > "$dest/.installed"
echo "static assets installed: $want"
