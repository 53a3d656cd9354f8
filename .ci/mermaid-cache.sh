#!/bin/sh
# Put Mermaid where Material's privacy plugin looks for it, so an offline
# build (CI has npm but no other internet) serves Mermaid from the site
# itself instead of trying to download it from unpkg.com.
#
# Material loads https://unpkg.com/mermaid@<major>/dist/mermaid.min.js; the
# privacy plugin caches that URL as
#   <cache_dir>/assets/external/unpkg.com/mermaid@<major>/dist/mermaid.min.js
# (cache_dir is set in mkdocs.yml: .cache/plugin/privacy). This script reads
# the URL from the installed Material bundle, fetches the same major version
# from the npm registry (npm pack) and places the file there.
#
# Usage: .ci/mermaid-cache.sh [CACHE_DIR]
#   CACHE_DIR         default: .cache/plugin/privacy in the repository
#   MERMAID_VERSION   npm version to fetch (default: the major Material asks for)
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
cache=${1:-$here/.cache/plugin/privacy}
python=${PYTHON:-python3}

url_path=$("$python" - <<'PY'
import glob, os, re, material
bundles = glob.glob(os.path.join(os.path.dirname(material.__file__),
                                 "templates/assets/javascripts/bundle.*.min.js"))
for bundle in bundles:
    m = re.search(r"//(unpkg\.com/mermaid@[^/\"']+/dist/mermaid\.min\.js)", open(bundle, encoding="utf-8").read())
    if m:
        print(m.group(1))
        break
else:
    raise SystemExit("mermaid-cache: no Mermaid URL found in Material's bundle")
PY
)
major=$(printf '%s\n' "$url_path" | sed -n 's|^unpkg\.com/mermaid@\([^/]*\)/.*|\1|p')
version=${MERMAID_VERSION:-$major}
target="$cache/assets/external/$url_path"

if [ -s "$target" ]; then
    echo "mermaid-cache: $target is already there"
    exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
(cd "$tmp" && npm pack --silent "mermaid@$version" >/dev/null)
tar -xzf "$tmp"/mermaid-*.tgz -C "$tmp" package/dist/mermaid.min.js package/package.json
mkdir -p "$(dirname "$target")"
cp "$tmp/package/dist/mermaid.min.js" "$target.part"
mv "$target.part" "$target"
got=$("$python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' "$tmp/package/package.json")
echo "mermaid-cache: mermaid $got -> $target"
