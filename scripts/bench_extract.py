#!/usr/bin/env python3
"""Timing helper for scripts/bench-extract.sh (run it through that script).

Per case: PyRadiomics 3.1.4 `RadiomicsFeatureExtractor().execute(image, mask)` (default
settings: Original image, shape, firstorder, glcm, gldm, glrlm, glszm, ngtdm), single-threaded,
timed inside one Python process (imports excluded), against the wall time of a whole
`radlsig extract --image … --mask … --jobs 1` process (start-up, reading and writing
included). Best of --repeat runs each. With --in-memory, also the features alone: PyRadiomics
on SimpleITK images already read against `Extractor::extract_volumes` on volumes already read
(the `bench_extract` test's output). Then the batch scaling of `radlsig extract --manifest`
with 1 and 2 jobs.
"""
import argparse
import csv
import logging
import os
import subprocess
import sys
import tempfile
import time


def best(fn, repeat):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--radlsig", required=True)
    ap.add_argument("--manifest", required=True)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--in-memory", help="output of the bench_extract test (radlsig in-memory times)")
    args = ap.parse_args()

    import SimpleITK as sitk
    import radiomics
    from radiomics import featureextractor

    sitk.ProcessObject.SetGlobalDefaultNumberOfThreads(1)
    logging.getLogger("radiomics").setLevel(logging.ERROR)
    extractor = featureextractor.RadiomicsFeatureExtractor()

    base = os.path.dirname(os.path.abspath(args.manifest))
    with open(args.manifest) as f:
        rows = list(csv.DictReader(f))
    out = tempfile.mkdtemp(prefix="bench-extract-")
    print("PyRadiomics %s (SimpleITK threads: 1); radlsig %s; best of %d"
          % (radiomics.__version__, args.radlsig, args.repeat))
    print("%-10s %14s %14s %8s" % ("case", "pyradiomics s", "radlsig s", "ratio"))
    ratios = []
    for row in rows:
        image = os.path.join(base, row["Image"])
        mask = os.path.join(base, row["Mask"])
        case = row.get("ID") or os.path.basename(image)
        t_py = best(lambda: extractor.execute(image, mask), args.repeat)
        cmd = [args.radlsig, "extract", "--image", image, "--mask", mask, "--jobs", "1",
               "--out", os.path.join(out, "one.csv")]
        t_rs = best(lambda: subprocess.run(cmd, check=True), args.repeat)
        ratios.append(t_py / t_rs)
        print("%-10s %14.3f %14.3f %7.1fx" % (case, t_py, t_rs, t_py / t_rs))
    geo = 1.0
    for r in ratios:
        geo *= r
    print("geometric mean speed-up: %.1fx" % geo ** (1.0 / len(ratios)))

    if args.in_memory:
        ours = {}
        with open(args.in_memory) as f:
            for line in f:
                parts = line.split()
                if parts and parts[0] == "radlsig-in-memory":
                    ours[parts[1]] = (float(parts[2]), float(parts[4]))
        print("\nin memory (volumes already loaded; features only, one thread):")
        print("%-10s %14s %14s %8s %16s" % ("case", "pyradiomics s", "radlsig s", "ratio", "radlsig read s"))
        ratios = []
        for row in rows:
            image = sitk.ReadImage(os.path.join(base, row["Image"]))
            mask = sitk.ReadImage(os.path.join(base, row["Mask"]))
            case = row.get("ID") or row["Image"]
            t_py = best(lambda: extractor.execute(image, mask), args.repeat)
            t_rs, t_read = ours[case]
            ratios.append(t_py / t_rs)
            print("%-10s %14.3f %14.4f %7.1fx %16.3f" % (case, t_py, t_rs, t_py / t_rs, t_read))
        geo = 1.0
        for r in ratios:
            geo *= r
        print("geometric mean speed-up (in memory): %.1fx" % geo ** (1.0 / len(ratios)))

    print("\nbatch: radlsig extract --manifest (%d cases)" % len(rows))
    times = {}
    for jobs in (1, 2):
        cmd = [args.radlsig, "extract", "--manifest", args.manifest, "--jobs", str(jobs),
               "--out", os.path.join(out, "batch.parquet")]
        times[jobs] = best(lambda: subprocess.run(cmd, check=True), args.repeat)
        print("  --jobs %d: %.3f s" % (jobs, times[jobs]))
    print("  scaling 1 -> 2 jobs: %.2fx" % (times[1] / times[2]))


if __name__ == "__main__":
    sys.exit(main())
