"""The table (and an SVG plot) of scripts/bench-threads' runs, one JSON line each.

    python3 scripts/lib/threads_report.py RUNS.jsonl [--svg FILE]
"""
import json
import math
import sys


def label(run):
    if run["strategy"] == "full":
        return "full rows"
    return "delta, cache " + run["cache"].split(" (")[0]


def table(runs):
    full = {(r["backend"], r["workload"], r["threads"]): r for r in runs if r["strategy"] == "full"}
    print("\n| backend | workload | threads | strategy | save p50 last step | p99 last step | mean | p50 vs full rows "
          "| hit rate | full/delta rows | payload | peak RSS |")
    print("|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in runs:
        f = full.get((r["backend"], r["workload"], r["threads"]))
        ratio = f"{r['save_last_p50_us'] / f['save_last_p50_us']:.2f}x" if f else "-"
        hit = f"{r['hit_rate']:.2f}" if r["strategy"] == "delta" else ""
        print(f"| {r['backend']} | {r['workload']} | {r['threads']} | {label(r)} | {r['save_last_p50_us'] / 1000:.2f} ms "
              f"| {r['save_last_p99_us'] / 1000:.2f} ms | {r['save_mean_us'] / 1000:.2f} ms | {ratio} | {hit} "
              f"| {r['full_rows']}/{r['delta_rows']} | {r['stored_payload_bytes'] / 1e6:.1f} MB | {r['peak_rss_mb']:.0f} MB |")


def svg(runs, path):
    """One panel per (backend, workload): save p50 at the last step against threads, log-log."""
    panels = sorted({(r["backend"], r["workload"]) for r in runs})
    series_names = ["delta, cache default", "delta, cache 16 MiB", "delta, cache unlimited", "full rows"]
    colours = ["#1b7837", "#e08214", "#5aae61", "#762a83"]
    w, h, pad = 420, 300, 55
    xs = sorted({r["threads"] for r in runs})
    ys = [r["save_last_p50_us"] / 1000 for r in runs]
    y_lo, y_hi = math.log10(min(ys) / 1.5), math.log10(max(ys) * 1.5)
    x_lo, x_hi = math.log10(xs[0]), math.log10(xs[-1]) if xs[-1] > xs[0] else math.log10(xs[0]) + 1
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w * len(panels)}" height="{h + 40}" '
           'font-family="sans-serif" font-size="11">']
    for i, (backend, workload) in enumerate(panels):
        ox = i * w
        px = lambda t: ox + pad + (math.log10(t) - x_lo) / (x_hi - x_lo) * (w - 2 * pad)
        py = lambda ms: h - pad + 20 - (math.log10(ms) - y_lo) / (y_hi - y_lo) * (h - 2 * pad)
        out.append(f'<text x="{ox + w / 2}" y="16" text-anchor="middle" font-weight="bold">{workload} on {backend}: '
                   'save p50 at the last step</text>')
        out.append(f'<line x1="{ox + pad}" y1="{h - pad + 20}" x2="{ox + w - pad}" y2="{h - pad + 20}" stroke="black"/>')
        out.append(f'<line x1="{ox + pad}" y1="{h - pad + 20}" x2="{ox + pad}" y2="40" stroke="black"/>')
        for t in xs:
            out.append(f'<text x="{px(t)}" y="{h - pad + 35}" text-anchor="middle">{t}</text>')
        out.append(f'<text x="{ox + w / 2}" y="{h - pad + 50}" text-anchor="middle">live threads</text>')
        for e in range(math.floor(y_lo), math.ceil(y_hi) + 1):
            ms = 10 ** e
            if y_lo <= e <= y_hi:
                out.append(f'<text x="{ox + pad - 5}" y="{py(ms) + 4}" text-anchor="end">{ms:g} ms</text>')
                out.append(f'<line x1="{ox + pad}" y1="{py(ms)}" x2="{ox + w - pad}" y2="{py(ms)}" stroke="#ddd"/>')
        for name, colour in zip(series_names, colours):
            points = sorted((r["threads"], r["save_last_p50_us"] / 1000) for r in runs
                            if (r["backend"], r["workload"]) == (backend, workload) and label(r) == name)
            if not points:
                continue
            path_d = " ".join(f"{'M' if j == 0 else 'L'}{px(t):.1f},{py(ms):.1f}" for j, (t, ms) in enumerate(points))
            out.append(f'<path d="{path_d}" fill="none" stroke="{colour}" stroke-width="2"/>')
            for t, ms in points:
                out.append(f'<circle cx="{px(t):.1f}" cy="{py(ms):.1f}" r="3" fill="{colour}"/>')
        for j, (name, colour) in enumerate(zip(series_names, colours)):
            out.append(f'<rect x="{ox + pad + 10}" y="{48 + j * 14}" width="10" height="3" fill="{colour}"/>'
                       f'<text x="{ox + pad + 24}" y="{53 + j * 14}">{name}</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def main():
    runs = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
    for r in runs:
        if r["backend"] == "sqlite-normal":
            r["backend"] = "sqlite"
    table(runs)
    if "--svg" in sys.argv:
        svg(runs, sys.argv[sys.argv.index("--svg") + 1])


if __name__ == "__main__":
    main()
