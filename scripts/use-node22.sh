# Sourced by .ci/run and the README's commands: puts Node >= 22 first on PATH. When the
# machine's node is older, the npm registry's `node@22` package (a real Node 22 binary) is
# installed once into .node22/ and used from there.
major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$major" -lt 22 ]; then
  root="$(pwd)/.node22"
  if [ ! -x "$root/node_modules/.bin/node" ]; then
    echo "Node $major found; installing Node 22 from npm into $root" >&2
    npm install --prefix "$root" --no-save --no-audit --no-fund node@22 >&2
  fi
  export PATH="$root/node_modules/.bin:$PATH"
fi
node --version >&2
