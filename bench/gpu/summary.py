"""Writes OUT/summary.md from what bench/gpu/run.sh left in OUT: the trainer's and PyTorch's JSON
reports, the stamped stage logs, the nvidia-smi samples and stages.tsv.

Usage: python3 summary.py OUT [TORCH_DEVICE] [ITERS]
"""
import csv
import json
import re
import sys
from pathlib import Path

MIB = 2**20


def read_json(path):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def stamped_lines(path):
    """(seconds, text) for each '[12.345] text' line of a stage log."""
    lines = []
    try:
        for line in path.read_text(errors="replace").splitlines():
            match = re.match(r"\[(\d+\.\d+)\] ?(.*)", line)
            if match:
                lines.append((float(match[1]), match[2]))
    except OSError:
        pass
    return lines


def first_time(lines, pattern):
    return next((t for t, text in lines if re.search(pattern, text)), None)


def read_samples(path):
    """{'gpu': [(t, MiB)], 'app': [(t, MiB summed over pids, pids)]} from a sampler CSV."""
    gpu, apps = [], {}
    try:
        with path.open() as f:
            for row in csv.DictReader(f):
                t, used = float(row["seconds"]), int(row["used_MiB"])
                if row["source"] == "gpu":
                    gpu.append((t, used))
                else:
                    total, pids = apps.get(t, (0, set()))
                    apps[t] = (total + used, pids | {row["pid"]})
    except (OSError, ValueError, KeyError):
        pass
    return {"gpu": gpu, "app": sorted((t, used, pids) for t, (used, pids) in apps.items())}


def mib(size_bytes):
    return "" if size_bytes is None else f"{size_bytes / MIB:,.1f} MiB"


def fmt(value, digits=2):
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


class Stage:
    """One stage's window in time (launch to exit, from its log) and its nvidia-smi readings."""

    def __init__(self, out, name, marker):
        self.lines = stamped_lines(out / f"{name}.log")
        self.launch = first_time(self.lines, r"^launch$")
        self.exit = first_time(self.lines, r"^exit -?\d+$")
        self.marker = first_time(self.lines, marker)
        self.samples = read_samples(out / f"{name}-nvidia-smi.csv")

    @property
    def wall(self):
        return None if self.launch is None or self.exit is None else self.exit - self.launch

    def readings(self, source):
        """(baseline, at the marker, at the end, peak) for 'gpu' (memory.used less the idle baseline) or 'app'."""
        rows = self.samples[source]
        if not rows or self.launch is None:
            return None
        end_t = self.exit if self.exit is not None else rows[-1][0]
        if source == "gpu":
            idle = [used for t, used in rows if t <= self.launch]
            baseline = min(idle) if idle else min(used for _, used in rows)
            window = [(t, used - baseline) for t, used in rows if self.launch <= t <= end_t]
            held = [(t, used) for t, used in window if used > 0]
        else:
            baseline = None
            window = [(t, used) for t, used, _ in rows if self.launch <= t <= end_t]
            held = window
        if not window:
            return None
        at_marker = next(((t, used) for t, used in window if self.marker is not None and t >= self.marker), None)
        return baseline, at_marker, held[-1] if held else None, max(used for _, used in window)


def status(rc):
    return {"skipped": "skipped", "not run": "not run", "124": "timed out", "137": "timed out"}.get(rc, f"exit {rc}")


def log_rate(lines):
    """For a run without a report: its pace between the last two logged steps, validation included."""
    logged = [(t, int(m[1])) for t, text in lines if (m := re.match(r"step\s+(\d+):", text))]
    if len(logged) < 2:
        return ""
    (t0, s0), (t1, s1) = logged[-2:]
    return f"; the log reached step {s1}, {(t1 - t0) * 1000 / (s1 - s0):.1f} ms/step from step {s0} (its validation pass included)"


def reading(sample, step0=None, ms_per_step=None):
    if sample is None:
        return ""
    t, used = sample
    text = f"{used:,} MiB (t={t:.1f} s"
    if step0 is not None and ms_per_step:
        text += f", ≈ step {max(0, (t - step0) * 1000 / ms_per_step):.0f}"
    return text + ")"


def main():
    out = Path(sys.argv[1])
    torch_device = sys.argv[2] if len(sys.argv) > 2 else "cuda"
    stages = {}
    try:
        for line in (out / "stages.tsv").read_text().splitlines():
            name, rc, command = line.split("\t", 2)
            stages[name] = (rc, command)
    except OSError:
        pass
    kindling = read_json(out / "webgpu.json")
    gpujs = read_json(out / "gpujs.json")
    gpujs_stage = Stage(out, "gpujs", r"step\s+0:")
    torch_name = f"pytorch-{torch_device}"
    torch = read_json(out / f"{torch_name}.json")
    probe = read_json(out / "adapter.json") or {}
    webgpu_stage = Stage(out, "webgpu", r"step\s+0:")
    torch_stage = Stage(out, torch_name, r"^step 10$")

    md = []
    iters = (kindling or torch or {}).get("iterations") or (sys.argv[3] if len(sys.argv) > 3 else "?")
    md.append(f"# Kindling webgpu and gpujs vs PyTorch {torch_device}: the MNIST tutorial, {iters} steps\n")
    try:
        gpu_rows = list(csv.reader((out / "nvidia-smi.csv").read_text().splitlines()))
        md.append(f"- GPU (nvidia-smi): {', '.join(f'{k.strip()} {v.strip()}' for k, v in zip(gpu_rows[0], gpu_rows[1]))}")
    except (OSError, IndexError):
        md.append("- GPU: no nvidia-smi")
    adapter = probe.get("adapter")
    if adapter:
        fallback = " — **a CPU fallback adapter, not the GPU**" if adapter.get("isFallbackAdapter") else ""
        md.append(f"- WebGPU adapter (Dawn): {adapter['vendor']} / {adapter['architecture']} / {adapter['device']} / {adapter['description']}{fallback}")
    if probe.get("backend"):
        md.append(f"- probe: webgpu backend started in {probe['backend']['startMs']:.0f} ms; 128×784×512 matmul max abs error {probe['backend']['matmulMaxAbsError']:.1e}")
    if probe.get("problem"):
        md.append(f"- probe: **{probe['problem']}**")
    try:
        md.append(f"- kit: {'; '.join((out / 'kit-info.txt').read_text().splitlines()[:3])}")
    except OSError:
        pass

    md.append("\n| implementation | steps | ms/step (median) | training s | stage wall s | test accuracy % | × PyTorch ms/step |")
    md.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    torch_ms = torch.get("msPerStep") if torch else None
    rows = [("kindling webgpu", "webgpu", kindling, webgpu_stage), ("kindling gpujs (gpu.js webgpu mode)", "gpujs", gpujs, gpujs_stage), (f"pytorch {torch['torch']} {torch_device}" if torch else f"pytorch {torch_device}", torch_name, torch, torch_stage)]
    for label, stage, report, timing in rows:
        rc = stages.get(stage, ("not run", ""))[0]
        if report:
            ratio = f"{report['msPerStep'] / torch_ms:.2f}" if torch_ms else ""
            md.append(f"| {label} | {report['iterations']} | {fmt(report['msPerStep'])} | {fmt(report['trainSeconds'])} | {fmt(timing.wall, 1)} | {fmt(report['testAccuracy'])} | {ratio} |")
        else:
            where = "the probe found no usable adapter: see probe.log" if rc == "skipped" else f"no report: see {stage}.log{log_rate(timing.lines)}"
            md.append(f"| {label} | {status(rc)} ({where}) | | | {fmt(timing.wall, 1)} | | |")
    md.append("\nms/step is each side's median over the steps after the first 20. The trainer's training seconds include its validation passes (every `--log-every` steps, 1000 by default); PyTorch's loop has none. Stage wall s is process start to exit: startup, data loading and the final evaluation included.")

    failed = [(name, rc) for name, (rc, _) in stages.items() if rc not in ("0",)]
    for name, rc in failed:
        tail = "\n".join(text for _, text in stamped_lines(out / f"{name}.log")[-8:])
        if not tail:
            continue
        md.append(f"\n**{name}: {status(rc)}**; the end of {name}.log:\n\n```\n{tail}\n```")

    md.append("\n## GPU memory\n")
    md.append("| measure | at step 10 | at the end | peak |")
    md.append("| --- | ---: | ---: | ---: |")
    memory = (kindling or {}).get("memory") or {}
    for key in dict.fromkeys([*(memory.get("step10") or {}), *(memory.get("end") or {})]):
        values = [(memory.get(when) or {}).get(key) for when in ("step10", "end")]
        shown = [mib(v) if key.endswith("Bytes") and v is not None else fmt(v) for v in values]
        md.append(f"| kindling `memory.{key}` (trainer report) | {shown[0]} | {shown[1]} | |")
    if kindling and not memory:
        md.append("| kindling trainer report | no `memory` field in webgpu.json | | |")
    torch_memory = (torch or {}).get("memory") or {}
    for key in ("allocatedBytes", "reservedBytes", "peakAllocatedBytes"):
        if any(key in (torch_memory.get(when) or {}) for when in ("step10", "end")):
            values = [(torch_memory.get(when) or {}).get(key) for when in ("step10", "end")]
            md.append(f"| pytorch `torch.cuda` {key} | {mib(values[0])} | {mib(values[1])} | |")
    step0 = webgpu_stage.marker
    observed = (("the trainer on webgpu", webgpu_stage, kindling, step0), ("the trainer on gpujs", gpujs_stage, gpujs, gpujs_stage.marker), ("PyTorch", torch_stage, torch, None))
    for label, stage, report, anchor in observed:
        ms = (report or {}).get("msPerStep")
        apps = stage.readings("app")
        if apps:
            pids = sorted({pid for t, _, ps in stage.samples["app"] for pid in ps if stage.launch <= t <= (stage.exit or t)})
            md.append(f"| nvidia-smi, {label}'s process (compute apps, pid {', '.join(pids)}) | {reading(apps[1], anchor, ms)} | {reading(apps[2])} | {apps[3]:,} MiB |")
        whole = stage.readings("gpu")
        if whole:
            md.append(f"| nvidia-smi, whole GPU during {label} less the idle {whole[0]:,} MiB | {reading(whole[1], anchor, ms)} | {reading(whole[2])} | {whole[3]:,} MiB |")
        elif stage.launch is not None and not stage.samples["gpu"]:
            md.append(f"| nvidia-smi during {label} | no samples | | |")
    md.append("\nnvidia-smi is sampled every 0.5 s; its 'step 10' is the first sample after the trainer logged step 0 (after PyTorch printed 'step 10'), so it can be hundreds of steps later on a fast GPU: the estimate in brackets says how many. 'At the end' is the last sample in which the process still held memory. Vulkan processes may be missing from the compute-apps list: the whole-GPU row does not depend on it.")

    profile = read_json(out / "step-profile.json")
    if profile:
        md.append("\n## Where a webgpu step's time goes (step-profile.mjs)\n")
        per_step = profile.get("perStep") or {}
        md.append(
            f"{profile.get('steps')} steps of the tutorial's network on synthetic device batches: median step {fmt(profile.get('medianStepMs'), 3)} ms, "
            f"of which the host records forward + backward + Adam in {fmt(profile.get('medianRecordMs'), 3)} ms and then waits "
            f"{fmt(profile.get('medianWaitMs'), 3)} ms for the GPU (one step behind). {per_step.get('dispatches')} dispatches and "
            f"{per_step.get('submissions')} submission(s) per step. Recording longer than waiting: the host is the bottleneck.\n"
        )
        md.append(f"| matmul | ms per dispatch ({profile.get('matmulDispatchesPerSubmission')} per submission) | GFLOP/s |")
        md.append("| --- | ---: | ---: |")
        for row in profile.get("matmuls") or []:
            md.append(f"| {row.get('shape')} | {fmt(row.get('msPerDispatch'), 4)} | {fmt(row.get('gflops'), 0)} |")

    cnn, cnn_torch = read_json(out / "cnn-webgpu.json"), read_json(out / "cnn-pytorch.json")
    if cnn or cnn_torch:
        md.append("\n## The CNN of examples/mnist (batch 64, Adadelta), a short run\n")
        md.append("| implementation | steps | ms/step (median) | test accuracy % | × PyTorch ms/step |")
        md.append("| --- | ---: | ---: | ---: | ---: |")
        torch_cnn_ms = (cnn_torch or {}).get("msPerStep")
        for label, report in (("kindling webgpu", cnn), (f"pytorch {torch_device}", cnn_torch)):
            if report:
                ratio = f"{report['msPerStep'] / torch_cnn_ms:.2f}" if torch_cnn_ms else ""
                md.append(f"| {label} | {report['iterations']} | {fmt(report['msPerStep'])} | {fmt(report.get('testAccuracy'))} | {ratio} |")
            else:
                md.append(f"| {label} | no report | | | |")

    md.append("\n## Commands\n\n```")
    md.extend(f"# {name} (exit {rc})\n{command}" for name, (rc, command) in stages.items())
    md.append("```")
    (out / "summary.md").write_text("\n".join(md) + "\n")


if __name__ == "__main__":
    main()
